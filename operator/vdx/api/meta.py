"""Names of the API itself, in one place."""

from __future__ import annotations

API_GROUP = "vdx.medcom.dk"
API_VERSION = "v1alpha1"
GROUP_VERSION = f"{API_GROUP}/{API_VERSION}"
# Every kind is in this category, so `kubectl get vdx` lists them all at once.
CATEGORY = "vdx"
