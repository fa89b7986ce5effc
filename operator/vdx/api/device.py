"""Device: a registered video endpoint or app of a tenant (device registration, "enhedsregistrering")."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from vdx.api import patterns
from vdx.api.base import Rule, VdxModel, described
from vdx.api.common import LocalObjectReference, OwnedObjectsStatus, OwningSpec
from vdx.api.resource import CrdInfo, PrinterColumn, Resource


class Protocol(StrEnum):
    SIP = "SIP"
    H323 = "H323"
    PEXIP_APP = "PexipApp"


class DeviceSso(VdxModel):
    identity_provider_ref: LocalObjectReference = described(
        "IdentityProvider (in this namespace) the device's users sign in with (Pexip apps)."
    )


class DeviceSpec(OwningSpec):
    object_rules = (
        Rule(
            cel="size(self.protocols) > 0 || has(self.sso)",
            message="a device must be allowed to register somehow: list protocols (SIP, H323, PexipApp) "
            "or set sso",
            field_path=".protocols",
            check=lambda s: bool(s.protocols) or s.sso is not None,
        ),
    )

    alias: str = described(
        "The alias the device registers with, such as stue1.aarhus@vdx.aarhus.dk; inside the tenant's "
        "domains and unique on the platform.",
        min_length=3,
        max_length=250,
        pattern=patterns.ALIAS.regex,
    )
    display_name: str = described(
        "Name the phone book shows, such as Aarhus Kommune - Borgerstue 1.", min_length=1, max_length=200
    )
    credentials_secret_ref: LocalObjectReference = described(
        "Secret in this namespace with keys `username` and `password` the device registers with. When "
        "it changes, Pexip is updated."
    )
    protocols: list[Protocol] = described(
        "How the device may register: SIP, H323, PexipApp (Pexip apps without single sign-on).",
        default_factory=lambda: [Protocol.SIP],
        max_length=3,
        json_schema_extra={"x-kubernetes-list-type": "set", "default": ["SIP"]},
    )
    sso: DeviceSso | None = described(
        "Single sign-on for Pexip apps through the tenant's IdentityProvider.", default=None
    )
    owner_email: str | None = described(
        "E-mail of the person responsible for the device.",
        default=None,
        max_length=100,
        pattern=patterns.EMAIL.regex,
    )
    listed_in_phone_book: bool = described("Whether the device appears in the phone book.", default=True)


class DeviceStatus(OwnedObjectsStatus):
    device: str | None = described("Pexip resource URI of the device.", default=None, max_length=512)
    secret_resource_version: str | None = described(
        "resourceVersion of the credentials Secret last sent (never the credentials).",
        default=None,
        max_length=64,
    )


class Device(Resource):
    """A registered device of a tenant."""

    crd = CrdInfo(
        plural="devices",
        scope="Namespaced",
        short_names=("vdev",),
        description="Device is a registration alias of a tenant's video endpoint or app in Pexip, with "
        "credentials from a Secret, the protocols it may use and optional SSO.",
        identity_columns=(
            PrinterColumn(name="Alias", json_path=".spec.alias", description="Registration alias."),
            PrinterColumn(name="Title", json_path=".spec.displayName", description="Phone book name."),
        ),
    )

    kind: Literal["Device"] = described("Device")
    spec: DeviceSpec = described("Desired state.")
    status: DeviceStatus | None = described("Observed state, written by the operator.", default=None)
