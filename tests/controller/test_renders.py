"""The branding render cache: digests always, whole renderings only within a byte bound."""

from __future__ import annotations

from vdx.branding.archive import RenderedPackage
from vdx.branding.bundle import RenderedBranding
from vdx.controller.renders import RenderCache, rendering_bytes


def rendering(content_hash: str, size: int) -> RenderedBranding:
    webapp = RenderedPackage(zip_bytes=b"z" * (size // 2), sha256="0" * 64, files={"a": b"f" * (size // 2)})
    return RenderedBranding(webapp=webapp, ivr_theme=None, warnings=(), content_hash=content_hash)


def test_whole_renderings_stay_within_the_byte_bound_digests_stay_for_all() -> None:
    cache = RenderCache(max_bytes=1000)
    for n in range(5):
        cache.put(("ns", f"b{n}"), "fp", rendering(f"hash{n}", 400))
    assert cache.held_bytes <= 1000
    assert len(cache) == 5
    # The oldest whole renderings were evicted; their digests were not.
    assert cache.rendering(("ns", "b0"), "fp") is None
    digest = cache.digest(("ns", "b0"), "fp")
    assert digest is not None
    assert digest.content_hash == "hash0"
    assert cache.rendering(("ns", "b4"), "fp") is not None


def test_a_changed_fingerprint_is_a_miss_never_a_stale_hit() -> None:
    cache = RenderCache()
    cache.put(("ns", "b"), "spec-v1", rendering("h1", 100))
    assert cache.digest(("ns", "b"), "spec-v2") is None
    assert cache.rendering(("ns", "b"), "spec-v2") is None
    cache.put(("ns", "b"), "spec-v2", rendering("h2", 100))
    assert cache.held_bytes == 100  # the replaced rendering no longer counts
    digest = cache.digest(("ns", "b"), "spec-v2")
    assert digest is not None
    assert digest.content_hash == "h2"


def test_recently_used_renderings_are_kept_longest() -> None:
    cache = RenderCache(max_bytes=250)
    cache.put(("ns", "a"), "fp", rendering("ha", 100))
    cache.put(("ns", "b"), "fp", rendering("hb", 100))
    assert cache.rendering(("ns", "a"), "fp") is not None  # a is now the most recent
    cache.put(("ns", "c"), "fp", rendering("hc", 100))
    assert cache.rendering(("ns", "b"), "fp") is None
    assert cache.rendering(("ns", "a"), "fp") is not None


def test_a_rendering_larger_than_the_bound_keeps_only_its_digest() -> None:
    cache = RenderCache(max_bytes=100)
    big = rendering("big", 1000)
    assert rendering_bytes(big) == 1000
    cache.put(("ns", "big"), "fp", big)
    assert cache.held_bytes == 0
    assert cache.rendering(("ns", "big"), "fp") is None
    assert cache.digest(("ns", "big"), "fp") is not None
    cache.forget(("ns", "big"))
    assert cache.digest(("ns", "big"), "fp") is None
