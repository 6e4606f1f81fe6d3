"""weir.orchestration."""
