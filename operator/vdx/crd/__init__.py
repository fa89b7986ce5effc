"""Generating CRDs and editor JSON Schemas from the resource models."""
