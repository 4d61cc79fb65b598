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


# WebP is what browsers are served. method=4 is libwebp's default effort: methods 5-6 cost
# twice the time for 1-2 % fewer bytes, methods 0-2 save time but every view pays 4-12 %
# more bytes.
WEBP = OutputFormat("webp", "WEBP", "webp", "image/webp", {"quality": 80, "method": 4})
# For the 2048 px rendition method=4 would be 40 % of an upload's CPU time; method=2 halves
# that for 4 % more bytes, paid only when someone opens a post large (feeds show "medium").
WEBP_LARGE = OutputFormat("webp", "WEBP", "webp", "image/webp", {"quality": 80, "method": 2})
# JPEG is the fallback for clients and link-preview crawlers that lack WebP; optimize costs
# little, progressive would cost five times the encode time for a rarely served file.
JPEG = OutputFormat("jpeg", "JPEG", "jpg", "image/jpeg", {"quality": 82, "optimize": True})


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
