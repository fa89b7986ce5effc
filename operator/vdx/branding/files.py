"""Find a CviBranding and the ConfigMaps/Secrets with its images on disk, for the CLI.

The only module in vdx.branding that reads files. A region's pull request usually adds the
ConfigMap in the same file as the CviBranding, sometimes in another file of the same folder; while
drafting, people also have the bare image files. So the objects are looked for, in this order:
the same file, the paths given with --assets (YAML files, folders, or image files whose file name
is the key the CviBranding asks for), and finally the other YAML files of the same folder.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vdx.api.branding import CviBranding
from vdx.api.loader import LoadError, load_tree, yaml_files
from vdx.branding.assets import BrandingAssets, load_assets

_IMAGE_SUFFIXES = {
    ".png",
    ".jpg",
    ".jpeg",
    ".svg",
    ".gif",
    ".webp",
    ".bmp",
    ".tif",
    ".tiff",
    ".heic",
    ".avif",
}


@dataclass(frozen=True)
class FoundBranding:
    branding: CviBranding
    source: str
    assets: BrandingAssets


def _objects_of(paths: Sequence[Path]) -> list[dict[str, Any]]:
    return [obj for obj, _ in load_tree(paths).others]


def _objects_of_folder(folder: Path, skip: Path) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for path in yaml_files([folder]):
        if path.resolve() == skip.resolve() or path.parent != folder:
            continue
        try:
            objects.extend(_objects_of([path]))
        except LoadError:
            continue  # a broken neighbour is its own file's problem; a missing image says "not found"
    return objects


def _image_objects(branding: CviBranding, images: Sequence[Path]) -> list[dict[str, Any]]:
    """Stand-in ConfigMaps/Secrets holding bare image files under the keys the branding asks for."""
    by_name = {p.name: p for p in images}
    sources = [branding.spec.images.logo]
    if branding.spec.images.background is not None:
        sources.append(branding.spec.images.background.source)
    if branding.spec.images.jumbotron is not None:
        sources.append(branding.spec.images.jumbotron)
    # One stand-in object per ConfigMap/Secret name, holding every file asked for under that name.
    merged: dict[tuple[str, str], dict[str, str]] = {}
    for source in sources:
        ref = source.config_map_key_ref or source.secret_key_ref
        if ref is None or ref.key not in by_name:
            continue
        kind = "ConfigMap" if source.config_map_key_ref is not None else "Secret"
        encoded = base64.b64encode(by_name[ref.key].read_bytes()).decode("ascii")
        merged.setdefault((kind, ref.name), {})[ref.key] = encoded
    section = {"ConfigMap": "binaryData", "Secret": "data"}
    return [
        {"kind": kind, "metadata": {"name": name}, section[kind]: values}
        for (kind, name), values in sorted(merged.items())
    ]


def find_brandings(path: Path, assets: Sequence[Path] = ()) -> list[FoundBranding]:
    """Every CviBranding in `path` with its images loaded; raises LoadError for unreadable YAML."""
    tree = load_tree([path])
    brandings = [
        (loaded.resource, loaded.source)
        for loaded in tree.resources
        if isinstance(loaded.resource, CviBranding)
    ]
    if not brandings:
        return []
    images = [p for p in assets if p.is_file() and p.suffix.lower() in _IMAGE_SUFFIXES]
    yaml_assets = [p for p in assets if p not in images]
    shared = [obj for obj, _ in tree.others]
    shared += _objects_of(yaml_assets) if yaml_assets else []
    neighbours = _objects_of_folder(path.parent, path) if path.is_file() else []
    found: list[FoundBranding] = []
    for branding, source in brandings:
        objects = _image_objects(branding, images) + shared + neighbours
        found.append(FoundBranding(branding, source, load_assets(branding, objects)))
    return found
