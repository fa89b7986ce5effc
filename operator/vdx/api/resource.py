"""The envelope every kind shares (apiVersion, kind, metadata, spec, status) and its CRD facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from vdx.api.base import VdxModel
from vdx.api.meta import GROUP_VERSION


class ObjectMeta(BaseModel):
    """The part of metadata the models look at; the API server owns the rest, so it passes through."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    name: str = Field(min_length=1, max_length=253)
    namespace: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    generation: int | None = None
    uid: str | None = None
    resource_version: str | None = Field(default=None, alias="resourceVersion")


@dataclass(frozen=True)
class PrinterColumn:
    name: str
    json_path: str
    type: str = "string"
    description: str = ""
    priority: int = 0
    format: str | None = None

    def to_crd(self) -> dict[str, Any]:
        column: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "jsonPath": self.json_path,
            "description": self.description,
        }
        if self.priority:
            column["priority"] = self.priority
        if self.format:
            column["format"] = self.format
        return column


def condition_column(condition: str, description: str) -> PrinterColumn:
    return PrinterColumn(
        name=condition,
        json_path=f'.status.conditions[?(@.type=="{condition}")].status',
        description=description,
    )


READY_COLUMN = condition_column("Ready", "Whether the Pexip side matches this resource.")
SYNCED_COLUMN = condition_column("Synced", "Whether the last reconcile with Pexip succeeded.")
MESSAGE_COLUMN = PrinterColumn(
    name="Message",
    json_path='.status.conditions[?(@.type=="Ready")].message',
    description="Why the resource is or is not Ready.",
    priority=1,
)
AGE_COLUMN = PrinterColumn(
    name="Age", json_path=".metadata.creationTimestamp", type="date", description="Time since creation."
)


@dataclass(frozen=True)
class CrdInfo:
    """What the CRD needs beyond the schema: names, scope, kubectl columns."""

    plural: str
    scope: Literal["Cluster", "Namespaced"]
    short_names: tuple[str, ...]
    description: str
    identity_columns: tuple[PrinterColumn, ...] = field(default=())

    def printer_columns(self) -> list[dict[str, Any]]:
        columns = (READY_COLUMN, SYNCED_COLUMN, *self.identity_columns, MESSAGE_COLUMN, AGE_COLUMN)
        return [column.to_crd() for column in columns]


class Resource(VdxModel):
    """Base of the top-level kinds. Subclasses set `kind`, `spec`, `status` and `crd`."""

    crd: ClassVar[CrdInfo]

    api_version: Literal["vdx.medcom.dk/v1alpha1"] = Field(
        default="vdx.medcom.dk/v1alpha1", description=GROUP_VERSION
    )
    metadata: ObjectMeta

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def namespace(self) -> str | None:
        return self.metadata.namespace

    def display_name(self) -> str:
        """`Kind ns/name` or `Kind name`: how errors and events name a resource."""
        kind = type(self).__name__
        if self.metadata.namespace:
            return f"{kind} {self.metadata.namespace}/{self.metadata.name}"
        return f"{kind} {self.metadata.name}"
