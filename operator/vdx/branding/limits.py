"""The sizes images are checked against and scaled to, with the reason for each number.

Pexip recommends a logo of 336x160 (drawn at 168x80 CSS pixels, doubled for high-density screens)
and 1920x1080 for the jumbotron and backgrounds. Larger images are scaled down to those sizes when
the package is rendered, so a region can hand over its original artwork; what is refused is only
what would look bad (too small: blurred when enlarged) or cannot be stored (too many bytes).

Byte limits come from Kubernetes, not from Pexip: the images travel in a ConfigMap or Secret, and
Kubernetes refuses objects over 1 MiB. binaryData is base64, which adds a third, so a 700 KiB
image becomes about 933 KiB in the ConfigMap: the most one image can be and still fit.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Box:
    width: int
    height: int

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"


LOGO_RECOMMENDED = Box(336, 160)  # Pexip: 2x of the 168x80 slot
LOGO_MINIMUM = Box(168, 80)  # the 1x slot: a raster logo must fill it in at least one direction
SCREEN = Box(1920, 1080)  # jumbotron, backgrounds, IVR splash screens
SCREEN_MINIMUM = Box(1280, 720)  # enlarging 720p to 1080p (1.5x) is the most that still looks sharp
TILE_MINIMUM = Box(16, 16)  # a tiled pattern may be small, but not a speck
FAVICON = Box(64, 64)

MAX_PIXELS = 40_000_000  # 40 megapixels: beyond a camera's full frame; refuses decompression bombs
MAX_SIDE = 10_000

LOGO_MAX_BYTES = 256 * 1024
SCREEN_IMAGE_MAX_BYTES = 700 * 1024

# A file larger than this is not read at all: it is far beyond any image the checks accept (the
# byte limits above), and `vdx check` must stay bounded on any tree.
IMAGE_READ_LIMIT = 2 * 1024 * 1024
