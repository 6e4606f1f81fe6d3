"""weir.graph."""
