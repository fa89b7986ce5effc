"""The registry of kinds: the one list every generator and loader iterates."""

from __future__ import annotations

from vdx.api.branding import CviBranding
from vdx.api.certificate import TlsCertificate
from vdx.api.device import Device
from vdx.api.domain import Domain
from vdx.api.identity import IdentityProvider
from vdx.api.onetouch import OneTouchJoin
from vdx.api.outlook import OutlookScheduling
from vdx.api.platform import PexipPlatform
from vdx.api.recorder import Recorder
from vdx.api.resource import Resource
from vdx.api.room import MeetingRoom
from vdx.api.tenant import Tenant
from vdx.api.turn import TurnService

ALL_KINDS: tuple[type[Resource], ...] = (
    PexipPlatform,
    Tenant,
    Domain,
    TurnService,
    TlsCertificate,
    CviBranding,
    IdentityProvider,
    Recorder,
    MeetingRoom,
    Device,
    OutlookScheduling,
    OneTouchJoin,
)
KINDS_BY_NAME: dict[str, type[Resource]] = {kind.__name__: kind for kind in ALL_KINDS}
