"""CSV importers: orders (Shopify export, generic) and tracking numbers."""
