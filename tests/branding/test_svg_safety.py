"""Hostile SVG logos: decided by parsing (vdx.branding.svgsafe), never a crash, never served.

Each case is a way past the old regular expression (a namespaced script, a script reached through
an entity or a character reference) or a way to take the check down (entity expansion, an
unclosed element, a drawing too complex to render).
"""

from __future__ import annotations

import time

import pytest

from vdx.branding import svgsafe
from vdx.branding.problems import Severity
from vdx.branding.validation import validate_branding

from .conftest import LOGO_SVG, Build, config_map

SVG = 'xmlns="http://www.w3.org/2000/svg"'
HEAD = f'<svg {SVG} xmlns:xlink="http://www.w3.org/1999/xlink" width="336" height="160">'

UNSAFE = {
    "namespaced script": (
        '<svg:svg xmlns:svg="http://www.w3.org/2000/svg" width="336" height="160">'
        "<svg:script>alert(1)</svg:script></svg:svg>",
        "a script",
    ),
    "script": (f"{HEAD}<script>alert(1)</script></svg>", "a script"),
    "event handler": (f'{HEAD}<rect width="1" height="1" onload="alert(1)"/></svg>', "an event handler"),
    "event handler in an editor namespace": (
        f'{HEAD}<g xmlns:ink="http://www.inkscape.org/namespaces/inkscape" ink:onclick="x()"/></svg>',
        "an event handler",
    ),
    "character reference in a link": (
        f'{HEAD}<image href="&#106;avascript:alert(1)" width="1" height="1"/></svg>',
        "a javascript: address",
    ),
    "tab inside the scheme": (
        f'{HEAD}<image xlink:href="java&#9;script:alert(1)" width="1" height="1"/></svg>',
        "a javascript: address",
    ),
    "link": (f'{HEAD}<a href="#x"><rect width="1" height="1"/></a></svg>', "a link"),
    "foreignObject": (
        f'{HEAD}<foreignObject><body xmlns="http://www.w3.org/1999/xhtml">x</body></foreignObject></svg>',
        "a foreignObject",
    ),
    "XHTML script": (
        f'{HEAD}<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script></svg>',
        "an HTML element",
    ),
    "animation rewriting a link": (
        f'{HEAD}<set attributeName="href" to="javascript:alert(1)"/></svg>',
        "an animation",
    ),
    "external image": (
        f'{HEAD}<image href="https://tracker.example/a.png" width="1" height="1"/></svg>',
        "a reference to another document or server",
    ),
    "CSS import": (f"{HEAD}<style>@import url(https://x.example/a.css);</style></svg>", "CSS that imports"),
    "CSS url in an attribute": (
        f'{HEAD}<rect width="1" height="1" style="fill: url(https://x.example/#p)"/></svg>',
        "CSS that loads from another document or server",
    ),
    "unknown attribute": (f'{HEAD}<rect width="1" height="1" formaction="x"/></svg>', "formaction="),
}

REFUSED = {
    "entity hiding a script": (
        '<!DOCTYPE svg [<!ENTITY s "<script>alert(1)</script>">]>' + f"{HEAD}&s;</svg>",
        "declares XML entities",
    ),
    "billion laughs": (
        '<!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>' + f"{HEAD}<desc>&c;</desc></svg>",
        "declares XML entities",
    ),
    "external entity": (
        '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/hostname">]>' + f"{HEAD}<desc>&x;</desc></svg>",
        "declares XML entities",
    ),
    "unclosed element": (f'{HEAD}<rect width="1" height="1"></svg>', "is not well-formed XML"),
    "undefined entity": (f"{HEAD}<desc>&nope;</desc></svg>", "is not well-formed XML"),
    "too many elements": (
        HEAD + '<rect width="1" height="1"/>' * 10_001 + "</svg>",
        "more than 10,000 elements",
    ),
    "too deep": (HEAD + "<g>" * 70 + "</g>" * 70 + "</svg>", "more than 64 levels"),
    "not SVG": ('<html xmlns="http://www.w3.org/1999/xhtml"><svg/></html>', "does not have an <svg> root"),
}


@pytest.mark.parametrize("case", sorted(UNSAFE), ids=str)
def test_unsafe_content_is_found_by_parsing(case: str) -> None:
    svg, expected = UNSAFE[case]
    found = svgsafe.inspect(svg.encode())
    assert any(expected in item for item in found.unsafe), found.unsafe


@pytest.mark.parametrize("case", sorted(REFUSED), ids=str)
def test_what_cannot_be_parsed_safely_is_refused(case: str) -> None:
    svg, expected = REFUSED[case]
    with pytest.raises(svgsafe.SvgRefused, match=expected.replace("(", r"\(")):
        svgsafe.inspect(svg.encode())


@pytest.mark.parametrize("case", sorted({**UNSAFE, **REFUSED}), ids=str)
def test_every_hostile_logo_is_one_error_on_the_logo_and_never_a_crash(build: Build, case: str) -> None:
    svg, expected = {**UNSAFE, **REFUSED}[case]
    started = time.monotonic()
    problems = validate_branding(*build([config_map({"logo.svg": svg})]))
    assert time.monotonic() - started < 10
    errors = [p for p in problems if p.severity is Severity.ERROR and p.field == "spec.images.logo"]
    assert errors, problems
    # Not SVG at all is told by the format check, before any parsing.
    expected = "is not a PNG, JPEG or SVG image" if case == "not SVG" else expected
    assert any(expected in p.message for p in errors), errors
    assert all(p.fix for p in errors)


def test_editor_metadata_and_ordinary_drawing_pass() -> None:
    svg = (
        f'<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        f'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
        f'<svg {SVG} xmlns:xlink="http://www.w3.org/1999/xlink" '
        'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
        'xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" '
        'width="336" height="160" viewBox="0 0 336 160" inkscape:version="1.3">'
        '<sodipodi:namedview id="nv" pagecolor="#ffffff"/>'
        '<defs><linearGradient id="g"><stop offset="0" stop-color="#5B2C86"/></linearGradient></defs>'
        '<g id="layer1" data-name="Lag 1" style="fill:url(#g)">'
        '<path d="M0 0h10v10z" fill="url(#g)"/><use xlink:href="#layer1-copy"/></g></svg>'
    )
    found = svgsafe.inspect(svg.encode())
    assert found.unsafe == ()
    assert not found.has_text


def test_a_drawing_too_complex_to_render_is_a_finding(build: Build) -> None:
    # Nested <use> that multiplies into millions of nodes: resvg stops at its node limit; that
    # becomes a finding on the logo instead of a traceback for the whole run.
    parts = [f'{HEAD}<defs><rect id="a0" width="1" height="1"/>']
    for level in range(1, 12):
        parts.append(f'<g id="a{level}">' + f'<use xlink:href="#a{level - 1}"/>' * 6 + "</g>")
    parts.append('</defs><use xlink:href="#a11"/></svg>')
    branding, assets = build([config_map({"logo.svg": "".join(parts)})], ivrTheme={"enabled": True})
    problems = validate_branding(branding, assets)
    assert any("cannot be rendered" in p.message and p.severity is Severity.ERROR for p in problems), problems


def test_the_plain_logo_is_clean(build: Build) -> None:
    problems = validate_branding(*build([config_map({"logo.svg": LOGO_SVG})]))
    assert [p for p in problems if p.field == "spec.images.logo"] == []
