"""What a Pexip Infinity v41 node says about each field of the collections the simulator models.

The facts come from `pexip-v41-fields.json` in the shared folder beside the repository (types,
nullability, and the enumerations, defaults, ranges and lengths Pexip's SDK documents). That file
does not ship with the package, so `vdx simulator v41-fields` renders the part the simulator needs
into `v41_fields.py` here, and `--check` (and a test, when the shared folder is present) keeps the
two in step. `spec` completes its hand-written tables from this data, so a field a v41 node has is
never silently dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final


class _Missing:
    """The file states no default (distinct from a stated default of null)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


@dataclass(frozen=True)
class V41Field:
    type: str
    nullable: bool = False
    read_only: bool = False
    default: Any = MISSING
    choices: tuple[Any, ...] | None = None
    range: tuple[int, int] | None = None
    max_length: int | None = None
    min_length: int | None = None


# The collections the simulator serves that the v41 data describes (its `history/` resources and
# `registration` are not in the file). A test checks this list against `spec.ALL_SPECS`.
MODELLED: tuple[str, ...] = (
    "configuration/v1/automatic_participant",
    "configuration/v1/ca_certificate",
    "configuration/v1/conference",
    "configuration/v1/conference_alias",
    "configuration/v1/device",
    "configuration/v1/dns_server",
    "configuration/v1/end_user",
    "configuration/v1/event_sink",
    "configuration/v1/exchange_domain",
    "configuration/v1/global",
    "configuration/v1/identity_provider",
    "configuration/v1/identity_provider_attribute",
    "configuration/v1/identity_provider_group",
    "configuration/v1/ivr_theme",
    "configuration/v1/mjx_endpoint",
    "configuration/v1/mjx_endpoint_group",
    "configuration/v1/mjx_exchange_autodiscover_url",
    "configuration/v1/mjx_exchange_deployment",
    "configuration/v1/mjx_google_deployment",
    "configuration/v1/mjx_graph_deployment",
    "configuration/v1/mjx_integration",
    "configuration/v1/mjx_meeting_processing_rule",
    "configuration/v1/ms_exchange_connector",
    "configuration/v1/ntp_server",
    "configuration/v1/software_bundle_revision",
    "configuration/v1/stun_server",
    "configuration/v1/syslog_server",
    "configuration/v1/system_location",
    "configuration/v1/tls_certificate",
    "configuration/v1/turn_server",
    "configuration/v1/user_group",
    "configuration/v1/webapp_alias",
    "configuration/v1/webapp_branding",
    "configuration/v1/worker_vm",
    "status/v1/conference",
    "status/v1/exchange_scheduler",
    "status/v1/licensing",
    "status/v1/management_vm",
    "status/v1/mjx_endpoint",
    "status/v1/mjx_meeting",
    "status/v1/participant",
)

GENERATED_MODULE = Path(__file__).with_name("v41_fields.py")
SHARED_FILE_NAME = "pexip-v41-fields.json"


def _typed_default(kind: str, raw: Any) -> Any:
    """The SDK's comments give every default as a string; a node answers with the JSON type."""
    if not isinstance(raw, str):
        return raw
    if kind == "boolean" and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    if kind == "integer" and raw.lstrip("-").isdigit():
        return int(raw)
    return raw


def parse_field(raw: dict[str, Any]) -> V41Field:
    kind = str(raw["type"])
    rng = raw.get("range")
    choices = raw.get("choices")
    return V41Field(
        type=kind,
        nullable=bool(raw.get("nullable", False)),
        read_only=bool(raw.get("read_only", False)),
        default=_typed_default(kind, raw["default"]) if "default" in raw else MISSING,
        choices=tuple(choices) if choices is not None else None,
        range=(int(rng[0]), int(rng[1])) if rng is not None else None,
        max_length=raw.get("max_length"),
        min_length=raw.get("min_length"),
    )


def load_json(path: Path) -> dict[str, dict[str, V41Field]]:
    """The modelled collections of the shared JSON file, as `V41Field`s."""
    document = json.loads(path.read_text(encoding="utf-8"))
    resources = document["resources"]
    missing = [key for key in MODELLED if key not in resources]
    if missing:
        raise ValueError(f"{path.name} does not describe {', '.join(missing)}")
    return {key: {name: parse_field(raw) for name, raw in resources[key].items()} for key in MODELLED}


def _literal(value: Any) -> str:
    """Python source for a JSON value, strings double-quoted as ruff format writes them."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, tuple):
        inner = ", ".join(_literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def _render_field(f: V41Field) -> str:
    args = [_literal(f.type)]
    for name in ("nullable", "read_only"):
        if getattr(f, name):
            args.append(f"{name}=True")
    if f.default is not MISSING:
        args.append(f"default={_literal(f.default)}")
    for name in ("choices", "range", "max_length", "min_length"):
        value = getattr(f, name)
        if value is not None:
            args.append(f"{name}={_literal(value)}")
    return f"F({', '.join(args)})"


def render_module(fields: dict[str, dict[str, V41Field]]) -> str:
    """The source of `v41_fields.py`: one line per field, stable order, ruff-format clean."""
    # One line per field even where a default is a long English sentence (the add-in's texts): the
    # formatter is told to leave the table alone, so the generator alone decides its layout.
    lines = [
        "# ruff: noqa: E501",
        '"""Generated by `vdx simulator v41-fields` from the shared pexip-v41-fields.json: do not edit.',
        "",
        "Only the collections the simulator models (`v41.MODELLED`); see `v41` for what the values mean.",
        '"""',
        "",
        "from vdx.pexip.simulator.v41 import V41Field as F",
        "",
        "# fmt: off",
        "FIELDS: dict[str, dict[str, F]] = {",
    ]
    for key in MODELLED:
        lines.append(f"    {_literal(key)}: {{")
        for name in sorted(fields[key]):
            lines.append(f"        {_literal(name)}: {_render_field(fields[key][name])},")
        lines.append("    },")
    lines.append("}")
    lines.append("# fmt: on")
    return "\n".join(lines) + "\n"


def stale(source: Path) -> bool:
    """Whether the generated module differs from what the shared file gives now."""
    current = GENERATED_MODULE.read_text(encoding="utf-8") if GENERATED_MODULE.exists() else ""
    return current != render_module(load_json(source))
