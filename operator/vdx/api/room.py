"""MeetingRoom: a meeting room (Pexip VMR) managed from Git, with its aliases, PINs and options."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from vdx.api import patterns
from vdx.api.base import Rule, VdxModel, described
from vdx.api.common import LocalObjectReference, ObjectName, OwnedObjectsStatus, OwningSpec
from vdx.api.resource import CrdInfo, PrinterColumn, Resource
from vdx.api.tenant import DirectMedia


class Layout(StrEnum):
    """Pexip's layout names, kept verbatim (they are what Pexip's documentation shows)."""

    ONE_MAIN_ZERO_PIPS = "one_main_zero_pips"
    ONE_MAIN_SEVEN_PIPS = "one_main_seven_pips"
    ONE_MAIN_TWENTYONE_PIPS = "one_main_twentyone_pips"
    TWO_MAINS_TWENTYONE_PIPS = "two_mains_twentyone_pips"
    FOUR_MAINS_ZERO_PIPS = "four_mains_zero_pips"
    NINE_MAINS_ZERO_PIPS = "nine_mains_zero_pips"
    SIXTEEN_MAINS_ZERO_PIPS = "sixteen_mains_zero_pips"
    TWENTYFIVE_MAINS_ZERO_PIPS = "twentyfive_mains_zero_pips"
    FIVE_MAINS_SEVEN_PIPS = "five_mains_seven_pips"
    ONE_MAIN_THIRTYTHREE_PIPS = "one_main_thirtythree_pips"
    ONE_MAIN_NINE_AROUND = "one_main_nine_around"
    ONE_MAIN_TWELVE_AROUND = "one_main_twelve_around"
    TWO_MAINS_EIGHT_AROUND = "two_mains_eight_around"
    ONE_MAIN_ONE_PIP = "one_main_one_pip"
    TEAMS = "teams"


class NonIdpParticipants(StrEnum):
    DISALLOW_ALL = "DisallowAll"
    ALLOW_IF_TRUSTED = "AllowIfTrusted"


class RoomAlias(VdxModel):
    alias: str = described(
        "The address people dial, such as meet.kbh@vdx.regionh.dk. It must lie in one of the tenant's "
        "domains and is unique on the platform.",
        min_length=3,
        max_length=250,
        pattern=patterns.ALIAS.regex,
    )
    description: str | None = described(
        "Shown in the Pexip app's directory search.", default=None, max_length=250
    )


class PinSecret(VdxModel):
    """PINs come from a Secret: they are credentials, so they never live in Git in clear."""

    name: ObjectName = described(
        "Secret in this namespace with key `hostPin` and, for guest access with a PIN, `guestPin`: "
        "4 to 20 characters, digits optionally ending in #, host and guest PIN different."
    )


class Authentication(VdxModel):
    host_identity_provider_ref: LocalObjectReference | None = described(
        "IdentityProvider (in this namespace) that hosts must sign in with.", default=None
    )
    guest_identity_provider_ref: LocalObjectReference | None = described(
        "IdentityProvider (in this namespace) that guests must sign in with.", default=None
    )
    non_idp_participants: NonIdpParticipants = described(
        "SIP and H.323 callers, who cannot sign in: DisallowAll, or AllowIfTrusted (devices registered "
        "to the platform are let in).",
        default=NonIdpParticipants.DISALLOW_ALL,
    )


class MeetingRoomSpec(OwningSpec):
    object_rules = (
        Rule(
            cel="!self.allowGuests || has(self.pinSecretRef)",
            message="guests can only be allowed in a room with a host PIN: set pinSecretRef to a Secret "
            "with key hostPin, or set allowGuests: false",
            field_path=".pinSecretRef",
            check=lambda s: not s.allow_guests or s.pin_secret_ref is not None,
        ),
        Rule(
            cel="self.aliases.all(a, self.aliases.exists_one(b, "
            "b.alias.lowerAscii() == a.alias.lowerAscii()))",
            message="each alias may be listed once (aliases compare without case)",
            field_path=".aliases",
            check=lambda s: len({a.alias.lower() for a in s.aliases}) == len(s.aliases),
        ),
    )

    display_name: str = described(
        "The room's name: what participants and the phone book show. Unique on the platform, because "
        "it is the conference's name in Pexip.",
        min_length=1,
        max_length=250,
    )
    aliases: list[RoomAlias] = described(
        "Addresses of the room (at least one), each inside the tenant's domains.",
        min_length=1,
        max_length=10,
        json_schema_extra={"x-kubernetes-list-type": "atomic"},
    )
    description: str | None = described(
        "Free text shown in Pexip's administrator interface.", default=None, max_length=200
    )
    pin_secret_ref: PinSecret | None = described(
        "Where the host and guest PINs come from. Left out: the room has no PIN.", default=None
    )
    allow_guests: bool = described(
        "Whether the room distinguishes hosts and guests (guests enter with the guest PIN, or none).",
        default=False,
    )
    guests_can_present: bool = described("Whether guests may share content.", default=True)
    host_layout: Layout | None = described(
        "Layout hosts see. Left out: not managed (a new room gets Pexip's default; a layout set "
        "before is left as it is).",
        default=None,
    )
    guest_layout: Layout | None = described(
        "Layout guests see. Left out: not managed (a new room gets Pexip's default; a layout set "
        "before is left as it is).",
        default=None,
    )
    participant_limit: int | None = described(
        "Most participants at once. Left out: no limit.", default=None, ge=1, le=1000
    )
    direct_media: DirectMedia | None = described(
        "Overrides the tenant's meetingRoomDefaults.directMedia for this room.", default=None
    )
    direct_media_notification_seconds: int | None = described(
        "Overrides the tenant's meetingRoomDefaults.directMediaNotificationSeconds (0-30).",
        default=None,
        ge=0,
        le=30,
    )
    authentication: Authentication = described(
        "Sign-in through the tenant's identity providers (ADFS).", default_factory=Authentication
    )
    recorder_ref: LocalObjectReference | None = described(
        "Opt this room in to recording on the tenant's Recorder (in this namespace). Needs the Tenant's "
        "spec.recording.enabled; participants are shown that the meeting is recorded.",
        default=None,
    )
    listed_in_phone_book: bool = described("Whether the room appears in the phone book.", default=True)


class MeetingRoomStatus(OwnedObjectsStatus):
    conference: str | None = described("Pexip resource URI of the conference.", default=None, max_length=512)
    aliases: int | None = described("Aliases the room has in Pexip.", default=None, ge=0)
    direct_media: str | None = described(
        "Direct media in effect (the room's own setting or the tenant's default).",
        default=None,
        max_length=20,
    )
    recording: bool | None = described("Whether the recorder is attached to the room.", default=None)
    pin_secret_resource_version: str | None = described(
        "resourceVersion of the PIN Secret last sent (never the PINs).", default=None, max_length=64
    )


class MeetingRoom(Resource):
    """A meeting room managed from Git."""

    crd = CrdInfo(
        plural="meetingrooms",
        scope="Namespaced",
        short_names=("room", "rooms"),
        description="MeetingRoom is a Pexip meeting room (VMR) of a tenant: its aliases, PINs from a "
        "Secret, guest access, layouts, direct media, sign-in and optional consent-based recording.",
        identity_columns=(
            PrinterColumn(name="Title", json_path=".spec.displayName", description="Room name."),
            PrinterColumn(name="Alias", json_path=".spec.aliases[0].alias", description="First alias."),
            PrinterColumn(
                name="DirectMedia", json_path=".status.directMedia", description="In effect.", priority=1
            ),
        ),
    )

    kind: Literal["MeetingRoom"] = described("MeetingRoom")
    spec: MeetingRoomSpec = described("Desired state.")
    status: MeetingRoomStatus | None = described("Observed state, written by the operator.", default=None)
