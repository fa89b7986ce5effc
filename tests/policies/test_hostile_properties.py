"""Property tests (issue 22): generated hostile YAML and SVG never hang, blow up or crash `vdx check`.

The generators build what an attacker or a careless contributor writes: anchors and aliases that
multiply (fan-out and depth drawn), nesting, duplicate keys, tags, Secret values that YAML reads
as aliases or tags; SVG logos mixing drawing elements with scripts, handlers, foreign elements,
entity declarations, character references and truncation. Each example must finish within a
bound (10 s; a national tree takes 3 s), allocate less than 100 MB at its peak (tracemalloc), end
in findings with a rule and a message, and never print a generated secret.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from vdx.policies.engine import check_workspace
from vdx.policies.findings import Finding
from vdx.policies.formats import render
from vdx.policies.source import Workspace, add_text, read_paths

CORPUS = Path(__file__).parent / "corpus"
BRANDING_CASE = CORPUS / "branding-logo-is-not-an-image"
SECONDS = 10.0
PEAK_BYTES = 100 * 1024 * 1024

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=False,
)

_NAMES = st.text(alphabet="abcdefghij", min_size=1, max_size=6)


@st.composite
def alias_bombs(draw: st.DrawFn) -> str:
    """Anchors whose every level repeats the previous one `fan_out` times."""
    levels = draw(st.integers(1, 40))
    fan_out = draw(st.integers(1, 12))
    flow = draw(st.booleans())
    lines = ["l0: &l0 [" + ", ".join(["lol"] * fan_out) + "]"]
    for level in range(1, levels):
        items = [f"*l{level - 1}"] * fan_out
        if flow:
            lines.append(f"l{level}: &l{level} [" + ", ".join(items) + "]")
        else:
            lines.append(f"l{level}: &l{level}\n" + "".join(f"  - {item}\n" for item in items).rstrip())
    return "\n".join(lines)


@st.composite
def odd_yaml(draw: st.DrawFn) -> str:
    """Nesting, duplicate keys, tags, undefined aliases, stray characters."""
    pieces = draw(
        st.lists(
            st.one_of(
                st.builds(lambda n, d: f"{n}: " + "[" * d + "]" * d, _NAMES, st.integers(0, 400)),
                st.builds(lambda n: f"{n}: 1\n{n}: 2", _NAMES),
                st.builds(lambda n, t: f"{n}: !{t} x", _NAMES, _NAMES),
                st.builds(lambda n, a: f"{n}: *{a}", _NAMES, _NAMES),
                st.builds(lambda n, a: f"{n}: &{a} {{k: v}}", _NAMES, _NAMES),
                st.builds(lambda n: f"<<: *{n}", _NAMES),
                st.sampled_from(
                    ["---", "...", "\t- x", "? [a, b]\n: c", "%YAML 1.1\n---", "a: 'unclosed", "- - - -"]
                ),
            ),
            min_size=1,
            max_size=12,
        )
    )
    return "\n".join(pieces)


def _configmap(body: str) -> str:
    return (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: h, namespace: vdx-stage-alpha}\ndata:\n"
        + "".join(f"  {line}\n" for line in body.splitlines())
    )


def _bounded_check(texts: dict[str, str], secret: str = "") -> list[Finding]:
    workspace: Workspace = read_paths([])
    tracemalloc.start()
    started = time.monotonic()
    try:
        for name, text in texts.items():
            add_text(workspace, text, name)
        findings = check_workspace(workspace)
        outputs = [render(findings, fmt, len(texts)) for fmt in ("text", "github", "sarif", "json")]
    finally:
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < SECONDS, f"took {elapsed:.1f} s"
    assert peak < PEAK_BYTES, f"peak {peak / 2**20:.0f} MiB"
    assert all(f.rule and f.message and f.fix for f in findings)
    if secret:
        assert all(secret not in output for output in outputs)
    return findings


@SETTINGS
@seed(22)
@given(alias_bombs(), st.booleans())
def test_alias_bombs_are_bounded(body: str, as_configmap: bool) -> None:
    _bounded_check({"bomb.yaml": _configmap(body) if as_configmap else body})


@SETTINGS
@seed(23)
@given(odd_yaml())
def test_odd_yaml_never_crashes(body: str) -> None:
    _bounded_check({"odd.yaml": _configmap(body)})
    _bounded_check({"odd.yaml": body})


@SETTINGS
@seed(24)
@given(
    st.sampled_from(["*", "!", "&", "!!", "%", "@", "`"]),
    st.text(alphabet="abcdefXYZ0123456789-_", min_size=6),
)
def test_a_secret_value_read_as_syntax_is_never_printed(sigil: str, value: str) -> None:
    secret = f"canary{value}"
    text = (
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: vdx-stage-alpha}\n"
        f"stringData:\n  password: {sigil}{secret}\n  other: {sigil}{secret} {sigil}{secret}\n"
    )
    _bounded_check({"secret.yaml": text}, secret)


# --- SVG ----------------------------------------------------------------------------------------

_ELEMENTS = st.sampled_from(
    [
        "g",
        "rect",
        "path",
        "circle",
        "text",
        "use",
        "script",
        "svg:script",
        "foreignObject",
        "a",
        "set",
        "html:script",
        "style",
        "image",
        "defs",
        "filter",
        "feGaussianBlur",
    ]
)
_ATTRIBUTES = st.sampled_from(
    [
        'width="10"',
        'fill="#5B2C86"',
        'onload="alert(1)"',
        'href="javascript:alert(1)"',
        'href="&#106;avascript:x"',
        'xlink:href="#a"',
        'href="https://x.example/a.png"',
        'style="fill:url(https://x.example/#a)"',
        'id="a"',
        'stdDeviation="500"',
        "&ent;",
    ]
)


@st.composite
def svg_documents(draw: st.DrawFn) -> str:
    def element(depth: int) -> str:
        name = draw(_ELEMENTS)
        attributes = " ".join(draw(st.lists(_ATTRIBUTES, max_size=3)))
        children = "".join(element(depth + 1) for _ in range(draw(st.integers(0, 3 if depth < 6 else 0))))
        return f"<{name} {attributes}>{children}</{name}>"

    prolog = draw(
        st.sampled_from(
            [
                "",
                '<?xml version="1.0"?>',
                '<!DOCTYPE svg [<!ENTITY ent "<script>alert(1)</script>">]>',
                '<!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY ent "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
                '<!DOCTYPE svg [<!ENTITY ent SYSTEM "file:///etc/hostname">]>',
            ]
        )
    )
    body = "".join(element(0) for _ in range(draw(st.integers(0, 4))))
    document = (
        f'{prolog}<svg xmlns="http://www.w3.org/2000/svg" xmlns:svg="http://www.w3.org/2000/svg" '
        f'xmlns:html="http://www.w3.org/1999/xhtml" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="336" height="160">{body}</svg>'
    )
    cut = draw(st.integers(0, 3))
    return document[: -cut * 7] if cut else document  # sometimes truncated: unclosed elements


def _svg_literal(svg: str) -> str:
    return "|\n" + "".join(f"    {line}\n" for line in svg.splitlines() or [""])


@SETTINGS
@seed(25)
@given(svg_documents(), st.booleans())
def test_hostile_svg_logos_are_findings_never_crashes(svg: str, ivr: bool) -> None:
    texts = {
        path.name: path.read_text(encoding="utf-8")
        for path in sorted(BRANDING_CASE.glob("*.yaml"))
        if path.name != "expected.yaml"
    }
    texts["b.yaml"] = texts["b.yaml"].replace(
        "logo.svg: 'our logo goes here'", f"logo.svg: {_svg_literal(svg)}"
    )
    if ivr:
        texts["b.yaml"] = texts["b.yaml"].replace(
            "  brandName: Gamma", "  brandName: Gamma\n  ivrTheme: {enabled: true}"
        )
    findings = _bounded_check(texts)
    unsafe = any(
        marker in svg
        for marker in ("script", "onload", "javascript", "foreignObject", "<a ", "<set", "ENTITY")
    )
    if unsafe:
        assert any(f.rule == "branding-assets" and f.is_error for f in findings), [str(f) for f in findings]
