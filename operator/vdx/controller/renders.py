"""The branding renderings an operator instance remembers, bounded in bytes.

A rendering holds both packages' zip bytes and every file inside them (a few MiB per branding with
its rasterised images); keeping all of them, as the runtime once did, cost hundreds of MiB at
national scale. What a reconcile needs on every pass is small: the content hash (to find the
package in Pexip and compare with the status) and the warnings. The bytes are needed only when
something must be uploaded, which is rare once the platform is in line; then a rendering that
fell out of the byte-bounded recent set is simply rendered again (deterministically, same bytes).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass

from vdx.branding.bundle import RenderedBranding
from vdx.branding.problems import BrandingProblem

Key = tuple[str, str]  # namespace, name of the CviBranding

DEFAULT_MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class RenderDigest:
    """What every reconcile needs of a rendering: its content hash and its warnings."""

    content_hash: str
    warnings: tuple[BrandingProblem, ...]


def rendering_bytes(rendered: RenderedBranding) -> int:
    """What a rendering holds on to: both zips and the files inside them."""
    total = 0
    for package in (rendered.webapp, rendered.ivr_theme):
        if package is not None:
            total += len(package.zip_bytes) + sum(len(v) for v in package.files.values())
    return total


class RenderCache:
    """Per branding: the digest of its last rendering (always) and the rendering itself (recent ones).

    Entries are keyed by the resource and checked against the fingerprint of the rendering's inputs
    (spec and image object versions), so a changed input is a miss, never a stale hit.
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        # One rendering at a time: the child (vdx.controller.render_process) renders one branding at
        # a time, and the others wait here, on the event loop, not in worker threads that the
        # Kubernetes calls need.
        self.slots = asyncio.Semaphore(1)
        self._digests: dict[Key, tuple[str, RenderDigest]] = {}
        self._full: OrderedDict[Key, tuple[str, RenderedBranding, int]] = OrderedDict()
        self._bytes = 0

    @property
    def held_bytes(self) -> int:
        return self._bytes

    def digest(self, key: Key, fingerprint: str) -> RenderDigest | None:
        found = self._digests.get(key)
        return found[1] if found is not None and found[0] == fingerprint else None

    def rendering(self, key: Key, fingerprint: str) -> RenderedBranding | None:
        found = self._full.get(key)
        if found is None or found[0] != fingerprint:
            return None
        self._full.move_to_end(key)
        return found[1]

    def put(self, key: Key, fingerprint: str, rendered: RenderedBranding) -> None:
        self._digests[key] = (fingerprint, RenderDigest(rendered.content_hash, rendered.warnings))
        self._drop_full(key)
        size = rendering_bytes(rendered)
        if size > self.max_bytes:
            return  # larger than the whole budget: keep the digest only
        self._full[key] = (fingerprint, rendered, size)
        self._bytes += size
        while self._bytes > self.max_bytes:
            oldest = next(iter(self._full))
            self._drop_full(oldest)

    def forget(self, key: Key) -> None:
        self._digests.pop(key, None)
        self._drop_full(key)

    def _drop_full(self, key: Key) -> None:
        found = self._full.pop(key, None)
        if found is not None:
            self._bytes -= found[2]

    def __len__(self) -> int:
        return len(self._digests)
