"""Pieces shared by several kinds: references, policies, conditions, the status skeleton."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from vdx.api import patterns
from vdx.api.base import Rule, VdxModel, described


class DeletionPolicy(StrEnum):
    """What happens in Pexip when the Kubernetes object is deleted."""

    DELETE = "Delete"
    ORPHAN = "Orphan"


class ManagementPolicy(StrEnum):
    """Whether the operator may write to Pexip for this object."""

    FULL = "Full"
    OBSERVE_ONLY = "ObserveOnly"


ObjectName = Annotated[
    str,
    Field(min_length=1, max_length=253, pattern=patterns.DNS_SUBDOMAIN.regex),
]
ConfigKey = Annotated[str, Field(min_length=1, max_length=253, pattern=patterns.CONFIG_KEY.regex)]


class LocalObjectReference(VdxModel):
    """A reference to another object in the same namespace (never across namespaces)."""

    name: ObjectName = described("Name of the referenced object, in this object's own namespace.")


class SecretKeySelector(VdxModel):
    """A key of a Secret in the same namespace as the referring object."""

    name: ObjectName = described("Name of the Secret, in this object's own namespace.")
    key: ConfigKey = described("Key inside the Secret's data.")


class ConfigMapKeySelector(VdxModel):
    """A key of a ConfigMap in the same namespace as the referring object."""

    name: ObjectName = described("Name of the ConfigMap, in this object's own namespace.")
    key: ConfigKey = described("Key inside the ConfigMap's data or binaryData.")


class FileSource(VdxModel):
    """Where a file (an image, a CA bundle) comes from: exactly one ConfigMap or Secret key."""

    object_rules = (
        Rule(
            cel="has(self.configMapKeyRef) != has(self.secretKeyRef)",
            message="set exactly one of configMapKeyRef and secretKeyRef",
            check=lambda s: (s.config_map_key_ref is None) != (s.secret_key_ref is None),
        ),
    )

    config_map_key_ref: ConfigMapKeySelector | None = described(
        "Take the file from this ConfigMap key (binaryData for binary files).", default=None
    )
    secret_key_ref: SecretKeySelector | None = described("Take the file from this Secret key.", default=None)


class NamespacedSecretReference(VdxModel):
    """A Secret named with its namespace; only cluster-scoped kinds (PexipPlatform) use this."""

    namespace: str = described(
        "Namespace of the Secret (normally the operator's own namespace).",
        min_length=1,
        max_length=63,
        pattern=patterns.DNS_LABEL.regex,
    )
    name: ObjectName = described("Name of the Secret.")


class Condition(VdxModel):
    """A metav1.Condition: the shape kstatus, Flux and Argo CD read."""

    type: str = described(
        "Type of the condition: Ready, Synced, Reconciling or Stalled.",
        min_length=1,
        max_length=316,
        pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
    )
    status: Literal["True", "False", "Unknown"] = described("True, False or Unknown.")
    reason: str = described(
        "Machine-readable CamelCase reason for the last transition, such as PexipUnavailable.",
        min_length=1,
        max_length=1024,
        pattern=r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
    )
    message: str = described(
        "Human-readable explanation; never contains secret values.", default="", max_length=32768
    )
    last_transition_time: datetime = described("When the status last changed.")
    observed_generation: int | None = described(
        "metadata.generation of the object that this condition describes.", default=None, ge=0
    )


class ObjectStatus(VdxModel):
    """Status every kind has. Kind-specific status classes extend it."""

    observed_generation: int | None = described(
        "The metadata.generation the operator last acted on; compare with metadata.generation to "
        "tell whether the status is current.",
        default=None,
        ge=0,
    )
    conditions: list[Condition] = described(
        "Latest observations: Ready, Synced, Reconciling, Stalled.",
        default_factory=list,
        max_length=16,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
    )


class PexipObjectRef(VdxModel):
    """Identity of one Pexip object that a resource owns."""

    resource: str = described("Pexip resource type, such as turn_server or tls_certificate.", max_length=64)
    resource_uri: str = described(
        "Resource URI in the Pexip Management API, such as /api/admin/configuration/v1/turn_server/7/.",
        max_length=512,
    )
    name: str | None = described("Name of the Pexip object, where it has one.", default=None, max_length=250)


class OwnedObjectsStatus(ObjectStatus):
    """Status of kinds that own objects in Pexip."""

    pexip_objects: list[PexipObjectRef] = described(
        "The Pexip objects this resource owns (created or explicitly adopted).",
        default_factory=list,
        max_length=64,
        json_schema_extra={
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["resourceUri"],
        },
    )


DELETION_POLICY_DESCRIPTION = (
    "What happens to the Pexip objects when this resource is deleted: Delete removes them, Orphan "
    "leaves them in Pexip and removes only the ownership marker."
)
MANAGEMENT_POLICY_DESCRIPTION = (
    "Full lets the operator create, update and delete in Pexip; ObserveOnly only reads Pexip and "
    "reports drift in status, writing nothing."
)


class OwningSpec(VdxModel):
    """The two policies every kind that owns Pexip objects has (Crossplane's vocabulary)."""

    deletion_policy: DeletionPolicy = described(DELETION_POLICY_DESCRIPTION, default=DeletionPolicy.DELETE)
    management_policy: ManagementPolicy = described(
        MANAGEMENT_POLICY_DESCRIPTION, default=ManagementPolicy.FULL
    )
