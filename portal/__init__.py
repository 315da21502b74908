"""The customer portal: private tracking pages, order lookup, unsubscribe; a Litestar app."""
