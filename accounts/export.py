"""Download your data: the archive's sections, how an archive is built, how it is served.

accounts sits below social and posts (DESIGN.md, Layers) and cannot read their tables, so
the archive is assembled from *sections*: each app registers the files it contributes
with `register_section` in its AppConfig.ready() (social: followers, following; posts:
posts with their photos, comments, likes, saved). accounts contributes profile.json.

`build_export` runs outside any request (accounts.tasks starts it after the commit that
created the DataExport row). It streams the ZIP into a temporary file, one photo at a
time, so memory stays bounded whatever the account's size, then saves that file through
the default storage (local disk or S3) under an unguessable key, and records progress on
the row as it goes.
"""

import json
import logging
import secrets
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.http import FileResponse, Http404, HttpResponseBase, HttpResponseRedirect
from django.utils import timezone

from accounts.models import DataExport, User
from instaclone.images import delete_stored_files

logger = logging.getLogger(__name__)

# A progress write at most this often (seconds): the bar moves, the database is not flooded.
PROGRESS_WRITE_INTERVAL = 0.5
# The storage's presigned download link, when it makes one, is valid this long (seconds).
PRESIGNED_URL_SECONDS = 300
COPY_CHUNK_BYTES = 1024 * 1024

SectionWriter = Callable[[User, "ExportArchive"], None]
SectionSize = Callable[[User], int]


@dataclass(frozen=True)
class ExportSection:
    """Files one app contributes. `write` adds them to the archive and calls
    `archive.advance()` once per unit of work; `size` says how many units there will be
    (photos or rows, roughly), so the progress bar is fair across sections."""

    name: str
    write: SectionWriter
    size: SectionSize


_sections: dict[str, ExportSection] = {}


def _one_unit(user: User) -> int:
    return 1


def register_section(name: str, write: SectionWriter, *, size: SectionSize = _one_unit) -> None:
    """Add (or replace, by name: AppConfig.ready may run twice) a section of every archive.
    Sections are written in registration order."""
    _sections[name] = ExportSection(name=name, write=write, size=size)


def registered_sections() -> list[ExportSection]:
    return list(_sections.values())


class ExportArchive:
    """The ZIP being written. Names are chosen by the sections (server-side, never from
    user input). JSON is compressed; photos are stored as they are (JPEG is compressed)."""

    def __init__(self, zip_file: zipfile.ZipFile, on_advance: Callable[[int], None]) -> None:
        self._zip = zip_file
        self._on_advance = on_advance
        self.names: list[str] = []

    def advance(self, units: int = 1) -> None:
        self._on_advance(units)

    def write_json(self, name: str, data: object) -> None:
        self.names.append(name)
        self._zip.writestr(name, _dumps(data), compress_type=zipfile.ZIP_DEFLATED)

    def write_json_list(self, name: str, items: Iterable[Mapping[str, Any]]) -> None:
        """A JSON array written item by item: a long list never sits in memory whole."""
        self.names.append(name)
        with self._zip.open(_zip_info(name, zipfile.ZIP_DEFLATED), "w") as out:
            out.write(b"[")
            for index, item in enumerate(items):
                out.write(b",\n" if index else b"\n")
                out.write(_dumps(item, indent=None).encode())
            out.write(b"\n]\n")

    def write_text(self, name: str, text: str) -> None:
        self.names.append(name)
        self._zip.writestr(name, text, compress_type=zipfile.ZIP_DEFLATED)

    def write_stored_file(self, name: str, key: str) -> bool:
        """Copy a file of the default storage into the archive in chunks. False (and a
        log line) when it cannot be read: one lost file must not lose the whole export."""
        try:
            with (
                default_storage.open(key, "rb") as source,
                self._zip.open(_zip_info(name, zipfile.ZIP_STORED), "w") as out,
            ):
                shutil.copyfileobj(source, out, COPY_CHUNK_BYTES)
        except OSError:
            logger.warning("Export: could not read stored file %s", key, exc_info=True)
            return False
        self.names.append(name)
        return True


def _zip_info(name: str, compress_type: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=time.gmtime()[:6])
    info.compress_type = compress_type
    return info


def _dumps(data: object, indent: int | None = 2) -> str:
    return json.dumps(data, indent=indent, ensure_ascii=False, default=_json_default)


def _json_default(value: object) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[no-any-return]
    raise TypeError(f"Not JSON serialisable: {type(value).__name__}")


def best_stored_key(renditions: Mapping[str, Any], name: str) -> tuple[str, str] | None:
    """(storage key, file extension) of one stored rendition, JPEG preferred (every
    viewer opens it), or None when that rendition is missing."""
    files = (renditions.get(name) or {}).get("files") or {}
    for fmt in ("jpeg", *files):
        key = files.get(fmt)
        if key:
            return key, key.rsplit(".", 1)[-1] if "." in key else fmt
    return None


# --- accounts' own section ---------------------------------------------------------------


def _write_profile(user: User, archive: ExportArchive) -> None:
    avatar_file = None
    stored = best_stored_key(user.avatar or {}, "medium")
    if stored is not None:
        key, extension = stored
        if archive.write_stored_file(f"avatar.{extension}", key):
            avatar_file = f"avatar.{extension}"
    archive.write_json(
        "profile.json",
        {
            "username": user.username,
            "email": user.email,
            "full_name": user.full_name,
            "bio": user.bio,
            "website": user.website,
            "is_private": user.is_private,
            "date_joined": user.date_joined,
            "followers_count": user.followers_count,
            "following_count": user.following_count,
            "posts_count": user.posts_count,
            "avatar": avatar_file,
        },
    )
    archive.advance()


register_section("profile", _write_profile)


README_TEXT = """\
Your {site} data
{underline}

Exported for @{username} on {date} (UTC).

profile.json    your profile; "avatar" names the picture file in this archive, if any
posts.json      your posts, oldest first: caption, hashtags, alt texts, like and
                comment counts; each photo's "file" is in photos/ at original quality
comments.json   the comments you wrote, with the id of the post they are on
likes.json      the posts you liked
saved.json      the posts you saved
followers.json  the accounts that follow you
following.json  the accounts you follow

Times are ISO 8601 in UTC. Post ids are the ones in the site's links (/p/<id>/).
"""


def _readme(user: User) -> str:
    site = getattr(settings, "SITE_NAME", "Instaclone")
    title = f"Your {site} data"
    return README_TEXT.format(
        site=site,
        underline="=" * len(title),
        username=user.username,
        date=timezone.now().strftime("%Y-%m-%d %H:%M"),
    )


# --- Building ------------------------------------------------------------------------------


class _Progress:
    """Turns units of work into the row's percentage, written at most twice a second.
    Stays below 100 until the file is stored: 100 means ready."""

    def __init__(self, export_id: int, total: int) -> None:
        self.export_id = export_id
        self.total = max(total, 1)
        self.done = 0
        self.written = 0
        self.written_at = 0.0

    def __call__(self, units: int) -> None:
        self.done += units
        percent = min(99, self.done * 100 // self.total)
        now = time.monotonic()
        if percent > self.written and now - self.written_at >= PROGRESS_WRITE_INTERVAL:
            DataExport.objects.filter(pk=self.export_id, status=DataExport.Status.RUNNING).update(
                progress=percent, updated_at=timezone.now()
            )
            self.written, self.written_at = percent, now


def archive_filename(export: DataExport) -> str:
    return f"{export.user.username}-data-{export.created_at:%Y%m%d}.zip"


def _write_archive(user: User, out: IO[bytes], progress: _Progress) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        archive = ExportArchive(zf, progress)
        for section in registered_sections():
            section.write(user, archive)
        archive.write_text("README.txt", _readme(user))


def build_export(*, export_id: int) -> None:
    """Build the archive of a pending export and mark it ready (or failed).

    Claims the row first (pending -> running), so a task delivered twice builds once.
    If the export or its user is deleted meanwhile, the stored file is deleted again.
    """
    claimed = DataExport.objects.filter(pk=export_id, status=DataExport.Status.PENDING).update(
        status=DataExport.Status.RUNNING, progress=0, updated_at=timezone.now()
    )
    if not claimed:
        return
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None:  # deleted with its account since it was claimed
        return
    user = export.user
    key = ""
    try:
        sections = registered_sections()
        progress = _Progress(export_id, sum(section.size(user) for section in sections))
        with tempfile.TemporaryFile(suffix=".zip") as out:
            _write_archive(user, out, progress)
            size = out.tell()
            out.seek(0)
            # A fresh random folder per archive: the key is the secret, never rendered.
            name = f"exports/{secrets.token_urlsafe(24)}/{archive_filename(export)}"
            key = default_storage.save(name, File(out, name=name))
    except Exception:
        logger.exception("Export %s of user %s failed", export_id, user.pk)
        if key:
            delete_stored_files([key])
        _finish(export_id, status=DataExport.Status.FAILED)
        return
    if not _finish(export_id, status=DataExport.Status.READY, file_key=key, file_size=size):
        delete_stored_files([key])


def _finish(export_id: int, *, status: str, **fields: object) -> bool:
    now = timezone.now()
    if status == DataExport.Status.READY:
        fields |= {
            "progress": 100,
            "expires_at": now + timedelta(days=settings.DATA_EXPORT_RETENTION_DAYS),
        }
    updated = DataExport.objects.filter(pk=export_id, status=DataExport.Status.RUNNING).update(
        status=status, finished_at=now, updated_at=now, **fields
    )
    return bool(updated)


# --- Serving -------------------------------------------------------------------------------


def _presigns(storage: Storage) -> bool:
    """An S3-like storage that signs its URLs: the browser can fetch from it directly."""
    return bool(getattr(storage, "querystring_auth", False)) and not getattr(
        storage, "custom_domain", None
    )


def export_download_response(export: DataExport) -> HttpResponseBase:
    """The archive as an attachment, for a view that already checked the owner. From S3,
    a redirect to a short-lived signed link; otherwise streamed from the storage."""
    if not export.is_downloadable:
        raise Http404("This export is not available.")
    filename = archive_filename(export)
    if _presigns(default_storage):
        url = default_storage.url(
            export.file_key,
            parameters={"ResponseContentDisposition": f'attachment; filename="{filename}"'},
            expire=PRESIGNED_URL_SECONDS,
        )
        response: HttpResponseBase = HttpResponseRedirect(url)
    else:
        try:
            source = default_storage.open(export.file_key, "rb")
        except OSError as error:
            raise Http404("This export is not available.") from error
        response = FileResponse(
            source, as_attachment=True, filename=filename, content_type="application/zip"
        )
    response["Cache-Control"] = "private, no-store"
    return response
