"""Pages of the FT2 campaigns, one module per resource."""
