"""Read the Tenants' roll-up from a cluster, for commands given `--kubeconfig` (I/O: the pure part
is `vdx.tenantstate`). Read-only: a list of Tenants, which `view` RBAC allows."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from vdx.tenantstate import TenantState, of_tenants


class ClusterError(Exception):
    """The cluster could not be read; the message says which kubeconfig and what to check."""


def read_states(kubeconfig: Path, context: str | None = None) -> dict[str, TenantState]:
    from kubernetes import client, config
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    from vdx.api.meta import API_GROUP, API_VERSION

    try:
        api = config.new_client_from_config(config_file=str(kubeconfig), context=context)  # type: ignore[no-untyped-call]
    except (config.ConfigException, OSError, ValueError) as error:
        raise ClusterError(
            f"{kubeconfig} is not a usable kubeconfig ({error}); check --kubeconfig and --context"
        ) from None
    try:
        with api:
            listed = cast(
                dict[str, Any],
                client.CustomObjectsApi(api).list_cluster_custom_object(
                    API_GROUP, API_VERSION, "tenants", _request_timeout=20
                ),
            )
    except ApiException as error:
        hint = "the CRDs are not installed" if error.status == 404 else "check the user's RBAC (list tenants)"
        raise ClusterError(
            f"listing Tenants in the cluster of {kubeconfig} failed: {error.status} {error.reason}; {hint}"
        ) from None
    except (HTTPError, OSError) as error:
        raise ClusterError(
            f"the cluster of {kubeconfig} does not answer ({type(error).__name__}); is it running?"
        ) from None
    return of_tenants(list(listed.get("items") or []))
