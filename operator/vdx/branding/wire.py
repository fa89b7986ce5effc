"""A rendering request and its answer as bytes, for rendering in another process.

The operator renders brandings in a child process (`vdx.controller.render_process`): the image
decoders' libraries and the memory a rendering leaves behind never stay in the long-lived
operator, and a decoder that crashes or runs away takes only the child with it. What crosses the
pipe is JSON, not pickle: the answer comes from the process that decoded a region's files, and
reading it must not be able to run code. The receiver checks every field's type, each package's
bytes against its SHA-256, and works out the content hash itself.

Pure: bytes in, models out.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from vdx.api.branding import CviBranding
from vdx.branding.archive import RenderedPackage
from vdx.branding.bundle import RenderedBranding, content_hash
from vdx.branding.problems import BrandingError, BrandingProblem, Severity


class MalformedMessage(Exception):
    """The other side's bytes are not a request or an answer: a bug, or a child that misbehaved."""


class RenderFailed(Exception):
    """The rendering stopped with an error that is not a finding about the branding (a bug, or
    the renderer running out of memory); the message says which, without the input's content."""


def encode_request(branding: CviBranding, objects: list[dict[str, Any]]) -> bytes:
    """The branding and the ConfigMaps and Secrets its images name, as the API server gave them."""
    document = {
        "branding": branding.model_dump(mode="json", by_alias=True, exclude_none=True),
        "objects": objects,
    }
    return json.dumps(document, separators=(",", ":")).encode()


def decode_request(data: bytes) -> tuple[CviBranding, list[dict[str, Any]]]:
    document = json.loads(data)
    objects = document["objects"]
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        raise MalformedMessage("the request's objects are not a list of objects")
    return CviBranding.model_validate(document["branding"]), objects


def _problem(problem: BrandingProblem) -> dict[str, str]:
    return {
        "field": problem.field,
        "message": problem.message,
        "fix": problem.fix,
        "severity": problem.severity,
    }


def _package(package: RenderedPackage) -> dict[str, Any]:
    return {
        "zip": base64.b64encode(package.zip_bytes).decode("ascii"),
        "sha256": package.sha256,
        "files": {path: base64.b64encode(data).decode("ascii") for path, data in package.files.items()},
    }


def encode_result(result: RenderedBranding | BrandingError | RenderFailed) -> bytes:
    if isinstance(result, BrandingError):
        document: dict[str, Any] = {
            "refused": {"resource": result.resource, "problems": [_problem(p) for p in result.problems]}
        }
    elif isinstance(result, RenderFailed):
        document = {"failed": str(result)}
    else:
        document = {
            "rendered": {
                "webapp": _package(result.webapp),
                "ivrTheme": _package(result.ivr_theme) if result.ivr_theme is not None else None,
                "warnings": [_problem(p) for p in result.warnings],
            }
        }
    return json.dumps(document, separators=(",", ":")).encode()


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise MalformedMessage(f"{where} is not text")
    return value


def _bytes(value: Any, where: str) -> bytes:
    try:
        return base64.b64decode(_text(value, where), validate=True)
    except binascii.Error:
        raise MalformedMessage(f"{where} is not base64") from None


def _decode_problem(value: Any) -> BrandingProblem:
    if not isinstance(value, Mapping):
        raise MalformedMessage("a problem is not an object")
    severity = _text(value.get("severity"), "a problem's severity")
    if severity not in {s.value for s in Severity}:
        raise MalformedMessage(f"unknown severity {severity[:20]!r}")
    return BrandingProblem(
        field=_text(value.get("field"), "a problem's field"),
        message=_text(value.get("message"), "a problem's message"),
        fix=_text(value.get("fix"), "a problem's fix"),
        severity=Severity(severity),
    )


def _decode_package(value: Any, where: str) -> RenderedPackage:
    if not isinstance(value, Mapping) or not isinstance(value.get("files"), Mapping):
        raise MalformedMessage(f"{where} is not a package")
    data = _bytes(value.get("zip"), f"{where}'s zip")
    sha256 = _text(value.get("sha256"), f"{where}'s sha256")
    if hashlib.sha256(data).hexdigest() != sha256:
        raise MalformedMessage(f"{where}'s bytes do not match its SHA-256")
    files = {
        _text(path, f"{where}'s path"): _bytes(raw, f"{where}'s file") for path, raw in value["files"].items()
    }
    return RenderedPackage(zip_bytes=data, sha256=sha256, files=files)


def decode_result(data: bytes) -> RenderedBranding:
    """The rendering; raises BrandingError (the branding fails its checks), RenderFailed (the
    renderer failed) or MalformedMessage (the bytes are not an answer)."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise MalformedMessage("the answer is not JSON") from None
    if not isinstance(document, Mapping):
        raise MalformedMessage("the answer is not an object")
    if "refused" in document:
        refused = document["refused"]
        if not isinstance(refused, Mapping) or not isinstance(refused.get("problems"), list):
            raise MalformedMessage("a refusal without its problems")
        problems = [_decode_problem(p) for p in refused["problems"]]
        raise BrandingError(_text(refused.get("resource"), "the refused resource"), problems)
    if "failed" in document:
        raise RenderFailed(_text(document["failed"], "the failure"))
    rendered = document.get("rendered")
    if not isinstance(rendered, Mapping) or not isinstance(rendered.get("warnings"), list):
        raise MalformedMessage("the answer holds no rendering")
    webapp = _decode_package(rendered.get("webapp"), "the web app package")
    theme_value = rendered.get("ivrTheme")
    theme = _decode_package(theme_value, "the IVR theme package") if theme_value is not None else None
    return RenderedBranding(
        webapp=webapp,
        ivr_theme=theme,
        warnings=tuple(_decode_problem(p) for p in rendered["warnings"]),
        content_hash=content_hash(webapp, theme),
    )
