"""Each format parsed back with a standard parser: Danish letters and markup characters survive."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from vdx.phonebook.book import Entry, EntryKind
from vdx.phonebook.formats import CSV_COLUMNS, XML_ROOT, render, xml_name

ENTRIES = [
    Entry("Ældreplejen Østbyen", "aeldre@vdx.aarhus.dk", "Aarhus Kommune", "aarhus", EntryKind.ROOM, "prod"),
    Entry(
        "Smith & Søn <\"Klinik\"> 'Å'",
        "klinik@vdx.plo.dk",
        "PLO; Lægerne, Nord",
        "plo",
        EntryKind.DEVICE,
        "prod",
    ),
    Entry(
        "Aarhus Kommune - Borgerstue 1",
        "stue1@vdx.aarhus.dk",
        "Aarhus Kommune",
        "aarhus",
        EntryKind.DEVICE,
        "prod",
    ),
    Entry('=HYPERLINK("x")', "f@vdx.aarhus.dk", "Aarhus Kommune", "aarhus", EntryKind.ROOM, "prod"),
]
WHEN = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)


def test_json_has_version_generated_at_and_every_field() -> None:
    document = json.loads(render(ENTRIES, "json", generated_at=WHEN, tenant="aarhus").decode("utf-8"))
    assert document["version"] == 1
    assert document["generatedAt"] == "2026-11-26T01:30:00Z"
    assert document["tenant"] == "aarhus"
    assert document["entries"][0] == {
        "name": "Ældreplejen Østbyen",
        "alias": "aeldre@vdx.aarhus.dk",
        "uri": "sip:aeldre@vdx.aarhus.dk",
        "organisation": "Aarhus Kommune",
        "tenant": "aarhus",
        "kind": "Room",
        "platform": "prod",
    }
    assert document["entries"][1]["name"] == "Smith & Søn <\"Klinik\"> 'Å'"


def test_json_is_utf8_not_escaped() -> None:
    assert "Ældreplejen".encode() in render(ENTRIES, "json")


def test_csv_round_trips_with_quoting_and_danish_letters() -> None:
    data = render(ENTRIES, "csv")
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[1] == [
        "Ældreplejen Østbyen",
        "aeldre@vdx.aarhus.dk",
        "Aarhus Kommune",
        "aarhus",
        "Room",
        "prod",
        "state unknown (no cluster)",
    ]
    assert rows[2][:3] == ["Smith & Søn <\"Klinik\"> 'Å'", "klinik@vdx.plo.dk", "PLO; Lægerne, Nord"]
    assert len(rows) == 1 + len(ENTRIES)


def test_csv_defuses_formulas() -> None:
    rows = list(csv.reader(io.StringIO(render(ENTRIES, "csv").decode("utf-8-sig"), newline="")))
    assert rows[4][0] == '\'=HYPERLINK("x")'


def test_xml_is_the_remote_phone_book_shape_and_escapes_markup() -> None:
    data = render(ENTRIES, "xml")
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(data)
    assert root.tag == XML_ROOT
    items = root.findall("DirectoryEntry")
    assert [(i.findtext("Name"), i.findtext("Telephone")) for i in items] == [
        ("Ældreplejen Østbyen (Aarhus Kommune)", "sip:aeldre@vdx.aarhus.dk"),
        ("Smith & Søn <\"Klinik\"> 'Å' (PLO; Lægerne, Nord)", "sip:klinik@vdx.plo.dk"),
        ("Aarhus Kommune - Borgerstue 1", "sip:stue1@vdx.aarhus.dk"),  # organisation already in the name
        ('=HYPERLINK("x") (Aarhus Kommune)', "sip:f@vdx.aarhus.dk"),
    ]
    assert all([child.tag for child in item] == ["Name", "Telephone"] for item in items)


def test_xml_drops_characters_xml_cannot_carry() -> None:
    odd = Entry("Bell\x07 rum", "b@vdx.aarhus.dk", "Aarhus Kommune", "aarhus", EntryKind.ROOM, "prod")
    root = ET.fromstring(render([odd], "xml"))
    assert root.findtext("DirectoryEntry/Name") == "Bell rum (Aarhus Kommune)"


def test_empty_book_is_still_a_document() -> None:
    assert ET.fromstring(render([], "xml")).tag == XML_ROOT
    assert json.loads(render([], "json"))["entries"] == []
    assert render([], "csv").decode("utf-8-sig").strip() == ",".join(CSV_COLUMNS)


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        render(ENTRIES, "vcard")


def test_xml_name_keeps_a_name_that_already_says_the_organisation() -> None:
    assert xml_name(ENTRIES[2]) == "Aarhus Kommune - Borgerstue 1"
