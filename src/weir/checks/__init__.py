"""weir.checks."""
