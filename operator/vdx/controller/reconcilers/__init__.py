"""Per-kind reconcilers: the I/O around the pure planners (read, plan, apply, report)."""
