"""Production static URLs come from the manifest, worked out once per name."""

import json
from pathlib import Path

import pytest

from instaclone.static_storage import ManifestStaticStorage


@pytest.fixture
def storage(tmp_path: Path, settings: object) -> ManifestStaticStorage:
    settings.DEBUG = False
    manifest = {"version": "1.1", "hash": "0", "paths": {"css/app.css": "css/app.4f2a9.css"}}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return ManifestStaticStorage(location=str(tmp_path), base_url="/static/")


def test_a_name_s_url_is_its_hashed_file_s(storage: ManifestStaticStorage) -> None:
    assert storage.url("css/app.css") == "/static/css/app.4f2a9.css"
    assert storage.url("css/app.css") == "/static/css/app.4f2a9.css"


def test_a_name_missing_from_the_manifest_fails_every_time(
    storage: ManifestStaticStorage,
) -> None:
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")


def test_manifests_are_per_storage(tmp_path: Path, settings: object) -> None:
    settings.DEBUG = False
    urls = []
    for number in (1, 2):
        folder = tmp_path / str(number)
        folder.mkdir()
        paths = {"app.js": f"app.{number}.js"}
        (folder / "staticfiles.json").write_text(json.dumps({"version": "1.1", "paths": paths}))
        urls.append(ManifestStaticStorage(location=str(folder), base_url="/s/").url("app.js"))
    assert urls == ["/s/app.1.js", "/s/app.2.js"]
