"""Container image references: what "pinned" means for the stacks and the policy pack alike.

A tag can be moved to other content after review; a digest cannot. Production therefore takes only
`name@sha256:<64 hex>` (a tag may precede the digest for readability; the digest is what pulls).
"""

from __future__ import annotations

import re

_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
_REFERENCE = re.compile(
    r"^(?P<name>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)


class ImageError(ValueError):
    """An image reference that must not be deployed; the message says what to change."""


def is_digest_pinned(image: str) -> bool:
    return _DIGEST.search(image) is not None


def check_image(image: str, *, require_digest: bool, stack: str) -> str:
    """The reference unchanged, or an error saying why it cannot be deployed to this stack."""
    match = _REFERENCE.match(image)
    if match is None:
        raise ImageError(
            f"image {image!r} is not a valid image reference (registry/name:tag or name@sha256:...)"
        )
    if require_digest and match["digest"] is None:
        raise ImageError(
            f"stack {stack!r} needs the operator image pinned by digest, got {image!r}: a tag can be moved "
            "after review. Set it with `pulumi config set image <registry>/vdx-operator@sha256:<64 hex>` "
            "(the digest that `docker buildx build --push` or `crane digest` prints)"
        )
    if match["digest"] is None and match["tag"] in (None, "latest"):
        raise ImageError(f"image {image!r} names no fixed version: give a release tag or a digest")
    return image
