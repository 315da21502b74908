"""Proactive notifications: the outbox, Apprise channels, templates, policy and the watch."""
