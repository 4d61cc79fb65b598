"""The S3 media storage: django-storages' S3Storage with the content type fixed server-side."""

import mimetypes

from storages.backends.s3 import S3Storage


class MediaStorage(S3Storage):
    """S3Storage takes the content type from the uploaded object before the file name, so
    a client-declared `text/html` would be served as HTML from our bucket. Media keys are
    server-generated with a known extension: the extension alone decides."""

    def get_object_parameters(self, name: str) -> dict[str, str]:
        params = super().get_object_parameters(name)
        params["ContentType"] = mimetypes.guess_type(name)[0] or self.default_content_type
        return params
