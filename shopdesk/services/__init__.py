"""The only way anything in shopdesk changes, and the plain views every UI reads."""
