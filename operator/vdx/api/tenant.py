"""Tenant: one organisation on the shared platform (a region, a municipality, PLO, MedCom)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from vdx.api import patterns
from vdx.api.base import Rule, VdxModel, described, immutable
from vdx.api.common import MANAGEMENT_POLICY_DESCRIPTION, LocalObjectReference, ManagementPolicy, ObjectStatus
from vdx.api.resource import CrdInfo, PrinterColumn, Resource, condition_column

Fqdn = Annotated[str, Field(min_length=4, max_length=253, pattern=patterns.FQDN.regex)]


class OrganisationKind(StrEnum):
    REGION = "Region"
    MUNICIPALITY = "Municipality"
    GENERAL_PRACTICE = "GeneralPractice"
    OTHER = "Other"


class Region(StrEnum):
    """Denmark's five regions. A municipality's region is the one whose hospitals it shares patients
    with under the 72-hour extended treatment responsibility; `vdx ports status` groups by it."""

    HOVEDSTADEN = "hovedstaden"
    SJAELLAND = "sjaelland"
    SYDDANMARK = "syddanmark"
    MIDTJYLLAND = "midtjylland"
    NORDJYLLAND = "nordjylland"


class DirectMedia(StrEnum):
    """Pexip's own values, kept verbatim: the user group and Pexip's documentation use them."""

    NEVER = "never"
    BEST_EFFORT = "best_effort"
    ALWAYS = "always"


class MeetingRoomDefaults(VdxModel):
    """Settings the operator enforces on every meeting room whose aliases fall in the tenant's domains."""

    direct_media: DirectMedia = described(
        "Direct media for meeting rooms (the VDX user group asked for it on everywhere): "
        "best_effort lets two WebRTC participants connect directly and escalates when a third joins; "
        "always limits the room to two WebRTC participants; never turns it off.",
        default=DirectMedia.BEST_EFFORT,
    )
    direct_media_notification_seconds: int = described(
        "Seconds of notice shown before a call escalates from or to direct media (Pexip allows 0-30).",
        default=0,
        ge=0,
        le=30,
    )
    direct_media_off_reason: str | None = described(
        "Why the tenant turns direct media off; the platform policy warns when it is off without a reason.",
        default=None,
        max_length=500,
    )


class Quotas(VdxModel):
    """Upper bounds on what one tenant may declare, so one organisation cannot crowd out others."""

    max_domains: int = described("Domains the tenant may claim.", default=10, ge=1, le=200)
    max_meeting_rooms: int = described("Meeting rooms managed from Git.", default=1000, ge=0, le=100000)
    max_devices: int = described("Registered devices.", default=2000, ge=0, le=100000)
    max_brandings: int = described("CviBranding resources.", default=3, ge=0, le=20)


class PhoneBookSettings(VdxModel):
    """How the tenant's rooms and devices appear in the platform's phone book."""

    visible_to_other_tenants: bool = described(
        "Whether other tenants see this tenant's entries (its own users always do). Cross-sector "
        "calls (municipality, hospital, general practice) need it on, so it is on by default.",
        default=True,
    )


class RecordingSettings(VdxModel):
    """Recording is the organisation's own decision and responsibility (GDPR): off unless switched on."""

    enabled: bool = described(
        "Whether the tenant's meeting rooms may record to the tenant's own Recorder. Off by default; "
        "MedCom does not record centrally.",
        default=False,
    )


class DomainDelegation(VdxModel):
    """A subdomain of this tenant's domain that another tenant may claim (the default is refusal)."""

    domain: Fqdn = described(
        "The subdomain handed over, strictly under one of this tenant's spec.domains, such as "
        "borger.vdx.rm.dk under vdx.rm.dk."
    )
    tenant: str = described(
        "The Tenant (by name) that may claim it, on the same platform.",
        min_length=1,
        max_length=253,
        pattern=patterns.DNS_SUBDOMAIN.regex,
    )


class TenantSpec(VdxModel):
    object_rules = (
        Rule(
            cel="size(self.domains) <= self.quotas.maxDomains",
            message="the tenant claims more domains than quotas.maxDomains allows; raise the quota or "
            "remove a domain",
            field_path=".domains",
            check=lambda s: len(s.domains) <= s.quotas.max_domains,
        ),
        Rule(
            cel="!has(self.delegatedDomains) || self.delegatedDomains.all(d, "
            "self.domains.exists(p, d.domain.endsWith('.' + p)))",
            message="every delegatedDomains entry must lie strictly under one of the tenant's own "
            "spec.domains; a tenant can only hand over what it owns",
            field_path=".delegatedDomains",
            check=lambda s: all(
                any(d.domain.endswith("." + p) for p in s.domains) for d in s.delegated_domains
            ),
        ),
    )

    organisation_kind: OrganisationKind = described(
        "What kind of organisation this is: Region, Municipality, GeneralPractice or Other."
    )
    display_name: str = described(
        "Name people see, such as Region Midtjylland or Aarhus Kommune.", min_length=1, max_length=100
    )
    region: Region | None = described(
        "The region the organisation belongs to (a region names itself): hovedstaden, sjaelland, "
        "syddanmark, midtjylland or nordjylland. `vdx ports status --region` groups municipalities by it "
        "to show which have proven their firewall open.",
        default=None,
    )
    namespace: str = described(
        "The namespace that holds this tenant's Domains, TurnServices, TlsCertificates and brandings.",
        min_length=1,
        max_length=63,
        pattern=patterns.DNS_LABEL.regex,
        json_schema_extra=immutable(
            "namespace", "moving a tenant would orphan its resources; create a new Tenant instead"
        ),
    )
    platform_ref: LocalObjectReference = described(
        "The PexipPlatform this tenant lives on.",
        json_schema_extra=immutable(
            "platformRef",
            "moving a tenant to another platform would orphan its Pexip objects; "
            "create the tenant on the other platform instead",
        ),
    )
    domains: list[Fqdn] = described(
        "Domains this tenant owns. A domain belongs to exactly one tenant per platform; every alias, "
        "web app path and certificate name of the tenant must lie in one of them.",
        min_length=1,
        max_length=200,
        json_schema_extra={"x-kubernetes-list-type": "set"},
    )
    delegated_domains: list[DomainDelegation] = described(
        "Subdomains of this tenant's domains that another tenant may claim. A domain under another "
        "tenant's domain belongs to that tenant unless it is delegated here (by the owner), so no "
        "tenant can take a subdomain of another's domain as its 'most specific claim'.",
        default_factory=list,
        max_length=100,
        json_schema_extra={"x-kubernetes-list-type": "atomic"},
    )
    meeting_room_defaults: MeetingRoomDefaults = described(
        "Defaults enforced on the tenant's meeting rooms, including rooms made by other systems.",
        default_factory=MeetingRoomDefaults,
    )
    quotas: Quotas = described("Limits for this tenant.", default_factory=Quotas)
    phone_book: PhoneBookSettings = described(
        "The tenant's part of the platform phone book.", default_factory=PhoneBookSettings
    )
    recording: RecordingSettings = described(
        "Whether the tenant records meetings on its own recorder.", default_factory=RecordingSettings
    )
    management_policy: ManagementPolicy = described(
        MANAGEMENT_POLICY_DESCRIPTION, default=ManagementPolicy.FULL
    )


class ResourceCount(VdxModel):
    """How many resources of one kind in the tenant's namespace are Ready."""

    ready: int = described("Ready.", ge=0)
    not_ready: int = described("Not Ready (the ResourcesReady condition names the first few).", ge=0)


class TenantStatus(ObjectStatus):
    resources: dict[str, ResourceCount] | None = described(
        "The resources in the tenant's namespace by kind, Ready or not (the ResourcesReady condition "
        "rolls them up).",
        default=None,
    )
    resources_ready: str | None = described(
        "Ready resources of all in the tenant's namespace, e.g. 13/14.", default=None, max_length=32
    )
    meeting_rooms: int | None = described(
        "Meeting rooms whose aliases fall in the tenant's domains.", default=None, ge=0
    )
    meeting_rooms_in_line: int | None = described(
        "Of those, rooms that already had the tenant's defaults.", default=None, ge=0
    )
    meeting_rooms_corrected: int | None = described(
        "Rooms the operator brought in line with the defaults since the tenant was created.",
        default=None,
        ge=0,
    )


class Tenant(Resource):
    """An organisation on the shared VDX platform."""

    crd = CrdInfo(
        plural="tenants",
        scope="Cluster",
        short_names=("vten",),
        description="Tenant is one organisation on the VDX platform (a region, a municipality, general "
        "practice, MedCom): its domains, the namespace of its resources, its meeting-room defaults.",
        identity_columns=(
            PrinterColumn(name="Kind", json_path=".spec.organisationKind", description="Organisation kind."),
            PrinterColumn(name="Platform", json_path=".spec.platformRef.name", description="PexipPlatform."),
            PrinterColumn(name="Namespace", json_path=".spec.namespace", description="Tenant namespace."),
            PrinterColumn(name="Region", json_path=".spec.region", description="Region.", priority=1),
            PrinterColumn(
                name="Resources",
                json_path=".status.resourcesReady",
                description="Ready resources of all in the tenant's namespace (condition ResourcesReady).",
            ),
            condition_column(
                "FirewallReady",
                "Whether the tenant's latest firewall probe report is recent, passed, and made against "
                "the current port table (vdx ports probe).",
            ),
        ),
    )

    kind: Literal["Tenant"] = described("Tenant")
    spec: TenantSpec = described("Desired state.")
    status: TenantStatus | None = described("Observed state, written by the operator.", default=None)
