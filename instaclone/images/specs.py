"""What the pipeline produces: rendition specs, output formats, and the result types."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class OutputFormat:
    name: str
    pillow_format: str
    extension: str
    content_type: str
    options: Mapping[str, Any] = field(default_factory=dict)


# WebP is what browsers are served. method=0 (libwebp's fastest) for every rendition: on
# 12 MP photos (`python -m bench images`) it encodes 2-4x faster than method=4 for 5-6 %
# more bytes on the 1080 px rendition and ~10 % on the 2048 px one, at the same PSNR (the
# extra effort of methods 1-4 buys bytes, not fidelity); method=2 was both larger and
# slightly worse than 4, method=1 as large as 0 and slower. Encoding at 4 was most of an
# upload's CPU time and kept the pipeline at 2-2.5x its decode-and-resize floor.
WEBP = OutputFormat("webp", "WEBP", "webp", "image/webp", {"quality": 80, "method": 0})
# Kept as a name for the 2048 px rendition; the same settings as WEBP since method=0.
WEBP_LARGE = WEBP
# JPEG is the fallback for clients and link-preview crawlers that lack WebP. No `optimize`
# (2 % smaller for twice the encode time) nor progressive (five times): the file is rarely
# served.
JPEG = OutputFormat("jpeg", "JPEG", "jpg", "image/jpeg", {"quality": 82})


@dataclass(frozen=True)
class RenditionSpec:
    """A rendition to produce; never larger than the source.

    With `crop=False` the picture fits in `width` x `height` (no `height`: any height).
    With `crop=True` it is cropped around its centre to exactly `width` x `height`; a
    source too small for that gives the largest centred crop of that aspect ratio instead.
    """

    name: str
    width: int
    height: int | None = None
    crop: bool = False
    formats: tuple[OutputFormat, ...] = (WEBP, JPEG)


POST_RENDITIONS = (
    RenditionSpec("full", 2048, 2048, formats=(WEBP_LARGE, JPEG)),
    RenditionSpec("medium", 1080),
    RenditionSpec("small", 640),
    RenditionSpec("thumb", 320, 320, crop=True),
)
AVATAR_RENDITIONS = (
    RenditionSpec("medium", 320, 320, crop=True),
    RenditionSpec("small", 150, 150, crop=True),
)


@dataclass(frozen=True)
class EncodedRendition:
    name: str
    format: str
    width: int
    height: int
    content: bytes = field(repr=False)
    content_type: str
    extension: str


@dataclass(frozen=True)
class ProcessedImage:
    """The upright source size, a placeholder for the whole picture, and the renditions."""

    width: int
    height: int
    blurhash: str
    renditions: list[EncodedRendition]
