"""Reliability campaigns: seeded Pexip faults, operator kills and an API-server restart (`vdx chaos`)."""
