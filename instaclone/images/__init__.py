"""The image pipeline shared by post photos and avatars.

`process_image` turns an untrusted upload into clean renditions: it identifies the file by
decoding it (never by name or Content-Type), refuses oversized files and pixel bombs before
pixels are decoded, applies EXIF orientation, converts to sRGB, drops every metadata block
and encodes each rendition of a spec list. `store_renditions` and `delete_stored_files` put
the result in (and take it out of) `default_storage` under server-generated keys.
"""

from instaclone.images.pipeline import ImageLimits, ImageRejected, process_image
from instaclone.images.specs import (
    AVATAR_RENDITIONS,
    JPEG,
    POST_RENDITIONS,
    WEBP,
    WEBP_LARGE,
    EncodedRendition,
    OutputFormat,
    ProcessedImage,
    RenditionSpec,
)
from instaclone.images.storage import (
    StoredRendition,
    delete_stored_files,
    rendition_url,
    store_renditions,
    stored_keys,
)

__all__ = [
    "AVATAR_RENDITIONS",
    "JPEG",
    "POST_RENDITIONS",
    "WEBP",
    "WEBP_LARGE",
    "EncodedRendition",
    "ImageLimits",
    "ImageRejected",
    "OutputFormat",
    "ProcessedImage",
    "RenditionSpec",
    "StoredRendition",
    "delete_stored_files",
    "process_image",
    "rendition_url",
    "store_renditions",
    "stored_keys",
]
