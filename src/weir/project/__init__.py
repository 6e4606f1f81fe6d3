"""weir.project."""
