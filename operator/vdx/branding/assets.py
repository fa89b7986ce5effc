"""Read a branding's images out of the ConfigMaps and Secrets it points at.

Pure: the caller hands over the Kubernetes objects as dicts (from a GitOps tree offline, or from
the API server in the operator); nothing here touches a cluster or a disk. Everything that can go
wrong becomes a BrandingProblem naming the field and the fix, so `vdx branding check` and the
operator's status tell the region the same thing.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vdx.api.branding import CviBranding
from vdx.api.common import ConfigMapKeySelector, FileSource, SecretKeySelector
from vdx.branding.generated import config_map, wanted_config_maps
from vdx.branding.imageformat import ImageDefect, ImageFormat, measure, sniff
from vdx.branding.problems import BrandingProblem

# Kubernetes refuses a ConfigMap or Secret whose data exceeds 1 MiB (etcd's object limit).
KUBERNETES_OBJECT_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class ImageAsset:
    """One image, read and recognised; `field` is where the CviBranding asks for it."""

    field: str
    origin: str  # "ConfigMap cvi-assets, key logo.svg": for messages
    data: bytes
    format: ImageFormat
    width: int
    height: int

    @property
    def byte_size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class BrandingAssets:
    """The images of one branding; a missing optional image is None, a broken one is a problem."""

    logo: ImageAsset | None = None
    background: ImageAsset | None = None
    jumbotron: ImageAsset | None = None
    problems: tuple[BrandingProblem, ...] = field(default=())


@dataclass(frozen=True)
class AssetFile:
    """An image file next to the CviBranding, under the key (file name) a configMapKeyRef names.

    Where the tree holds the images as files (`vdx branding update` writes the ConfigMap from
    them), the files are what the region changes, so they are judged, and messages name the file.
    `size` is the file's real size; a file too large to read holds no `data`.
    """

    path: str  # as shown to people: prod/rm/logo.svg
    data: bytes
    size: int

    @property
    def complete(self) -> bool:
        return len(self.data) == self.size


@dataclass(frozen=True)
class _Wanted:
    field: str
    source: FileSource


def _wanted(branding: CviBranding) -> dict[str, _Wanted]:
    images = branding.spec.images
    wanted = {"logo": _Wanted("spec.images.logo", images.logo)}
    if images.background is not None:
        wanted["background"] = _Wanted("spec.images.background.source", images.background.source)
    if images.jumbotron is not None:
        wanted["jumbotron"] = _Wanted("spec.images.jumbotron", images.jumbotron)
    return wanted


def load_assets(
    branding: CviBranding, objects: Iterable[Mapping[str, Any]], files: Mapping[str, AssetFile] | None = None
) -> BrandingAssets:
    """Find, decode, recognise and measure every image `branding` refers to, among `objects`.

    `files` (key -> file) are the image files next to the CviBranding: a configMapKeyRef whose key
    is among them is read from the file, and its ConfigMap is judged as the files make it.
    """
    files = files or {}
    candidates = [o for o in objects if o.get("kind") in ("ConfigMap", "Secret")]
    namespace = branding.metadata.namespace
    found: dict[str, ImageAsset] = {}
    problems: list[BrandingProblem] = []
    used: dict[tuple[str, str], Mapping[str, Any]] = {}
    for role, wanted in _wanted(branding).items():
        ref = wanted.source.config_map_key_ref
        if ref is not None and ref.key in files:
            asset, problem = _from_file(wanted, files[ref.key])
            used[("ConfigMap", ref.name)] = _generated(branding, ref.name, files)
            if problem is not None:
                problems.append(problem)
            elif asset is not None:
                found[role] = asset
            continue
        asset, problem, obj = _read(wanted, candidates, namespace)
        if obj is not None:
            used[(str(obj.get("kind")), _name(obj))] = obj
        if problem is not None:
            problems.append(problem)
        elif asset is not None:
            found[role] = asset
    problems.extend(_object_size_problems(used))
    return BrandingAssets(
        logo=found.get("logo"),
        background=found.get("background"),
        jumbotron=found.get("jumbotron"),
        problems=tuple(problems),
    )


def _generated(branding: CviBranding, name: str, files: Mapping[str, AssetFile]) -> Mapping[str, Any]:
    """The ConfigMap `vdx branding update` makes of the files, for its size."""
    keys = next((w.keys for w in wanted_config_maps([branding]) if w.name == name), ())
    # A file too large to read is its own error (never allocated: it may be any size).
    made = {key: files[key].data for key in keys if key in files and files[key].complete}
    return config_map(branding.metadata.namespace or "", name, made)


def _from_file(wanted: _Wanted, file: AssetFile) -> tuple[ImageAsset | None, BrandingProblem | None]:
    origin = f"file {file.path}"
    if not file.complete:
        return None, BrandingProblem(
            wanted.field,
            f"{origin} is {file.size // 1024:,} KiB, far more than an image may be",
            "export it at the recommended size (docs/branding.md): JPEG for photos, PNG/SVG for graphics",
        )
    return _recognise(wanted.field, origin, file.data, in_object=False)


def _recognise(
    field_path: str, origin: str, data: bytes, in_object: bool = True
) -> tuple[ImageAsset | None, BrandingProblem | None]:
    """Recognise and measure an image's bytes, wherever they came from."""
    kind_of = sniff(data)
    if not isinstance(kind_of, ImageFormat):
        return None, _unsupported(field_path, origin, kind_of, data, in_object)
    try:
        size = measure(data, kind_of)
    except ImageDefect as exc:
        return None, BrandingProblem(field_path, f"{origin} {exc}", exc.fix)
    return ImageAsset(field_path, origin, data, kind_of, size.width, size.height), None


def _name(obj: Mapping[str, Any]) -> str:
    metadata = obj.get("metadata")
    return str(metadata.get("name", "")) if isinstance(metadata, Mapping) else ""


def _namespace(obj: Mapping[str, Any]) -> str | None:
    metadata = obj.get("metadata")
    value = metadata.get("namespace") if isinstance(metadata, Mapping) else None
    return str(value) if value else None


def _read(
    wanted: _Wanted, candidates: list[Mapping[str, Any]], namespace: str | None
) -> tuple[ImageAsset | None, BrandingProblem | None, Mapping[str, Any] | None]:
    source = wanted.source
    ref: ConfigMapKeySelector | SecretKeySelector
    if source.config_map_key_ref is not None:
        kind, ref, ref_field = "ConfigMap", source.config_map_key_ref, "configMapKeyRef"
    elif source.secret_key_ref is not None:
        kind, ref, ref_field = "Secret", source.secret_key_ref, "secretKeyRef"
    else:  # the model's own rule refuses this; say it anyway rather than crash
        return (
            None,
            BrandingProblem(wanted.field, "names no source", "set configMapKeyRef or secretKeyRef"),
            None,
        )
    where = f"{wanted.field}.{ref_field}"
    matches = [
        o
        for o in candidates
        if o.get("kind") == kind and _name(o) == ref.name and _namespace(o) in (None, namespace)
    ]
    if not matches:
        in_namespace = f" in namespace {namespace}" if namespace else ""
        return (
            None,
            BrandingProblem(
                f"{where}.name",
                f"{kind} {ref.name}{in_namespace} was not found",
                f"add a {kind} named {ref.name} next to the CviBranding (same file or folder), "
                f"or correct the name",
            ),
            None,
        )
    obj = matches[0]
    origin = f"{kind} {ref.name}, key {ref.key}"
    data, problem = _value(obj, kind, ref.key, where, origin)
    if problem is not None or data is None:
        return None, problem, obj
    asset, problem = _recognise(wanted.field, origin, data)
    return asset, problem, obj


def _value(
    obj: Mapping[str, Any], kind: str, key: str, where: str, origin: str
) -> tuple[bytes | None, BrandingProblem | None]:
    sections = ("data", "binaryData") if kind == "ConfigMap" else ("data", "stringData")
    for section in sections:
        values = obj.get(section) or {}
        if not isinstance(values, Mapping) or key not in values:
            continue
        raw = values[key]
        if not isinstance(raw, str):
            return None, BrandingProblem(
                f"{where}.key", f"{origin} is not a string in {section}", f"quote the value of {key}"
            )
        base64_section = (kind == "ConfigMap" and section == "binaryData") or (
            kind == "Secret" and section == "data"
        )
        if not base64_section:
            return raw.encode("utf-8"), None
        try:
            return base64.b64decode("".join(raw.split()), validate=True), None
        except (binascii.Error, ValueError):
            return None, BrandingProblem(
                f"{where}.key",
                f"{origin} in {section} is not valid base64",
                "encode the file with `base64 -w0 FILE` (or use kubectl create configmap --from-file)",
            )
    keys = sorted({k for s in sections for k in (obj.get(s) or {})})
    known = f" (it has: {', '.join(keys)})" if keys else " (it has no keys)"
    return None, BrandingProblem(
        f"{where}.key",
        f"{kind} {_name(obj)} has no key {key}{known}",
        f"add {key} to the {kind}'s {' or '.join(sections)}, or correct the key",
    )


def _unsupported(field_path: str, origin: str, what: str, data: bytes, in_object: bool) -> BrandingProblem:
    if what == "unknown":
        try:
            decoded = base64.b64decode(data, validate=True) if in_object else b""
        except (binascii.Error, ValueError):
            decoded = b""
        if isinstance(sniff(decoded), ImageFormat):
            return BrandingProblem(
                field_path,
                f"{origin} holds base64 text in data, which Kubernetes treats as plain text",
                "move the key from data to binaryData (binary images belong in binaryData)",
            )
        return BrandingProblem(
            field_path,
            f"{origin} is not a PNG, JPEG or SVG image",
            "export the image as PNG, JPEG or SVG",
        )
    return BrandingProblem(
        field_path,
        f"{origin} is a {what} file; Pexip only takes PNG, JPEG and SVG",
        "convert it to PNG (logos, graphics) or JPEG (photos), or use an SVG",
    )


def _object_size_problems(used: Mapping[tuple[str, str], Mapping[str, Any]]) -> list[BrandingProblem]:
    problems: list[BrandingProblem] = []
    for (kind, name), obj in sorted(used.items()):
        size = 0
        for section in ("data", "binaryData", "stringData"):
            values = obj.get(section) or {}
            if isinstance(values, Mapping):
                size += sum(len(str(k)) + len(str(v).encode("utf-8")) for k, v in values.items())
        if size > KUBERNETES_OBJECT_LIMIT:
            problems.append(
                BrandingProblem(
                    f"{kind} {name}",
                    f"holds {size // 1024} KiB; Kubernetes refuses ConfigMaps and Secrets over 1024 KiB",
                    "shrink the images (see the size limits) or put the background in a ConfigMap of its own",
                )
            )
    return problems
