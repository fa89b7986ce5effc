"""Find a CviBranding and its images on disk, for the CLI and `vdx check`.

The only module in vdx.branding that reads files. A region keeps its images as files next to its
`branding.yaml` (docs/branding.md), under the file names its configMapKeyRefs name as keys; those
files are read first. Images not there are looked for in ConfigMaps/Secrets, in this order: the
same file, the paths given with --assets (YAML files, folders, or image files whose file name is
the key the CviBranding asks for), and finally the other YAML files of the same folder.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vdx.api.branding import CviBranding
from vdx.api.loader import LoadError, load_tree, yaml_files
from vdx.branding.assets import AssetFile, BrandingAssets, load_assets
from vdx.branding.generated import config_map, is_generated, render, wanted_config_maps
from vdx.branding.limits import IMAGE_READ_LIMIT

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


def read_asset_files(folder: Path, keys: Sequence[str]) -> dict[str, AssetFile]:
    """The files in `folder` named like `keys`; read within bounds, never through a symbolic link
    (a link could pull a file the review never saw into the cluster), never a sub-folder."""
    found: dict[str, AssetFile] = {}
    for key in keys:
        if "/" in key or "\\" in key or key.startswith("."):
            continue  # keys are file names (the schema allows no separator): never a path out
        path = folder / key
        if path.is_symlink() or not path.is_file():
            continue
        try:
            size = path.stat().st_size
            with path.open("rb") as handle:
                data = handle.read(IMAGE_READ_LIMIT) if size <= IMAGE_READ_LIMIT else b""
        except OSError:
            continue  # unreadable: the image then counts as missing, which the checks report
        found[key] = AssetFile(path.as_posix(), data, size)
    return found


def files_next_to(branding: CviBranding, manifest: Path) -> dict[str, AssetFile]:
    """The image files next to the file `manifest` that `branding`'s configMapKeyRefs name."""
    keys = [key for wanted in wanted_config_maps([branding]) for key in wanted.keys]
    return read_asset_files(manifest.parent, keys)


def read_asset_files_at(paths: Sequence[Path]) -> dict[str, AssetFile]:
    """Image files given by path, under their file names (the keys a CviBranding names)."""
    found: dict[str, AssetFile] = {}
    for path in paths:
        found |= read_asset_files(path.parent, [path.name])
    return found


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
        files = files_next_to(branding, path) if path.is_file() else {}
        # Image files given with --assets win over the folder's: that is what a draft is for.
        files |= read_asset_files_at(images)
        found.append(FoundBranding(branding, source, load_assets(branding, objects, files)))
    return found


@dataclass(frozen=True)
class GeneratedFile:
    """A ConfigMap file `vdx branding update` writes, and whether the folder already has it so."""

    path: Path
    text: str
    current: bool
    made_of: tuple[str, ...]


class UpdateRefused(Exception):
    """The folder cannot be updated as it is; the message says what to change, naming the file."""


def branding_folders(path: Path) -> list[Path]:
    """The folders under `path` (or `path` itself) whose YAML holds a CviBranding."""
    folders = {file.parent for file in yaml_files([path]) if _has_branding(file)}
    return sorted(folders)


def _has_branding(file: Path) -> bool:
    try:
        return any(isinstance(r.resource, CviBranding) for r in load_tree([file]).resources)
    except LoadError:
        return False


def plan_update(folder: Path) -> list[GeneratedFile]:
    """The ConfigMap files the CviBrandings of `folder` need from the image files next to them.

    Refuses (UpdateRefused) what would leave the tree wrong: an image the CviBranding names that is
    neither a file here nor anywhere else, or the same ConfigMap written by hand in another file.
    """
    manifests = [p for p in yaml_files([folder]) if p.parent == folder]
    try:
        tree = load_tree(manifests)
    except LoadError as exc:
        raise UpdateRefused(str(exc)) from None
    brandings = tree.of_kind(CviBranding)
    planned: list[GeneratedFile] = []
    for wanted in wanted_config_maps(brandings):
        files = read_asset_files(folder, wanted.keys)
        if not files:
            continue  # written by hand (or kept elsewhere): not this command's
        missing = [key for key in wanted.keys if key not in files]
        if missing:
            raise UpdateRefused(
                f"{folder}: the CviBranding names {', '.join(missing)} in ConfigMap {wanted.name}, but there "
                f"is no such file in the folder. Fix: add the file(s), or correct the key in the CviBranding"
            )
        target = folder / f"{wanted.name}.yaml"
        for document, source in tree.others:
            if (
                document.get("kind") == "ConfigMap"
                and (document.get("metadata") or {}).get("name") == wanted.name
                and not is_generated(document)
            ):
                raise UpdateRefused(
                    f"{source}: ConfigMap {wanted.name} is written by hand there, and would be there twice. "
                    f"Fix: delete it from that file (its images are now the files next to it), then run "
                    f"the command again"
                )
        if target.exists() and target not in manifests:
            raise UpdateRefused(f"{target} exists and is not a YAML file this command can replace")
        made = {key: file.data for key, file in files.items() if file.complete}
        too_large = [file.path for file in files.values() if not file.complete]
        if too_large:
            raise UpdateRefused(
                f"{', '.join(too_large)}: far too large for an image. Fix: export it at the recommended "
                f"size (docs/branding.md)"
            )
        text = render(config_map(wanted.namespace, wanted.name, made))
        current = target.exists() and target.read_text(encoding="utf-8") == text
        planned.append(GeneratedFile(target, text, current, tuple(sorted(files))))
    return planned
