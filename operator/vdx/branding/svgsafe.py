"""Decide whether an SVG is safe to serve, by parsing it, never by pattern-matching its text.

Why: a logo becomes part of the web app Pexip serves from the tenant's own address, so a script in
it is stored cross-site scripting on a healthcare platform. A regular expression over the text
misses what an XML parser (the browser's) sees: a namespaced `<svg:script>`, a script reached
through an entity, an `href` split by an entity or a character reference. So the SVG is parsed by
expat with no DTD entities and no external references (the "billion laughs" and external-entity
attacks are refused before they expand), bounded in elements and depth, and judged on the parsed
tree against an allowlist: SVG drawing elements, their presentation attributes, and the inert
editor metadata of Inkscape and Illustrator. Everything else is refused with the reason: scripts,
event handlers, `foreignObject` (HTML inside SVG), animation (it can rewrite an `href` to
`javascript:` after loading), links, `javascript:` anywhere, and references to other servers.

The bytes that pass are uploaded as they are: the browser parses SVG served as `image/svg+xml`
with a strict XML parser too, so it sees the tree that was checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# Bounds: a logo is a few hundred elements; resvg itself stops at a node limit, but only after
# spending the time to reach it.
MAX_ELEMENTS = 10_000
MAX_DEPTH = 64

SAFE_ELEMENTS = frozenset(
    """
    svg g defs symbol use title desc metadata switch
    path rect circle ellipse line polyline polygon
    text tspan textPath
    linearGradient radialGradient stop pattern clipPath mask marker image style
    filter feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting
    feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR
    feGaussianBlur feMerge feMergeNode feMorphology feOffset fePointLight feSpecularLighting
    feSpotLight feTile feTurbulence
    """.split()  # noqa: SIM905 - a word list reads better than 150 quoted strings
)

# Elements that are refused with a reason people can act on.
_REFUSED_ELEMENTS = {
    "script": "a script",
    "foreignObject": "a foreignObject (HTML inside the SVG, where scripts and forms run)",
    "a": "a link (a logo links nowhere; links can carry javascript:)",
    "animate": "an animation (it can change an attribute, such as a link, after the checks)",
    "animateMotion": "an animation (it can change an attribute, such as a link, after the checks)",
    "animateTransform": "an animation (it can change an attribute, such as a link, after the checks)",
    "set": "an animation (it can change an attribute, such as a link, after the checks)",
    "iframe": "an iframe",
    "feImage": "an feImage (it loads another document into a filter)",
}

# Namespaces of drawing programs' own metadata: inert in a browser, common in exported logos.
EDITOR_NAMESPACES = frozenset(
    {
        "http://www.inkscape.org/namespaces/inkscape",
        "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "http://creativecommons.org/ns#",
        "http://purl.org/dc/elements/1.1/",
        "http://ns.adobe.com/AdobeIllustrator/10.0/",
        "http://ns.adobe.com/Extensibility/1.0/",
        "http://ns.adobe.com/Graphs/1.0/",
        "http://ns.adobe.com/AdobeSVGViewerExtensions/3.0/",
        "http://ns.adobe.com/SaveForWeb/1.0/",
        "http://ns.adobe.com/Variables/1.0/",
        "http://ns.adobe.com/ImageReplacement/1.0/",
        "http://ns.adobe.com/xap/1.0/",
        "http://www.bohemiancoding.com/sketch/ns",
    }
)

SAFE_ATTRIBUTES = frozenset(
    """
    id class style lang tabindex version baseProfile width height x y x1 y1 x2 y2 cx cy r rx ry
    fx fy fr d points pathLength viewBox preserveAspectRatio transform gradientTransform
    gradientUnits patternTransform patternUnits patternContentUnits clipPathUnits maskUnits
    maskContentUnits filterUnits primitiveUnits markerUnits markerWidth markerHeight refX refY
    orient spreadMethod offset href dx dy rotate textLength lengthAdjust startOffset method spacing
    side fill fill-opacity fill-rule stroke stroke-width stroke-opacity stroke-linecap
    stroke-linejoin stroke-miterlimit stroke-dasharray stroke-dashoffset opacity color
    color-interpolation color-interpolation-filters color-rendering stop-color stop-opacity
    clip-path clip-rule clip mask filter display visibility overflow shape-rendering
    text-rendering image-rendering font-family font-size font-size-adjust font-stretch font-style
    font-variant font-weight letter-spacing word-spacing text-anchor text-decoration
    dominant-baseline alignment-baseline baseline-shift writing-mode direction unicode-bidi
    marker marker-start marker-mid marker-end paint-order vector-effect mix-blend-mode isolation
    enable-background flood-color flood-opacity lighting-color in in2 result mode type values
    operator k1 k2 k3 k4 stdDeviation edgeMode scale xChannelSelector yChannelSelector
    baseFrequency numOctaves seed stitchTiles tableValues slope intercept amplitude exponent
    order kernelMatrix divisor bias targetX targetY preserveAlpha surfaceScale diffuseConstant
    specularConstant specularExponent kernelUnitLength azimuth elevation z pointsAtX pointsAtY
    pointsAtZ limitingConeAngle radius requiredFeatures requiredExtensions systemLanguage
    focusable media title space
    """.split()  # noqa: SIM905 - a word list reads better than 150 quoted strings
)

# href targets that stay inside the package: a fragment of this document, or an embedded raster.
_LOCAL_HREF = re.compile(r"^(#[-\w.:]*|data:image/(png|jpeg|jpg|gif|webp);base64,[A-Za-z0-9+/=\s]*)$", re.I)
# What a browser ignores inside a URL scheme (tabs, newlines, control characters) is removed first.
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20]+")
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I | re.S)


class SvgRefused(ValueError):
    """The SVG cannot be parsed safely, or holds something that must not be served."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


@dataclass
class SvgElement:
    """One parsed element (namespace, local name, attributes by (namespace, name), children)."""

    namespace: str
    name: str
    attributes: dict[tuple[str, str], str]
    line: int
    children: list[SvgElement] = field(default_factory=list)
    text: str = ""


@dataclass(frozen=True)
class SvgFindings:
    """What an SVG holds that the checks judge: unsafe content (errors) and <text> (a warning)."""

    root: SvgElement
    unsafe: tuple[str, ...]
    has_text: bool


def _split(name: str) -> tuple[str, str]:
    namespace, _, local = name.rpartition(" ")
    return namespace, local


def parse(data: bytes) -> SvgElement:
    """The element tree of `data`, parsed by expat with every entity and external reference refused."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[SvgElement] = []
    roots: list[SvgElement] = []
    count = 0

    def refuse_entities(*_args: Any) -> None:
        raise SvgRefused(
            "declares XML entities, which can hide content from the checks or expand without bound",
            "export the SVG again without a DOCTYPE (plain SVG)",
        )

    def external(*_args: Any) -> int:
        raise SvgRefused(
            "refers to an external XML entity (a file or address read while parsing)",
            "export the SVG again without a DOCTYPE (plain SVG)",
        )

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal count
        count += 1
        if count > MAX_ELEMENTS:
            raise SvgRefused(
                f"has more than {MAX_ELEMENTS:,} elements, too complex to check and render safely",
                "simplify the drawing (merge paths) or export it as PNG",
            )
        if len(stack) >= MAX_DEPTH:
            raise SvgRefused(
                f"nests elements more than {MAX_DEPTH} levels deep",
                "flatten the groups in the drawing program, or export it as PNG",
            )
        namespace, local = _split(name)
        element = SvgElement(
            namespace,
            local,
            {_split(key): value for key, value in attributes.items()},
            parser.CurrentLineNumber,
        )
        (stack[-1].children if stack else roots).append(element)
        stack.append(element)

    def end(_name: str) -> None:
        stack.pop()

    def characters(text: str) -> None:
        if stack and len(stack[-1].text) < 65_536:
            stack[-1].text += text

    parser.EntityDeclHandler = refuse_entities
    parser.UnparsedEntityDeclHandler = refuse_entities
    parser.ExternalEntityRefHandler = external
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise SvgRefused(
            f"is not well-formed XML ({expat.ErrorString(exc.code)} at line {exc.lineno}, column "
            f"{exc.offset + 1})",
            "open it in a drawing program and export it again as plain SVG, or export it as PNG",
        ) from None
    except RecursionError:
        raise SvgRefused("nests too deeply to parse", "export it as PNG") from None
    if not roots or roots[0].namespace != SVG_NS or roots[0].name != "svg":
        raise SvgRefused(
            "does not have an <svg> root element in the SVG namespace",
            f'export it as plain SVG (the root must be <svg xmlns="{SVG_NS}">)',
        )
    return roots[0]


def inspect(data: bytes) -> SvgFindings:
    """Parse and judge `data`; raises SvgRefused when it cannot be parsed safely."""
    root = parse(data)
    unsafe: list[str] = []
    has_text = False
    pending = [root]
    while pending:
        element = pending.pop()
        pending.extend(element.children)
        if element.namespace == SVG_NS and element.name in ("text", "tspan", "textPath"):
            has_text = True
        unsafe.extend(_element_problems(element))
    return SvgFindings(root, tuple(dict.fromkeys(unsafe)), has_text)


def _element_problems(element: SvgElement) -> list[str]:
    where = f"<{element.name}> at line {element.line}"
    if element.namespace in EDITOR_NAMESPACES:
        # Editor metadata is inert, but an event handler or a javascript: address is not.
        return [
            p
            for p in (_active_attribute(element, key[1], value) for key, value in element.attributes.items())
            if p
        ]
    if element.namespace != SVG_NS:
        what = "an HTML element" if "xhtml" in element.namespace else "an element of another XML vocabulary"
        return [f"{what} ({where}, namespace {element.namespace or 'none'})"]
    if element.name in _REFUSED_ELEMENTS:
        return [f"{_REFUSED_ELEMENTS[element.name]} ({where})"]
    if element.name not in SAFE_ELEMENTS:
        return [f"an element outside the allowed SVG drawing elements ({where})"]
    problems = [
        p for p in (_attribute_problem(element, key, value) for key, value in element.attributes.items()) if p
    ]
    if element.name == "style":
        problems.extend(_css_problems(element.text, where))
    return problems


def _active_attribute(element: SvgElement, name: str, value: str) -> str | None:
    """An attribute that runs code, in whatever namespace and on whatever element."""
    where = f"<{element.name}> at line {element.line}"
    if name.lower().startswith("on"):
        return f"an event handler ({name}= on {where})"
    compact = _IGNORED_IN_SCHEME.sub("", value).lower()
    if "javascript:" in compact or "vbscript:" in compact:
        return f"a javascript: address ({name}= on {where})"
    return None


def _attribute_problem(element: SvgElement, key: tuple[str, str], value: str) -> str | None:
    namespace, name = key
    where = f"<{element.name}> at line {element.line}"
    active = _active_attribute(element, name, value)
    if active:
        return active
    if name == "href" and namespace in ("", XLINK_NS):
        if not _LOCAL_HREF.match(value.strip()):
            return f"a reference to another document or server ({name}= on {where})"
        return None
    if name == "style":
        return next(iter(_css_problems(value, where)), None)
    if namespace in ("", XML_NS) and name in SAFE_ATTRIBUTES:
        return None
    if namespace in EDITOR_NAMESPACES or (
        namespace == XLINK_NS and name in ("title", "show", "type", "role")
    ):
        return None
    if not namespace and name.startswith(("data-", "aria-")):
        return None  # Illustrator's data-name, accessibility labels: inert
    if namespace == XML_NS and name in ("base",):
        return f"an xml:base (it moves every relative reference elsewhere) on {where}"
    return f"an attribute outside the allowed SVG attributes ({name}= on {where})"


def _css_problems(css: str, where: str) -> list[str]:
    compact = _IGNORED_IN_SCHEME.sub("", css).lower()
    problems = []
    if "@import" in compact or "expression(" in compact or "javascript:" in compact or "behavior:" in compact:
        problems.append(f"CSS that imports or runs code (@import, expression, javascript:) in {where}")
    for match in _CSS_URL.finditer(css):
        if not _LOCAL_HREF.match(match.group(2).strip()):
            problems.append(f"CSS that loads from another document or server (url(...) in {where})")
            break
    return problems


def declared_size(root: SvgElement) -> tuple[str | None, str | None, str | None]:
    """The root's width, height and viewBox, as written."""
    attributes = root.attributes
    return attributes.get(("", "width")), attributes.get(("", "height")), attributes.get(("", "viewBox"))
