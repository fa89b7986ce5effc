"""A branding's ConfigMap is current with the image files it is made from.

Decision (issue 21, branding for non-engineers): a region keeps its logo and pictures as plain
files next to its `branding.yaml`, and `vdx branding update FOLDER` writes the ConfigMap the
cluster needs from them (`vdx.branding.generated` says why a generated file and not kustomize).
Only the ConfigMap reaches the cluster, so a pull request that changes a logo but not the
ConfigMap would change nothing, silently; this rule fails it at review, naming the files and the
command to run. The files a ConfigMap is made of are the keys the CviBrandings of its namespace
name; files no CviBranding names are never looked at. At admission there are no files, and the
rule has nothing to say.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import PurePosixPath

from vdx.api.branding import CviBranding
from vdx.api.loader import LoadedResource
from vdx.branding.assets import AssetFile
from vdx.branding.generated import differences, image_sources, is_generated, wanted_config_maps
from vdx.policies.context import PolicyContext, ref_of
from vdx.policies.findings import Finding, ResourceRef, Severity
from vdx.policies.rule import PolicyRule

ID = "branding-configmap-current"


def update_command(files: list[AssetFile]) -> str:
    folder = PurePosixPath(files[0].path).parent
    return f"vdx branding update {folder}"


def check(ctx: PolicyContext) -> Iterator[Finding]:
    # One ConfigMap (namespace, name) may serve several CviBrandings: judge it once, with all keys.
    users: dict[tuple[str, str], list[LoadedResource]] = defaultdict(list)
    keys: dict[tuple[str, str], set[str]] = defaultdict(set)
    files: dict[tuple[str, str], dict[str, AssetFile]] = defaultdict(dict)
    for loaded in ctx.of_kind(CviBranding):
        branding = loaded.resource
        assert isinstance(branding, CviBranding)
        next_to = ctx.branding_files.get(loaded.source, {})
        for wanted in wanted_config_maps([branding]):
            identity = (wanted.namespace, wanted.name)
            users[identity].append(loaded)
            keys[identity].update(wanted.keys)
            files[identity].update({k: next_to[k] for k in wanted.keys if k in next_to})
    for identity, made_of in sorted(files.items()):
        if not made_of or not any(ctx.in_focus(user) for user in users[identity]):
            continue  # no image kept as a file: the ConfigMap is written by hand, and judged as such
        yield from _judge(ctx, identity, made_of, users[identity])


def _judge(
    ctx: PolicyContext, identity: tuple[str, str], made_of: dict[str, AssetFile], users: list[LoadedResource]
) -> Iterator[Finding]:
    namespace, name = identity
    ordered = [made_of[k] for k in sorted(made_of)]
    command = update_command(ordered)
    related = tuple(ref_of(user.resource) for user in users)
    found = ctx.others_by_ref.get(ResourceRef("ConfigMap", namespace or None, name), [])
    listed = ", ".join(f.path for f in ordered)
    target = f"{command.split()[-1]}/{name}.yaml"
    if not found and target in ctx.unread_generated:
        yield ctx.finding(
            Severity.WARNING,
            ID,
            users[0],
            _reference_field(users[0], name),
            f"ConfigMap {namespace}/{name} is in {target}, which this check was not given, so whether it is "
            f"current with {listed} was not checked",
            f"check the whole folder: vdx check {command.split()[-1]}",
            related,
        )
        return
    if not found:
        user = users[0]
        yield ctx.finding(
            Severity.ERROR,
            ID,
            user,
            _reference_field(user, name),
            f"ConfigMap {namespace}/{name} is not in the tree, so the image files {listed} would never "
            f"reach the cluster",
            f"run `{command}` and commit the file it writes ({target})",
            related,
        )
        return
    document, source = found[0]
    whole = {key: f.data for key, f in made_of.items() if f.complete}
    shown = {key: f.path for key, f in made_of.items()}
    too_large = frozenset(made_of) - frozenset(whole)  # `branding-assets` reports those
    changed = differences(document, whole, shown, skip=too_large)
    if not changed:
        return
    location = ctx.locator(source, "")
    by_hand = "" if is_generated(document) else " (it is written by hand: delete it from its file first)"
    yield Finding(
        Severity.ERROR,
        ID,
        ResourceRef("ConfigMap", namespace or None, name),
        "",
        f"is out of date with the image files it is made from: {'; '.join(changed)}",
        f"run `{command}`{by_hand} and commit the result",
        location,
        related,
    )


def _reference_field(loaded: LoadedResource, name: str) -> str:
    branding = loaded.resource
    assert isinstance(branding, CviBranding)
    for path, source in image_sources(branding):
        if source.config_map_key_ref is not None and source.config_map_key_ref.name == name:
            return f"{path}.configMapKeyRef.name"
    return "spec.images"


RULE = PolicyRule(
    ID,
    "A branding's ConfigMap is current with its image files (vdx branding update)",
    "Images kept as files next to the CviBranding reach the cluster only through the ConfigMap made of them.",
    check,
)
