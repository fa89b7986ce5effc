"""Shared pytest configuration: the control-plane fixtures (see vdx.testing.pytest_plugin)."""

pytest_plugins = ["vdx.testing.pytest_plugin"]
