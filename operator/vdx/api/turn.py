"""TurnService: a TURN server for a tenant's domains, its secret from a Kubernetes Secret."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from vdx.api import patterns
from vdx.api.base import described
from vdx.api.common import (
    LocalObjectReference,
    OwnedObjectsStatus,
    OwningSpec,
)
from vdx.api.resource import CrdInfo, PrinterColumn, Resource


class Transport(StrEnum):
    UDP = "UDP"
    TCP = "TCP"
    TLS = "TLS"


class CredentialType(StrEnum):
    SHARED_SECRET = "SharedSecret"  # noqa: S105 - an enum value, not a secret
    USERNAME_PASSWORD = "UsernamePassword"  # noqa: S105 - an enum value, not a secret


class TurnServiceSpec(OwningSpec):
    address: str = described(
        "Public host name or IP address of the TURN server, such as turn.vdx.regionh.dk.",
        min_length=1,
        max_length=255,
        pattern=patterns.HOST.regex,
    )
    port: int = described("UDP/TCP port of the TURN server.", default=3478, ge=1, le=65535)
    transport: Transport = described("UDP, TCP or TLS.", default=Transport.UDP)
    credential_type: CredentialType = described(
        "SharedSecret (coturn's time-limited credentials; the Secret holds key `secret`) or "
        "UsernamePassword (the Secret holds keys `username` and `password`).",
        default=CredentialType.SHARED_SECRET,
    )
    secret_ref: LocalObjectReference = described(
        "The Secret (in this namespace) with the TURN credentials. When it changes, Pexip is updated."
    )
    description: str | None = described(
        "Free text shown in Pexip's administrator interface.", default=None, max_length=200
    )


class TurnServiceStatus(OwnedObjectsStatus):
    domains: list[Annotated[str, Field(max_length=253)]] = described(
        "The Domains that reference this TURN service (derived; a Domain names its TURN service).",
        default_factory=list,
        max_length=200,
        json_schema_extra={"x-kubernetes-list-type": "set"},
    )
    secret_resource_version: str | None = described(
        "resourceVersion of the credentials Secret last sent to Pexip (never the secret itself).",
        default=None,
        max_length=64,
    )


class TurnService(Resource):
    """A TURN service for a tenant's domains."""

    crd = CrdInfo(
        plural="turnservices",
        scope="Namespaced",
        short_names=("turn",),
        description="TurnService is a TURN server used by a tenant's domains; Pexip gets it as a "
        "turn_server with the secret from a Kubernetes Secret.",
        identity_columns=(
            PrinterColumn(name="Address", json_path=".spec.address", description="TURN server address."),
            PrinterColumn(name="Port", json_path=".spec.port", type="integer", description="Port."),
            PrinterColumn(name="Transport", json_path=".spec.transport", description="UDP, TCP or TLS."),
        ),
    )

    kind: Literal["TurnService"] = described("TurnService")
    spec: TurnServiceSpec = described("Desired state.")
    status: TurnServiceStatus | None = described("Observed state, written by the operator.", default=None)
