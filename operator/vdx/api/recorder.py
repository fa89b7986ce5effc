"""Recorder: a tenant's own NGINX RTMP recorder, with the consent and GDPR facts recording needs.

MedCom does not record centrally. An organisation that records does so on its own server, as the data
controller; the consent notice, the retention and the controller's contact are therefore required
fields, not options.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from vdx.api import patterns
from vdx.api.base import VdxModel, described
from vdx.api.common import ObjectStatus, SecretKeySelector
from vdx.api.resource import CrdInfo, PrinterColumn, Resource


class DataController(VdxModel):
    """Who answers for the recordings under GDPR (the organisation, usually its DPO)."""

    name: str = described(
        "Organisation or office, such as Region Hovedstaden, Databeskyttelse.", min_length=1, max_length=200
    )
    email: str = described("Contact e-mail.", max_length=100, pattern=patterns.EMAIL.regex)
    phone: str | None = described("Contact telephone.", default=None, max_length=40)


class RecorderSpec(VdxModel):
    url: str = described(
        "The recorder's RTMP address without path, such as rtmp://rec.regionh.dk:1935 (rtmps:// for TLS).",
        min_length=8,
        max_length=200,
        pattern=patterns.RTMP_BASE_URL.regex,
    )
    application: str = described(
        "Prefix of the RTMP application on the recorder; the stream key is appended to it, so only "
        "senders that know the key reach it.",
        default="vdx",
        min_length=1,
        max_length=40,
        pattern=patterns.DNS_LABEL.regex,
    )
    stream_key_secret_ref: SecretKeySelector = described(
        "Secret key (in this namespace) holding the stream key: 16 to 64 letters and digits."
    )
    consent_notice: str = described(
        "What participants are told about the recording and their consent; required. It is shown in "
        "the room and printed into the recorder's configuration.",
        min_length=20,
        max_length=1000,
    )
    visible_label: str = described(
        "Short text shown in the meeting for the recording participant, so everyone sees that the "
        "meeting is recorded.",
        default="Optagelse - mødet optages (recording)",
        min_length=5,
        max_length=100,
    )
    retention_days: int = described(
        "Days a recording is kept before the recorder's clean-up job deletes it; required.", ge=1, le=3650
    )
    data_controller: DataController = described("The data controller's contact; required.")
    allowed_publishers: list[Annotated[str, Field(min_length=3, max_length=50)]] = described(
        "Addresses or CIDR ranges of the Pexip conferencing nodes allowed to send to the recorder "
        "(written into its configuration). Left out: any sender that knows the key.",
        default_factory=list,
        max_length=50,
        json_schema_extra={"x-kubernetes-list-type": "set"},
    )
    storage_path: str = described(
        "Directory on the recorder where recordings go (one subdirectory per room and date).",
        default="/var/lib/vdx-recordings",
        min_length=2,
        max_length=200,
        pattern=r"^/[A-Za-z0-9._/-]*$",
    )


class RecorderStatus(ObjectStatus):
    rooms: list[Annotated[str, Field(max_length=253)]] = described(
        "MeetingRooms that record to this recorder.",
        default_factory=list,
        max_length=1000,
        json_schema_extra={"x-kubernetes-list-type": "set"},
    )
    secret_resource_version: str | None = described(
        "resourceVersion of the stream key Secret in use (never the key).", default=None, max_length=64
    )


class Recorder(Resource):
    """A tenant's recorder."""

    crd = CrdInfo(
        plural="recorders",
        scope="Namespaced",
        short_names=("vrec",),
        description="Recorder is a tenant's own NGINX RTMP recorder with its stream key, consent notice, "
        "retention and data controller; MeetingRooms opt in to it.",
        identity_columns=(
            PrinterColumn(name="URL", json_path=".spec.url", description="RTMP address."),
            PrinterColumn(
                name="Retention", json_path=".spec.retentionDays", type="integer", description="Days kept."
            ),
        ),
    )

    kind: Literal["Recorder"] = described("Recorder")
    spec: RecorderSpec = described("Desired state.")
    status: RecorderStatus | None = described("Observed state, written by the operator.", default=None)
