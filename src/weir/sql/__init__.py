"""weir.sql."""
