"""weir.materialize."""
