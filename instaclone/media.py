"""The types media is stored and served as, and the local media view of the embedded setup.

A stored file must never be served as HTML or script, whatever its key or bytes: the type
comes from an allowlist of extensions (never from the file or the uploader), anything that
is not a picture is stored as a download (instaclone/media_storage.py) and never served
from /media/, and every media response carries `nosniff` and a policy that forbids running
or loading anything.
"""

from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404, HttpRequest, HttpResponseBase
from django.views.decorators.http import require_safe
from django.views.static import serve

# The extensions this server writes (image renditions, avatars, data-export archives).
MEDIA_CONTENT_TYPES: dict[str, str] = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".zip": "application/zip",
    ".json": "application/json",
}
FALLBACK_CONTENT_TYPE = "application/octet-stream"
# Sent with every media file: a file opened directly in a tab can run nothing, load nothing.
MEDIA_CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox"


def media_content_type(name: str) -> str:
    """The type a stored file is served as: from its extension, never from its content."""
    return MEDIA_CONTENT_TYPES.get(PurePosixPath(name).suffix.lower(), FALLBACK_CONTENT_TYPE)


def is_inline_type(content_type: str) -> bool:
    """Pictures are shown in the page; everything else is downloaded."""
    return content_type.startswith("image/")


@require_safe
def serve_media(request: HttpRequest, path: str) -> HttpResponseBase:
    """Local media (the embedded setup; production serves media from S3 or the proxy).

    Only pictures: other stored files (data-export archives) are private and reach their
    owner through a view that checks who asks, never through this public URL."""
    content_type = media_content_type(path)
    if not is_inline_type(content_type):
        raise Http404("No such media file.")
    try:
        response = serve(request, path, document_root=settings.MEDIA_ROOT)
    except SuspiciousFileOperation as error:  # a path outside MEDIA_ROOT
        raise Http404("No such media file.") from error
    response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CONTENT_SECURITY_POLICY
    return response
