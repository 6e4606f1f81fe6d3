"""weir.workspace."""
