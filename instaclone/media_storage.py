"""The S3 media storage: django-storages' S3Storage with the content type fixed server-side."""

from storages.backends.s3 import S3Storage

from instaclone.media import is_inline_type, media_content_type


class MediaStorage(S3Storage):
    """S3Storage takes the content type from the uploaded object before the file name, so
    a client-declared `text/html` would be served as HTML from our bucket. Media keys are
    server-generated with a known extension: the extension alone decides, through the same
    allowlist as local media (an unknown extension is stored as application/octet-stream),
    and anything that is not a picture is stored to be downloaded, never displayed."""

    def get_object_parameters(self, name: str) -> dict[str, str]:
        params = super().get_object_parameters(name)
        params["ContentType"] = media_content_type(name)
        if not is_inline_type(params["ContentType"]):
            params.setdefault("ContentDisposition", "attachment")
        return params
