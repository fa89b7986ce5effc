"""The ConfigMap a folder's image files make, and whether the one in the tree is still that one.

A region's staff put `logo.svg` and `background.jpg` next to their `branding.yaml`; the cluster,
`vdx plan` and Argo CD need a ConfigMap. `vdx branding update` writes it (`<name>.yaml` in the
same folder) from the files, and the `branding-configmap-current` rule compares the tree's
ConfigMap with what the files make now, so a pull request that changes a logo but forgets the
command fails at review with the command to run.

Why a generated file and not a kustomize `configMapGenerator`: the tree is applied as plain
manifests (`kubectl apply -R`, Argo CD and Flux directory sources, `vdx plan`/`apply`, the
admission webhook), and a `kustomization.yaml` in a tenant folder would be applied as an object
(and fail) by every one of them; a generator also appends a content hash to the ConfigMap's name,
which no CviBranding reference would follow. A plain ConfigMap file is read by all of them as it is.

Pure: the files come in as bytes, the ConfigMap goes out as a dict and as YAML text. Which keys
a ConfigMap gets is decided by the CviBrandings that name it (their `configMapKeyRef`s), never by
what happens to lie in the folder, so a draft or a photo next to the YAML never leaks into the
cluster.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from vdx.api.branding import CviBranding
from vdx.api.common import FileSource
from vdx.yamlio import dump_yaml

# Marks a ConfigMap written by `vdx branding update`: its content belongs to the files next to it.
GENERATED_ANNOTATION = "vdx.medcom.dk/generated-from"
HEADER = (
    "# Written by `vdx branding update` from the image files in this folder: do not edit.\n"
    "# Change the image files instead and run the command again (docs/branding.md).\n"
)


@dataclass(frozen=True)
class WantedConfigMap:
    """One ConfigMap the CviBrandings of a folder read images from, and the keys they read."""

    namespace: str
    name: str
    keys: tuple[str, ...]


def image_sources(branding: CviBranding) -> list[tuple[str, FileSource]]:
    """(field path, source) of every image the branding names, as the branding code reads them."""
    images = branding.spec.images
    sources = [("spec.images.logo", images.logo)]
    if images.background is not None:
        sources.append(("spec.images.background.source", images.background.source))
    if images.jumbotron is not None:
        sources.append(("spec.images.jumbotron", images.jumbotron))
    return sources


def wanted_config_maps(brandings: Iterable[CviBranding]) -> list[WantedConfigMap]:
    """The ConfigMaps (namespace, name) and keys that `brandings` read, in a stable order."""
    keys: dict[tuple[str, str], set[str]] = {}
    for branding in brandings:
        namespace = branding.metadata.namespace or ""
        for _, source in image_sources(branding):
            ref = source.config_map_key_ref
            if ref is not None:
                keys.setdefault((namespace, ref.name), set()).add(ref.key)
    return [WantedConfigMap(ns, name, tuple(sorted(k))) for (ns, name), k in sorted(keys.items())]


def _as_text(data: bytes) -> str | None:
    """The file as a `data` value when YAML gives back exactly these bytes (an SVG, usually)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in text or "\r" in text or "\ufeff" in text:
        return None  # YAML would normalise line breaks or drop the BOM; binaryData keeps every byte
    loaded = yaml.safe_load(dump_yaml({"k": text}))
    return text if isinstance(loaded, dict) and loaded.get("k") == text else None


def config_map(namespace: str, name: str, files: Mapping[str, bytes]) -> dict[str, Any]:
    """The ConfigMap holding `files` (key -> bytes): text files (SVG) readable under `data`, so a
    review shows what changed; everything else base64 under `binaryData`, as Kubernetes wants."""
    data: dict[str, str] = {}
    binary: dict[str, str] = {}
    for key in sorted(files):
        text = _as_text(files[key])
        if text is not None:
            data[key] = text
        else:
            binary[key] = base64.b64encode(files[key]).decode("ascii")
    obj: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "annotations": {GENERATED_ANNOTATION: ", ".join(sorted(files))},
        },
    }
    if data:
        obj["data"] = data
    if binary:
        obj["binaryData"] = binary
    return obj


def render(obj: Mapping[str, Any]) -> str:
    """The file `vdx branding update` writes: the same files always give the same bytes."""
    return HEADER + dump_yaml(dict(obj))


def is_generated(obj: Mapping[str, Any]) -> bool:
    metadata = obj.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    return isinstance(annotations, Mapping) and GENERATED_ANNOTATION in annotations


def content(obj: Mapping[str, Any]) -> dict[str, bytes | None]:
    """Every key of a ConfigMap with its bytes (None: binaryData that is not base64)."""
    found: dict[str, bytes | None] = {}
    data = obj.get("data")
    if isinstance(data, Mapping):
        for key, value in data.items():
            found[str(key)] = value.encode("utf-8") if isinstance(value, str) else None
    binary = obj.get("binaryData")
    if isinstance(binary, Mapping):
        for key, value in binary.items():
            try:
                found[str(key)] = base64.b64decode("".join(str(value).split()), validate=True)
            except (binascii.Error, ValueError):
                found[str(key)] = None
    return found


def differences(
    obj: Mapping[str, Any],
    files: Mapping[str, bytes],
    shown: Mapping[str, str],
    skip: frozenset[str] = frozenset(),
) -> list[str]:
    """How the ConfigMap in the tree differs from what `files` make, one phrase per file, naming
    it as `shown` says (its path); empty when it is current. Only the keys the files make count,
    plus, in a generated ConfigMap, keys no file makes any more; keys in `skip` are not judged."""
    have = {key: value for key, value in content(obj).items() if key not in skip}
    found: list[str] = []
    for key in sorted(files):
        label = shown.get(key, key)
        if key not in have:
            found.append(f"{label} is not in it")
        elif have[key] != files[key]:
            found.append(f"{label} has changed since it was written")
    if is_generated(obj):
        gone = sorted(set(have) - set(files))
        found += [f"it still holds {key}, but no such file is next to it" for key in gone]
    return found
