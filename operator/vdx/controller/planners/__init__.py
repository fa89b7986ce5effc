"""One pure planner per kind: desired state + observed Pexip objects -> changes and an outcome."""
