"""The vdx.medcom.dk resource API: pydantic models are the single source of truth.

The CRDs in `schemas/` are generated from these models (`vdx schemas`), and the same models load a
GitOps tree offline (`vdx.api.loader`), so what the API server accepts and what a pull-request check
accepts cannot drift apart.
"""

from vdx.api.meta import API_GROUP, API_VERSION, CATEGORY, GROUP_VERSION

__all__ = ["API_GROUP", "API_VERSION", "CATEGORY", "GROUP_VERSION"]
