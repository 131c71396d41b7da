"""The FT2 campaigns' API, one module per resource."""
