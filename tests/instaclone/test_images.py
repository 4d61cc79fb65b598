"""The image pipeline: what it accepts, what it refuses, and what comes out.

Every input is generated in memory; the pixel bombs are built so that they are cheap to
make and would be expensive only to decode.
"""

import io
import logging
import random
import struct
import warnings
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import blurhash
import pillow_heif
import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from PIL import ExifTags, Image, ImageChops, ImageCms, PngImagePlugin

from instaclone.images import (
    AVATAR_RENDITIONS,
    POST_RENDITIONS,
    EncodedRendition,
    ImageRejected,
    ProcessedImage,
    delete_stored_files,
    process_image,
    rendition_url,
    store_renditions,
    stored_keys,
)
from instaclone.images.pipeline import REDUCING_GAP, RESAMPLE, _resize_in_bands

RED, GREEN, BLUE, WHITE = (220, 30, 30), (30, 200, 30), (30, 30, 220), (255, 255, 255)


def encode(image: Image.Image, fmt: str, **save: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def photo(size: tuple[int, int] = (400, 300), colour: tuple[int, int, int] = RED) -> Image.Image:
    image = Image.new("RGB", size, colour)
    # A blue stripe, so a crop or a rotation that went wrong shows up in the pixels.
    image.paste(BLUE, (0, 0, max(size[0] // 8, 1), size[1]))
    return image


def process(data: bytes, specs: tuple = POST_RENDITIONS) -> ProcessedImage:
    return process_image(io.BytesIO(data), specs)


def rejection(data: bytes) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        process(data)
    return caught.value


def decoded(rendition: EncodedRendition) -> Image.Image:
    image = Image.open(io.BytesIO(rendition.content))
    image.load()
    return image


def sizes(processed: ProcessedImage) -> dict[str, tuple[int, int]]:
    return {r.name: (r.width, r.height) for r in processed.renditions if r.format == "webp"}


def close(pixel: tuple[int, ...], expected: tuple[int, int, int], tolerance: int = 24) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], expected, strict=True))


def png_bomb(width: int, height: int, *, valid_pixels: bool = True) -> bytes:
    """A 1-bit greyscale PNG of all-black rows: a few kB that decode to width x height."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    if valid_pixels:
        compressor = zlib.compressobj(9)
        row = bytes(1 + (width + 7) // 8)
        rows_per_block = 1000
        block = row * rows_per_block
        compressed = b"".join(
            compressor.compress(block[: len(row) * min(rows_per_block, height - done)])
            for done in range(0, height, rows_per_block)
        )
        pixels = compressed + compressor.flush()
    else:
        pixels = b"not zlib data at all"
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def rgb_icc_profile(description: str, red: tuple, green: tuple, blue: tuple) -> bytes:
    """A minimal ICC v2 matrix/TRC display profile with the given D50 colorants."""

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(values: tuple) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(s15(v) for v in values)

    ascii_text = description.encode() + b"\0"
    tags = {
        b"desc": b"desc\0\0\0\0"
        + struct.pack(">I", len(ascii_text))
        + ascii_text
        # No Unicode or ScriptCode description: zero counts and an empty 67-byte field.
        + b"\0" * 8
        + b"\0\0\0"
        + b"\0" * 67,
        b"wtpt": xyz((0.9642, 1.0, 0.8249)),
        b"rXYZ": xyz(red),
        b"gXYZ": xyz(green),
        b"bXYZ": xyz(blue),
        b"rTRC": b"curv\0\0\0\0" + struct.pack(">IH", 1, 0x0233) + b"\0\0",  # gamma 2.2
    }
    tags[b"gTRC"] = tags[b"bTRC"] = tags[b"rTRC"]
    table_size = 4 + 12 * len(tags)
    offset, table, data = 128 + table_size, b"", b""
    for signature, body in tags.items():
        body += b"\0" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = 128 + table_size + len(data)
    header = (
        struct.pack(">I", size)
        + b"\0\0\0\0"
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2024, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
        + b"\0" * 48
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


# sRGB's colorants (adapted to D50) with red and green exchanged: a pixel this profile calls
# (255, 0, 0) is sRGB green, so a missed conversion cannot pass for a rounding difference.
SWAPPED_PROFILE = rgb_icc_profile(
    "Red-green swapped RGB",
    red=(0.3851, 0.7169, 0.0971),
    green=(0.4361, 0.2225, 0.0139),
    blue=(0.1431, 0.0606, 0.7141),
)


# --- Accepted formats ------------------------------------------------------------------


def heic(image: Image.Image) -> bytes:
    pillow_heif.register_heif_opener()
    return encode(image, "HEIF", quality=90)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda image: encode(image, "JPEG", quality=95), id="jpeg"),
        pytest.param(lambda image: encode(image, "PNG"), id="png"),
        pytest.param(lambda image: encode(image, "WEBP", quality=95), id="webp"),
        pytest.param(heic, id="heic"),
        pytest.param(lambda image: encode(image.convert("P"), "GIF"), id="gif"),
    ],
)
def test_accepts_each_allowed_format(make) -> None:
    processed = process(make(photo((800, 600))))

    assert (processed.width, processed.height) == (800, 600)
    assert {(r.name, r.format) for r in processed.renditions} == {
        (name, fmt) for name in ("full", "medium", "small", "thumb") for fmt in ("webp", "jpeg")
    }
    for rendition in processed.renditions:
        image = decoded(rendition)
        assert image.format == {"webp": "WEBP", "jpeg": "JPEG"}[rendition.format]
        assert image.size == (rendition.width, rendition.height)
        assert close(image.getpixel((image.width - 1, image.height // 2)), RED, tolerance=40)


def test_heic_written_by_pillow_heif_is_identified_by_content() -> None:
    data = heic(photo((640, 480)))
    assert data[4:12] == b"ftypheic"

    assert sizes(process(data))["full"] == (640, 480)


def test_animated_gif_uses_first_frame() -> None:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]  # exact in GIF's web palette
    frames = [Image.new("RGB", (200, 100), colour).convert("P") for colour in colours]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert Image.open(io.BytesIO(data)).n_frames == 3

    processed = process(data)

    for rendition in processed.renditions:
        assert close(decoded(rendition).getpixel((10, 10)), colours[0])


def test_accepts_a_django_upload_and_uses_its_size() -> None:
    upload = SimpleUploadedFile("photo.bin", encode(photo(), "JPEG"), "text/plain")

    processed = process_image(upload, AVATAR_RENDITIONS)

    assert sizes(processed) == {"medium": (300, 300), "small": (150, 150)}


class Pipe(io.RawIOBase):
    """A stream like a socket: no seeking, and reads that return a little at a time."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:
        chunk = self._data.read(min(len(buffer), 1000))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_accepts_a_stream_that_cannot_seek() -> None:
    processed = process_image(Pipe(encode(photo(), "PNG")), POST_RENDITIONS)

    assert sizes(processed)["full"] == (400, 300)


def test_unseekable_stream_over_the_byte_limit_answers_413(settings) -> None:
    settings.MAX_UPLOAD_BYTES = 3_000

    with pytest.raises(ImageRejected) as caught:
        process_image(Pipe(bytes(5_000)), POST_RENDITIONS)

    assert caught.value.status_code == 413


# --- Refused inputs --------------------------------------------------------------------

UNSUPPORTED = {
    "svg-with-script": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
    b'<rect width="10" height="10"/></svg>',
    "html": b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>",
    "pdf": b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n",
    "tiff": encode(photo(), "TIFF"),
    "bmp": encode(photo(), "BMP"),
    "random-bytes": random.Random(7).randbytes(4096),
    "jpeg-header-only": encode(photo(), "JPEG")[:20],
}


@pytest.mark.parametrize("data", UNSUPPORTED.values(), ids=UNSUPPORTED.keys())
def test_rejects_what_is_not_an_allowed_image(data: bytes) -> None:
    error = rejection(data)

    assert error.status_code == 400
    assert error.code == "unsupported_format"
    assert error.message == "Unsupported image format. Upload a JPEG, PNG, WebP, HEIC or GIF."


def test_rejects_an_empty_file() -> None:
    error = rejection(b"")

    assert (error.status_code, error.code) == (400, "empty_file")


def test_rejects_a_truncated_jpeg() -> None:
    noisy = Image.effect_noise((400, 300), 60).convert("RGB")
    data = encode(noisy, "JPEG", quality=90)

    error = rejection(data[: len(data) // 2])

    assert (error.status_code, error.code) == (400, "damaged_image")
    assert "damaged or incomplete" in error.message


def test_rejects_a_truncated_png() -> None:
    data = encode(Image.effect_noise((400, 300), 60), "PNG")

    assert rejection(data[: len(data) // 2]).code == "damaged_image"


def test_rejects_a_decompression_bomb_without_decoding_it() -> None:
    bomb = png_bomb(20_000, 20_000)
    assert len(bomb) < 200_000  # 400 megapixels in a small file

    error = rejection(bomb)

    assert (error.status_code, error.code) == (400, "image_too_large")
    assert error.message == "Image is too large: at most 50 megapixels."


def test_bomb_warning_is_a_rejection_even_when_warnings_are_errors() -> None:
    # 150 megapixels: past Pillow's warning threshold, short of its error threshold.
    bomb = png_bomb(15_000, 10_000)

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        error = rejection(bomb)

    assert error.code == "image_too_large"


def test_pixel_limit_is_checked_before_pixels_are_decoded() -> None:
    # Undecodable pixel data: only a check made on the header can answer "too large".
    error = rejection(png_bomb(9_000, 6_000, valid_pixels=False))

    assert error.code == "image_too_large"


def test_rejects_an_image_over_the_side_limit(settings) -> None:
    settings.MAX_IMAGE_SIDE = 1_000
    error = rejection(encode(photo((1_001, 10)), "PNG"))

    assert (error.status_code, error.code) == (400, "image_too_large")
    assert error.message == "Image is too large: at most 1,000 pixels on a side."


def test_rejects_an_image_over_the_pixel_limit_from_settings(settings) -> None:
    settings.MAX_IMAGE_PIXELS = 100_000
    error = rejection(encode(photo((400, 300)), "PNG"))

    assert error.message == "Image is too large: at most 0.1 megapixels."


def test_file_over_the_byte_limit_answers_413(settings) -> None:
    settings.MAX_UPLOAD_BYTES = 1_000
    data = encode(Image.effect_noise((100, 100), 60), "PNG")
    assert len(data) > 1_000

    error = rejection(data)

    assert (error.status_code, error.code) == (413, "file_too_large")
    assert error.message == "File is too large: at most 1000 bytes."


def test_byte_limit_message_in_megabytes_uses_the_upload_size() -> None:
    # Django measured the upload; the pipeline does not read 21 MB to find out again.
    upload = UploadedFile(io.BytesIO(b"tiny"), name="big.jpg", size=21 * 1024 * 1024)

    with pytest.raises(ImageRejected) as caught:
        process_image(upload, POST_RENDITIONS)

    assert caught.value.status_code == 413
    assert caught.value.message == "File is too large: at most 20 MB."


# --- What comes out --------------------------------------------------------------------


def test_rendition_sizes_for_a_12_megapixel_photo() -> None:
    processed = process(encode(photo((4000, 3000)), "JPEG"))

    assert (processed.width, processed.height) == (4000, 3000)
    assert sizes(processed) == {
        "full": (2048, 1536),
        "medium": (1080, 810),
        "small": (640, 480),
        "thumb": (320, 320),
    }
    by_format = {(r.name, r.format): r for r in processed.renditions}
    assert (by_format["small", "jpeg"].width, by_format["small", "jpeg"].height) == (640, 480)
    assert by_format["small", "jpeg"].content_type == "image/jpeg"
    assert by_format["small", "jpeg"].extension == "jpg"
    assert by_format["small", "webp"].content_type == "image/webp"
    assert by_format["small", "webp"].extension == "webp"


def test_first_resize_split_across_threads_has_no_seams() -> None:
    source = Image.effect_noise((1000, 999), 80).convert("RGB")

    with ThreadPoolExecutor(max_workers=3) as executor:
        banded = _resize_in_bands(source, (512, 333), executor)

    whole = source.resize((512, 333), RESAMPLE, reducing_gap=REDUCING_GAP)
    assert ImageChops.difference(banded, whole).getbbox() is None


def test_first_resize_can_free_the_full_size_decode_before_assembling() -> None:
    source = Image.effect_noise((1000, 999), 80).convert("RGB")
    whole = source.resize((512, 333), RESAMPLE, reducing_gap=REDUCING_GAP)

    with ThreadPoolExecutor(max_workers=2) as executor:
        banded = _resize_in_bands(source, (512, 333), executor, free_source=True)

    assert ImageChops.difference(banded, whole).getbbox() is None
    with pytest.raises(ValueError, match="closed image"):
        source.getpixel((0, 0))


@pytest.mark.parametrize("transpose", list(Image.Transpose))
def test_bands_turned_upright_match_one_resize_then_one_turn(transpose: Image.Transpose) -> None:
    source = Image.effect_noise((1000, 999), 80).convert("RGB")
    whole = source.resize((512, 333), RESAMPLE, reducing_gap=REDUCING_GAP).transpose(transpose)

    with ThreadPoolExecutor(max_workers=3) as executor:
        banded = _resize_in_bands(source, (512, 333), executor, transpose=transpose)

    assert banded.size == whole.size
    assert ImageChops.difference(banded, whole).getbbox() is None


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF"])
def test_the_uploaded_file_is_read_but_left_open(fmt: str) -> None:
    upload = io.BytesIO(encode(photo((3000, 2000)), fmt))

    process_image(upload, POST_RENDITIONS)

    assert not upload.closed
    upload.seek(0)


def test_thumb_is_a_centred_320_square() -> None:
    processed = process(encode(photo((1200, 600)), "PNG"))

    thumb = decoded(next(r for r in processed.renditions if r.name == "thumb"))

    assert thumb.size == (320, 320)
    # The blue stripe (the left eighth) lies outside the centred square crop.
    assert close(thumb.getpixel((0, 160)), RED)


def test_portrait_photo_renditions_keep_their_width() -> None:
    processed = process(encode(photo((1500, 3000)), "JPEG"))

    assert sizes(processed) == {
        "full": (1024, 2048),
        "medium": (1080, 2160),
        "small": (640, 1280),
        "thumb": (320, 320),
    }


def test_small_image_is_never_upscaled() -> None:
    processed = process(encode(photo((300, 200)), "PNG"))

    assert sizes(processed) == {
        "full": (300, 200),
        "medium": (300, 200),
        "small": (300, 200),
        "thumb": (200, 200),
    }


def test_avatar_renditions_are_squares() -> None:
    processed = process(encode(photo((1200, 800)), "JPEG"), AVATAR_RENDITIONS)

    assert sizes(processed) == {"medium": (320, 320), "small": (150, 150)}
    assert {r.format for r in processed.renditions} == {"webp", "jpeg"}


def test_exif_orientation_is_applied() -> None:
    # Stored sideways (left half red, right half blue) with Orientation 6: the camera was
    # turned clockwise, so upright the red half is on top.
    sideways = Image.new("RGB", (400, 200), RED)
    sideways.paste(BLUE, (200, 0, 400, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6

    processed = process(encode(sideways, "JPEG", exif=exif))

    assert (processed.width, processed.height) == (200, 400)
    full = decoded(next(r for r in processed.renditions if r.name == "full"))
    assert full.size == (200, 400)
    assert close(full.getpixel((100, 50)), RED)
    assert close(full.getpixel((100, 350)), BLUE)


def test_metadata_is_dropped_from_every_output() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.ImageDescription] = "SECRET-DESCRIPTION"
    exif[ExifTags.Base.Make] = "SECRET-MAKER"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 1.5)
    data = encode(
        photo(),
        "JPEG",
        exif=exif,
        xmp=b"<x:xmpmeta>SECRET-XMP</x:xmpmeta>",
        comment=b"SECRET-COMMENT",
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
    )
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    for rendition in process(data).renditions:
        image = decoded(rendition)
        assert not image.getexif()
        assert not {"exif", "xmp", "comment", "icc_profile"} & image.info.keys()
        assert b"SECRET" not in rendition.content


def test_png_text_chunks_are_dropped() -> None:
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "SECRET-PNG-TEXT")

    for rendition in process(encode(photo(), "PNG", pnginfo=text)).renditions:
        assert b"SECRET" not in rendition.content


def test_non_srgb_profile_is_converted_to_srgb() -> None:
    data = encode(Image.new("RGB", (200, 100), (255, 0, 0)), "PNG", icc_profile=SWAPPED_PROFILE)

    for rendition in process(data).renditions:
        image = decoded(rendition)
        assert "icc_profile" not in image.info
        assert close(image.getpixel((50, 50)), (0, 255, 0), tolerance=40)


def test_profile_that_does_not_fit_the_pixels_is_ignored() -> None:
    data = encode(Image.new("L", (200, 100), 128), "PNG", icc_profile=SWAPPED_PROFILE)

    for rendition in process(data).renditions:
        assert close(decoded(rendition).getpixel((50, 50)), (128, 128, 128), tolerance=6)


def test_srgb_profile_leaves_colours_alone() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(Image.new("RGB", (200, 100), RED), "PNG", icc_profile=srgb)

    for rendition in process(data).renditions:
        assert close(decoded(rendition).getpixel((50, 50)), RED, tolerance=8)


def test_cmyk_jpeg_becomes_rgb() -> None:
    data = encode(Image.new("CMYK", (200, 100), (0, 255, 255, 0)), "JPEG", quality=95)

    for rendition in process(data).renditions:
        image = decoded(rendition)
        assert image.mode == "RGB"
        assert close(image.getpixel((50, 50)), (255, 0, 0), tolerance=40)


def test_transparency_is_flattened_on_white() -> None:
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    image.paste((*BLUE, 255), (0, 0, 100, 100))
    palette = image.convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    palette.info["transparency"] = palette.getpixel((150, 50))

    for data in (encode(image, "PNG"), encode(palette, "PNG"), encode(image, "WEBP")):
        for rendition in process(data).renditions:
            if rendition.name != "thumb":
                out = decoded(rendition)
                assert out.mode == "RGB"
                assert close(out.getpixel((out.width * 3 // 4, out.height // 2)), WHITE)
                assert close(out.getpixel((out.width // 4, out.height // 2)), BLUE)


def test_16_bit_greyscale_is_scaled_not_clipped() -> None:
    grey = Image.new("I;16", (200, 100), 32_768)

    for rendition in process(encode(grey, "PNG")).renditions:
        assert close(decoded(rendition).getpixel((50, 50)), (128, 128, 128), tolerance=6)


def test_blurhash_describes_the_picture() -> None:
    processed = process(encode(photo((1200, 800)), "JPEG"))

    assert blurhash.is_valid_blurhash(processed.blurhash)
    average = blurhash.decode(processed.blurhash, 4, 4).resize((1, 1)).getpixel((0, 0))
    assert average[0] > average[2]  # mostly red


# --- Storage ---------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path


def test_store_renditions_writes_every_file_under_a_fresh_key(media: Path) -> None:
    processed = process(encode(photo(), "JPEG"))

    first = store_renditions("posts", processed)
    second = store_renditions("posts", processed)

    assert set(first) == {"full", "medium", "small", "thumb"}
    assert first["thumb"]["width"] == first["thumb"]["height"] == 300
    keys = stored_keys(first)
    assert len(keys) == 8
    assert not set(keys) & set(stored_keys(second))
    folder = keys[0].rsplit("/", 1)[0]
    assert folder.startswith("posts/")
    assert set(first["full"]["files"]) == {"webp", "jpeg"}
    assert first["full"]["files"]["webp"] == f"{folder}/full.webp"
    assert first["full"]["files"]["jpeg"] == f"{folder}/full.jpg"
    for rendition in processed.renditions:
        key = first[rendition.name]["files"][rendition.format]
        assert (media / key).read_bytes() == rendition.content
    assert rendition_url(first, "small") == f"/media/{folder}/small.webp"
    assert rendition_url(first, "small", "jpeg") == f"/media/{folder}/small.jpg"


def test_delete_stored_files_removes_them(media: Path) -> None:
    stored = store_renditions("avatars/7", process(encode(photo(), "PNG"), AVATAR_RENDITIONS))
    keys = stored_keys(stored)
    assert all(default_storage.exists(key) for key in keys)

    delete_stored_files(keys)

    assert not any(default_storage.exists(key) for key in keys)
    assert not any(path.is_file() for path in media.rglob("*"))


def test_delete_stored_files_logs_failures_instead_of_raising(
    media: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    stored = store_renditions("posts", process(encode(photo(), "PNG"), AVATAR_RENDITIONS))
    keys = stored_keys(stored)
    real_delete = FileSystemStorage.delete

    def flaky_delete(storage: FileSystemStorage, name: str) -> None:
        if name == keys[0]:
            raise OSError("storage is down")
        real_delete(storage, name)

    monkeypatch.setattr(FileSystemStorage, "delete", flaky_delete)

    with caplog.at_level(logging.ERROR, logger="instaclone.images"):
        delete_stored_files(keys)

    assert keys[0] in caplog.text
    assert not any(default_storage.exists(key) for key in keys[1:])


def test_failed_store_leaves_no_files_behind(media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    processed = process(encode(photo(), "PNG"))
    real_save = FileSystemStorage.save
    saved: list[str] = []

    def failing_save(storage: FileSystemStorage, name: str, content: object) -> str:
        if len(saved) == 3:
            raise OSError("disk full")
        saved.append(real_save(storage, name, content))
        return saved[-1]

    monkeypatch.setattr(FileSystemStorage, "save", failing_save)

    with pytest.raises(OSError, match="disk full"):
        store_renditions("posts", processed)

    assert len(saved) == 3
    assert not any(path.is_file() for path in media.rglob("*"))


@pytest.mark.parametrize("prefix", ["", "/etc", "posts/../../etc"])
def test_store_renditions_refuses_unsafe_prefixes(prefix: str) -> None:
    with pytest.raises(ValueError, match="Unsafe storage prefix"):
        store_renditions(prefix, ProcessedImage(1, 1, "", []))


def test_polyglot_payload_after_the_jpeg_never_reaches_storage(media: Path) -> None:
    payload = b"<script>alert('polyglot')</script>PK\x03\x04SECRET-ZIP"
    data = encode(photo(), "JPEG") + payload

    stored = store_renditions("posts", process(data))

    for key in stored_keys(stored):
        content = (media / key).read_bytes()
        assert b"<script>" not in content
        assert b"SECRET-ZIP" not in content
