"""weir.state."""
