"""weir.engines."""
