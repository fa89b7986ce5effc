"""Checking a tenant's certificate before it reaches Pexip."""
