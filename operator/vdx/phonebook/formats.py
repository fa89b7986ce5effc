"""The phone book as JSON (tools), CSV (spreadsheets) and XML (video endpoints and SIP phones).

The XML is the "remote phone book" shape Yealink documents and most SIP phones and several video
endpoints load by URL (it descends from Cisco's CiscoIPPhoneDirectory):

    <YealinkIPPhoneDirectory>
      <DirectoryEntry><Name>...</Name><Telephone>sip:alias</Telephone></DirectoryEntry>
    </YealinkIPPhoneDirectory>

It is built with ElementTree, never by string concatenation, so `&`, `<` and quotes in a name
cannot break the document.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from vdx.phonebook.book import Entry
from vdx.tenantstate import TenantState, lookup

FORMATS = ("json", "csv", "xml")
MEDIA_TYPES = {
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "xml": "application/xml; charset=utf-8",
}
# Bumped when a field is removed or changes meaning; adding a field keeps it.
JSON_VERSION = 1
# tenant_state last: a column added at the end leaves spreadsheets that pick columns by position intact.
CSV_COLUMNS = ("name", "alias", "organisation", "tenant", "kind", "platform", "tenant_state")
XML_ROOT = "YealinkIPPhoneDirectory"
# Characters XML 1.0 cannot carry at all, not even escaped (C0 controls but tab, CR, LF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def sip_uri(alias: str) -> str:
    return f"sip:{alias}"


def render(
    entries: Sequence[Entry],
    fmt: str,
    *,
    generated_at: datetime | None = None,
    tenant: str | None = None,
    states: Mapping[str, TenantState] | None = None,
) -> bytes:
    """The entries in `fmt`, as bytes in UTF-8 (the CSV with a byte-order mark, for Excel).

    `states`: each tenant's roll-up where a cluster was read (None: "state unknown (no cluster)").
    JSON lists the tenants of the entries with their state, CSV gives each entry its tenant's; the
    XML is for phones, which dial and show names only.
    """
    if fmt == "json":
        return _json(entries, generated_at or datetime.now(UTC), tenant, states)
    if fmt == "csv":
        return _csv(entries, states, tenant)
    if fmt == "xml":
        return _xml(entries)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _json(
    entries: Sequence[Entry],
    generated_at: datetime,
    tenant: str | None,
    states: Mapping[str, TenantState] | None,
) -> bytes:
    document = {
        "version": JSON_VERSION,
        "generatedAt": generated_at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        # null: MedCom's full view; otherwise whose view this is.
        "tenant": tenant,
        "entries": [
            {
                "name": e.display_name,
                "alias": e.alias,
                "uri": sip_uri(e.alias),
                "organisation": e.organisation,
                "tenant": e.tenant,
                "kind": e.kind.value,
                "platform": e.platform,
            }
            for e in entries
        ],
        "tenants": [
            {"name": name, "ready": state.ready, "state": state.summary}
            for name in sorted({e.tenant for e in entries} | ({tenant} if tenant else set()))
            for state in (lookup(states, name, tenant),)
        ],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _csv(entries: Sequence[Entry], states: Mapping[str, TenantState] | None, viewer: str | None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        writer.writerow(
            [
                _cell(e.display_name),
                e.alias,
                _cell(e.organisation),
                e.tenant,
                e.kind.value,
                e.platform,
                _cell(lookup(states, e.tenant, viewer).summary),
            ]
        )
    # The byte-order mark makes Excel read UTF-8 (æ, ø, å) instead of the local code page, as the
    # statistics export does.
    return buffer.getvalue().encode("utf-8-sig")


def _cell(text: str) -> str:
    """Free text that a spreadsheet would run as a formula (=, +, -, @) is prefixed with a quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def xml_name(entry: Entry) -> str:
    """The one line a phone shows: the display name, with the organisation unless it is already in it.

    Two organisations may both have a "Lægevagt"; on a phone's screen only the name is shown.
    """
    if entry.organisation.casefold() in entry.display_name.casefold():
        return entry.display_name
    return f"{entry.display_name} ({entry.organisation})"


def _xml(entries: Sequence[Entry]) -> bytes:
    root = ET.Element(XML_ROOT)
    for e in entries:
        item = ET.SubElement(root, "DirectoryEntry")
        ET.SubElement(item, "Name").text = _NOT_XML.sub("", xml_name(e))
        ET.SubElement(item, "Telephone").text = _NOT_XML.sub("", sip_uri(e.alias))
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
