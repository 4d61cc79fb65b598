"""Decoding, checking and re-encoding one upload: `process_image`.

Cost model: a 12 MP JPEG is decoded once, at the smallest JPEG DCT scale that still covers
the largest rendition; every other rendition is derived from an already reduced image. The
first resize and the encoders (the bulk of the work) run in a few threads, because Pillow
releases the GIL while resizing and encoding.
"""

from __future__ import annotations

import io
import itertools
import logging
import math
import os
import warnings
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO

import blurhash
import pillow_heif
from django.conf import settings
from PIL import ExifTags, Image, ImageCms

from instaclone.images.specs import EncodedRendition, OutputFormat, ProcessedImage, RenditionSpec

logger = logging.getLogger(__name__)

# Thumbnails, depth maps and auxiliary images embedded in HEIC files are never used; not
# loading them saves memory on every iPhone upload.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

# Pillow format names tried, in this order, by `Image.open`. JPEG also yields "MPO" (the
# multi-picture JPEG many phones write); HEIF is the plugin pillow-heif registers.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF", "GIF")

RESAMPLE = Image.Resampling.LANCZOS
# Resize first shrinks by a whole factor with a box filter, then resamples the last factor
# of at least 3 with RESAMPLE: indistinguishable from a pure Lanczos, several times cheaper
# on large reductions.
REDUCING_GAP = 3.0
# The smaller renditions are derived from an already Lanczos-filtered frame a little
# larger than they are (1-2x for posts). Bicubic there is a third cheaper and comes closer
# to a one-step Lanczos from the source (+0.1-0.3 dB PSNR on the bench photos) than a
# second Lanczos, whose ringing adds to the first's; files come out 2-7 % smaller.
DERIVED_RESAMPLE = Image.Resampling.BICUBIC
BLURHASH_SIZE = 32
# Pillow releases the GIL while resizing and encoding, so the first resize is split across
# threads and each rendition is encoded in its own: posts have four renditions.
WORKER_THREADS = max(1, min(4, os.cpu_count() or 1))

UNSUPPORTED_MESSAGE = "Unsupported image format. Upload a JPEG, PNG, WebP, HEIC or GIF."
DAMAGED_MESSAGE = "The image could not be read: the file is damaged or incomplete."


class ImageRejected(Exception):
    """An upload the pipeline refuses; `message` is safe to show to the person uploading."""

    def __init__(self, message: str, *, code: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status_code = status_code


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int
    max_pixels: int
    max_side: int

    @classmethod
    def from_settings(cls) -> ImageLimits:
        return cls(
            max_bytes=getattr(settings, "MAX_UPLOAD_BYTES", 20 * 1024 * 1024),
            max_pixels=getattr(settings, "MAX_IMAGE_PIXELS", 50_000_000),
            max_side=getattr(settings, "MAX_IMAGE_SIDE", 10_000),
        )


@dataclass(frozen=True)
class _Plan:
    """Where one rendition comes from, in the upright source's coordinates."""

    spec: RenditionSpec
    size: tuple[int, int]
    box: tuple[float, float, float, float]

    @property
    def scale(self) -> float:
        return self.size[0] / (self.box[2] - self.box[0])


def process_image(
    fp: IO[bytes],
    specs: Sequence[RenditionSpec],
    *,
    limits: ImageLimits | None = None,
) -> ProcessedImage:
    """Validate an uploaded image and encode every rendition of `specs`.

    `fp` is any binary file object (a Django UploadedFile, a BytesIO); it is read, not
    closed. Raises ImageRejected: status 413 for a file over `MAX_UPLOAD_BYTES`, 400 for
    anything else refused.
    """
    if not specs:
        raise ValueError("process_image needs at least one rendition spec")
    limits = limits or ImageLimits.from_settings()
    source = _open_allowed(_checked_stream(fp, limits.max_bytes), limits)
    _check_dimensions(source.size, limits)
    orientation = _orientation(source)
    icc_profile = source.info.get("icc_profile")
    width, height = _upright(source.size, orientation)
    plans = [_plan(spec, width, height) for spec in specs]
    with ThreadPoolExecutor(max_workers=WORKER_THREADS) as executor:
        base = _decode_base(source, orientation, max(plan.scale for plan in plans), executor)
        # The full-size decode (36 MB for 12 MP) must not outlive the reduced base image.
        del source
        base = _to_srgb(_flatten(base), icc_profile)
        # Resizes and copies inherit `info`; emptying it here is what keeps EXIF, GPS, XMP,
        # comments and the source ICC profile out of every output file.
        base.info = {}
        renditions, placeholder = _render(base, base.width / width, plans, executor)
    return ProcessedImage(width, height, placeholder, renditions)


def _checked_stream(fp: IO[bytes], max_bytes: int) -> IO[bytes]:
    size = getattr(fp, "size", None)
    if not isinstance(size, int):
        try:
            size = fp.seek(0, io.SEEK_END)
        except (AttributeError, OSError, ValueError):
            # A stream that cannot seek: read just past the limit to know whether it is over.
            fp = io.BytesIO(_read_at_most(fp, max_bytes + 1))
            size = len(fp.getbuffer())
    if size > max_bytes:
        raise ImageRejected(
            f"File is too large: at most {_format_bytes(max_bytes)}.",
            code="file_too_large",
            status_code=413,
        )
    if size == 0:
        raise ImageRejected("The file is empty.", code="empty_file")
    fp.seek(0)
    return fp


def _read_at_most(fp: IO[bytes], limit: int) -> bytes:
    chunks: list[bytes] = []
    remaining = limit
    # A raw stream may return fewer bytes than asked for long before its end.
    while remaining > 0 and (chunk := fp.read(min(remaining, 1024 * 1024))):
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _open_allowed(fp: IO[bytes], limits: ImageLimits) -> Image.Image:
    try:
        return Image.open(fp, formats=ALLOWED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own bomb check runs inside open(), above a global threshold; the warning
        # is raised rather than emitted when warnings are configured as errors.
        raise _too_many_pixels(limits.max_pixels) from exc
    except Exception as exc:
        # Plugins reject bad headers with a variety of exceptions (pillow-heif included);
        # whatever the reason, the bytes are not an image in an allowed format.
        logger.info("Rejected upload of unidentified format: %r", exc)
        raise ImageRejected(UNSUPPORTED_MESSAGE, code="unsupported_format") from exc


def _check_dimensions(size: tuple[int, int], limits: ImageLimits) -> None:
    width, height = size
    if width * height > limits.max_pixels:
        raise _too_many_pixels(limits.max_pixels)
    if max(width, height) > limits.max_side:
        raise ImageRejected(
            f"Image is too large: at most {limits.max_side:,} pixels on a side.",
            code="image_too_large",
        )


def _too_many_pixels(max_pixels: int) -> ImageRejected:
    return ImageRejected(
        f"Image is too large: at most {max_pixels / 1_000_000:g} megapixels.",
        code="image_too_large",
    )


# The transposition that makes an image with this EXIF Orientation upright (as in
# ImageOps.exif_transpose, which cannot be used here: it would transpose the full-size
# decode, a second 36 MB buffer for the typical sideways 12 MP phone photo).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SWAPS_AXES = {
    Image.Transpose.TRANSPOSE,
    Image.Transpose.TRANSVERSE,
    Image.Transpose.ROTATE_90,
    Image.Transpose.ROTATE_270,
}
_FLIPS_ROWS = {
    Image.Transpose.FLIP_TOP_BOTTOM,
    Image.Transpose.ROTATE_180,
    Image.Transpose.ROTATE_270,
    Image.Transpose.TRANSVERSE,
}


def _orientation(image: Image.Image) -> int:
    if image.format == "PNG" and "exif" not in image.info:
        # PngImageFile.getexif() would decode every pixel to look for EXIF after the image
        # data, outside the error handling of the decode step; writers put it before.
        return 1
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception:
        # Broken EXIF is common in edited files; it only costs the orientation.
        return 1
    return orientation if orientation in _UPRIGHT else 1


def _upright(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    return (size[1], size[0]) if orientation in (5, 6, 7, 8) else size


def _plan(spec: RenditionSpec, width: int, height: int) -> _Plan:
    if not spec.crop:
        fit_height = spec.height or math.inf
        scale = min(1.0, spec.width / width, fit_height / height)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        return _Plan(spec, size, (0.0, 0.0, float(width), float(height)))
    target_height = spec.height or spec.width
    scale = max(spec.width / width, target_height / height)
    if scale <= 1:
        size = (spec.width, target_height)
    else:
        # Too small to fill the target: shrink the target instead of enlarging the source.
        fit = min(width / spec.width, height / target_height)
        size = (max(1, math.floor(spec.width * fit)), max(1, math.floor(target_height * fit)))
        scale = 1.0
    crop_width, crop_height = size[0] / scale, size[1] / scale
    left, top = (width - crop_width) / 2, (height - crop_height) / 2
    return _Plan(spec, size, (left, top, left + crop_width, top + crop_height))


def _decode_base(
    source: Image.Image, orientation: int, scale: float, executor: ThreadPoolExecutor
) -> Image.Image:
    """Decode once, at `scale` of the source, upright and in a mode fit for resampling."""
    width, height = source.size
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    try:
        # For JPEG, decode straight at the smallest DCT scale (1/2, 1/4, 1/8) that still
        # covers `size`: a quarter or less of the memory and time of a full decode.
        source.draft("RGB", size)
        source.load()
        image = _resamplable(source)
    except Exception as exc:
        logger.info("Rejected upload that failed to decode: %r", exc)
        raise ImageRejected(DAMAGED_MESSAGE, code="damaged_image") from exc
    transpose = _UPRIGHT.get(orientation)
    if image.size != size:
        return _resize_in_bands(image, size, executor, transpose=transpose, free_source=True)
    return image if transpose is None else image.transpose(transpose)


def _resize_in_bands(
    image: Image.Image,
    size: tuple[int, int],
    executor: ThreadPoolExecutor,
    *,
    transpose: Image.Transpose | None = None,
    free_source: bool = False,
) -> Image.Image:
    """Resize in horizontal bands, one per thread, for the same pixels as a single resize
    followed by `transpose`.

    The bands come out identical because Pillow's filter reads the source rows it needs
    beyond each band's box. This is the largest step before any encoding can start, and
    each thread also turns its own band upright (a sideways phone photo would otherwise
    wait for one more pass over the whole frame).
    With `free_source`, `image`'s pixels are released (it becomes unusable) once the bands
    are made, before the result is assembled: the full-size decode (48 MB for 12 MP) and
    the result then never coexist, which is the pipeline's peak of memory.
    """
    mode = image.mode
    bands = min(WORKER_THREADS, size[1])
    row_scale = image.height / size[1]
    edges = [round(size[1] * index / bands) for index in range(bands + 1)]

    def band(top: int, bottom: int) -> Image.Image:
        part = image.resize(
            (size[0], bottom - top),
            RESAMPLE,
            (0, top * row_scale, image.width, bottom * row_scale),
            reducing_gap=REDUCING_GAP,
        )
        return part if transpose is None else part.transpose(transpose)

    parts = list(executor.map(band, edges, edges[1:]))
    if free_source:
        # Image.close, not ImageFile.close: that one would also close the caller's file.
        Image.Image.close(image)
    swaps_axes = transpose in _SWAPS_AXES
    resized = Image.new(mode, (size[1], size[0]) if swaps_axes else size)
    for (top, bottom), part in zip(itertools.pairwise(edges), parts, strict=True):
        # Where the band's rows land once upright: columns if the axes swap, counted from
        # the far edge if the turn flips the rows' order.
        offset = size[1] - bottom if transpose in _FLIPS_ROWS else top
        resized.paste(part, (offset, 0) if swaps_axes else (0, offset))
    return resized


def _resamplable(image: Image.Image) -> Image.Image:
    """Convert to RGB, RGBA, L, LA or CMYK, keeping CMYK and L for their ICC profiles."""
    if image.mode in ("RGB", "RGBA", "L", "LA", "CMYK"):
        return image
    if image.mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode == "1":
        return image.convert("L")
    if image.mode == "I" or image.mode.startswith("I;16"):
        # 16-bit greyscale PNG. convert("L") would clip values at 255 instead of scaling.
        return image.point(lambda value: value * (1 / 257)).convert("L")
    return image.convert("RGBA" if "A" in image.getbands() else "RGB")


def _flatten(image: Image.Image) -> Image.Image:
    """Put transparent pictures on white.

    JPEG has no alpha, and the WebP and JPEG of one rendition must look the same whichever
    one a client picks, so WebP is flattened too; a photo site gains nothing from alpha.
    """
    if image.mode not in ("RGBA", "LA"):
        return image
    background = Image.new(image.mode[:-1], image.size, "white")
    background.paste(image, mask=image.getchannel("A"))
    return background


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Return an RGB image in sRGB, which is what an untagged output file is taken to be."""
    if icc_profile:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            # An sRGB profile, whatever its vendor, needs no transform; skipping it saves
            # about 50 ms for a 3 MP picture.
            if "srgb" not in ImageCms.getProfileDescription(profile).lower():
                return ImageCms.profileToProfile(image, profile, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError) as exc:
            # Also a profile whose colour space does not match the pixels (an RGB profile
            # on a greyscale PNG): showing the pixels as sRGB is the best guess left.
            logger.info("Ignored unusable ICC profile: %r", exc)
    return image if image.mode == "RGB" else image.convert("RGB")


def _render(
    base: Image.Image, base_scale: float, plans: list[_Plan], executor: ThreadPoolExecutor
) -> tuple[list[EncodedRendition], str]:
    """Resize for every plan, largest first, while worker threads encode the results."""
    # Full-frame images made so far, as (image, scale from the source): each rendition is
    # cut from the smallest one at least as large as it needs (1 % slack absorbs rounding).
    frames: list[tuple[Image.Image, float]] = [(base, base_scale)]
    jobs: dict[int, Future[list[EncodedRendition]]] = {}
    for index in sorted(range(len(plans)), key=lambda index: -plans[index].scale):
        plan = plans[index]
        larger = [frame for frame in frames if frame[1] >= plan.scale * 0.99]
        frame, frame_scale = min(larger or frames[:1], key=lambda frame: frame[1])
        box = _scaled_box(plan.box, frame_scale, frame.size)
        if plan.size == frame.size and _covers(box, frame.size):
            image = frame
        else:
            image = frame.resize(plan.size, DERIVED_RESAMPLE, box, reducing_gap=REDUCING_GAP)
            if not plan.spec.crop:
                frames.append((image, plan.scale))
        # One task per rendition, not per format: Image.save keeps per-call state on
        # the image object, so two saves of one image must not overlap.
        jobs[index] = executor.submit(_encode_all, image, plan.spec)
    placeholder = _blurhash(min(frames, key=lambda frame: frame[1])[0])
    renditions = [rendition for index in range(len(plans)) for rendition in jobs[index].result()]
    return renditions, placeholder


def _scaled_box(
    box: tuple[float, float, float, float], scale: float, size: tuple[int, int]
) -> tuple[float, float, float, float]:
    # Rounding the frame's size may leave it a fraction of a pixel short of the scaled box.
    left, top, right, bottom = (edge * scale for edge in box)
    return max(0.0, left), max(0.0, top), min(float(size[0]), right), min(float(size[1]), bottom)


def _covers(box: tuple[float, ...], size: tuple[int, int]) -> bool:
    return all(abs(edge - whole) < 0.5 for edge, whole in zip(box, (0, 0, *size), strict=True))


def _encode_all(image: Image.Image, spec: RenditionSpec) -> list[EncodedRendition]:
    return [_encode(image, spec.name, output) for output in spec.formats]


def _encode(image: Image.Image, name: str, output: OutputFormat) -> EncodedRendition:
    buffer = io.BytesIO()
    image.save(buffer, output.pillow_format, **output.options)
    return EncodedRendition(
        name=name,
        format=output.name,
        width=image.width,
        height=image.height,
        content=buffer.getvalue(),
        content_type=output.content_type,
        extension=output.extension,
    )


def _blurhash(image: Image.Image) -> str:
    tiny = image.copy()
    tiny.thumbnail((BLURHASH_SIZE, BLURHASH_SIZE), Image.Resampling.BILINEAR)
    x_components, y_components = (4, 3) if tiny.width >= tiny.height else (3, 4)
    with warnings.catch_warnings():
        # blurhash-python reads pixels with Image.getdata, deprecated in Pillow 13 and gone
        # in 14 (requirements pin pillow<14): nothing the caller can act on.
        warnings.filterwarnings("ignore", "Image.Image.getdata", DeprecationWarning)
        return blurhash.encode(tiny, x_components=x_components, y_components=y_components)


def _format_bytes(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.3g} MB"
    if count >= 1024:
        return f"{count / 1024:.3g} KB"
    return f"{count} bytes"
