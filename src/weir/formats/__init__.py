"""weir.formats."""
