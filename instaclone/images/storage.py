"""Storing renditions under server-generated keys, and deleting them."""

import logging
import uuid
from collections.abc import Iterable, Mapping
from typing import TypedDict

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from instaclone.images.specs import ProcessedImage

logger = logging.getLogger(__name__)


class StoredRendition(TypedDict):
    """One stored rendition: its size and the storage key of each format, by format name."""

    width: int
    height: int
    files: dict[str, str]


def store_renditions(prefix: str, processed: ProcessedImage) -> dict[str, StoredRendition]:
    """Save every rendition in `default_storage`; return a JSON-ready map by rendition name.

    Keys are `<prefix>/<uuid>/<name>.<ext>`, so nothing is ever overwritten and the content
    type a storage derives from the extension is one this server chose. If a save fails,
    the files saved so far are deleted and the error propagates.
    """
    if not prefix or prefix.startswith("/") or ".." in prefix.split("/"):
        raise ValueError(f"Unsafe storage prefix: {prefix!r}")
    folder = f"{prefix.rstrip('/')}/{uuid.uuid4().hex}"
    stored: dict[str, StoredRendition] = {}
    try:
        for rendition in processed.renditions:
            entry = stored.setdefault(
                rendition.name,
                {"width": rendition.width, "height": rendition.height, "files": {}},
            )
            content = ContentFile(rendition.content)
            # S3 storages take the Content-Type from the file object when it has one.
            content.content_type = rendition.content_type  # type: ignore[attr-defined]
            key = f"{folder}/{rendition.name}.{rendition.extension}"
            entry["files"][rendition.format] = default_storage.save(key, content)
    except BaseException:
        delete_stored_files(stored_keys(stored))
        raise
    return stored


def stored_keys(stored: Mapping[str, StoredRendition]) -> list[str]:
    """Every storage key in a `store_renditions` result, for `delete_stored_files`."""
    return [key for rendition in stored.values() for key in rendition["files"].values()]


def delete_stored_files(keys: Iterable[str]) -> None:
    """Delete files from `default_storage`, logging failures instead of raising.

    Meant to run after a commit (`transaction.on_commit`), when the rows pointing at the
    files are already gone: a failure leaves an orphan file, never a broken page.
    """
    for key in keys:
        try:
            default_storage.delete(key)
        except Exception:
            logger.exception("Could not delete stored file %s", key)


def rendition_url(
    stored: Mapping[str, StoredRendition], name: str, preferred: str = "webp"
) -> str | None:
    """The public URL of one stored rendition, in the preferred format when it exists."""
    rendition = stored.get(name)
    if not rendition:
        return None
    files = rendition["files"]
    key = files.get(preferred) or next(iter(files.values()), None)
    return default_storage.url(key) if key else None
