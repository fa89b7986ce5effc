"""The operator: kopf plumbing at the edge, level-triggered reconcilers, pure planning inside."""
