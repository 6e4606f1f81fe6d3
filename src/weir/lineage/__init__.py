"""weir.lineage."""
