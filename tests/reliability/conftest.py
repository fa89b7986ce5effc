"""The end-to-end fixtures (control plane, simulator, operator thread), reused from tests/e2e."""

from tests.e2e.conftest import ca, h, operator, operator_namespace, sim  # noqa: F401
