"""Fixtures for the CRD tests: a typed wrapper around the custom-objects API of the real server."""

from __future__ import annotations

import pytest
from kubernetes import client

from tests.crds.specimens import Custom


@pytest.fixture
def custom(kube_api_client: client.ApiClient) -> Custom:
    return Custom(kube_api_client)
