"""shopdesk: order tracking, returns and proactive notifications for small online shops."""

__version__ = "0.1.0"
