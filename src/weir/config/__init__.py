"""weir.config."""
