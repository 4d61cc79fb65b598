"""Security headers: the Content-Security-Policy, and media that can never run as a page.

The browser side of the policy (no violation on any main page) is tests/browser/test_csp.py.
"""

import re
import runpy
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.test import Client
from django.urls import re_path

import instaclone.settings as settings_module
import instaclone.urls
from accounts.models import User
from instaclone.media import serve_media
from tests.factories import CommentFactory, PostFactory, UserFactory
from tests.test_storage_s3 import s3_storage  # noqa: F401 (the fixture)

# The media route exists only with local media; mount it here so its tests run in the S3 pass
# too, through the same view.
urlpatterns = [
    re_path(r"^media/(?P<path>.*)$", serve_media),
    *instaclone.urls.urlpatterns,
]
handler404 = instaclone.urls.handler404
handler500 = instaclone.urls.handler500

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle=", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+=", re.IGNORECASE)
HTMX_EVAL_ATTRIBUTE = re.compile(r"\shx-on[:-]", re.IGNORECASE)


def policy(response: object, header: str = "Content-Security-Policy") -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in response[header].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_strict_policy(directives: dict[str, list[str]]) -> None:
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"][:3] == ["'self'", "data:", "blob:"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert not any("unsafe" in source for sources in directives.values() for source in sources)


def assert_no_inline_code(html: str) -> None:
    assert not INLINE_SCRIPT.findall(html), INLINE_SCRIPT.findall(html)
    assert not STYLE_ATTRIBUTE.findall(html), STYLE_ATTRIBUTE.findall(html)[:3]
    assert not HANDLER_ATTRIBUTE.findall(html), HANDLER_ATTRIBUTE.findall(html)[:3]
    assert not HTMX_EVAL_ATTRIBUTE.findall(html)


@pytest.fixture
def alice_with_posts(alice: User, bob: User) -> User:
    """alice follows bob, who posted a carousel with a comment; alice posted too."""
    from tests.factories import follow

    follow(alice, bob)
    post = PostFactory(author=bob, photos=2, caption="Sunset #beach @alice")
    CommentFactory(post=post, author=alice, text="Lovely")
    PostFactory(author=alice)
    return alice


# --- The policy ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_send_a_strict_content_security_policy(alice_client: Client) -> None:
    response = alice_client.get("/")

    assert response.status_code == 200
    directives = policy(response)
    assert_strict_policy(directives)
    # live.js opens /ws/ on this host: 'self' covers it in current browsers, the explicit
    # source in older Safari.
    assert directives["connect-src"] == ["'self'", "ws://testserver"]


@pytest.mark.django_db
def test_websocket_source_follows_https(alice_client: Client) -> None:
    response = alice_client.get("/", secure=True)

    assert policy(response)["connect-src"] == ["'self'", "wss://testserver"]


@pytest.mark.django_db
def test_api_responses_carry_the_policy_too(alice_api: object) -> None:
    response = alice_api.get("/api/v1/me/")

    assert response.status_code == 200
    assert_strict_policy(policy(response))


@pytest.mark.django_db
def test_error_pages_carry_the_policy(client: Client) -> None:
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert_strict_policy(policy(response))


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_media_origin_is_allowed_for_images_when_media_is_elsewhere(
    alice_client: Client, settings: object
) -> None:
    # An absolute MEDIA_URL (a CDN in front of local media), as S3 and
    # AWS_S3_CUSTOM_DOMAIN give absolute URLs.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"base_url": "https://media.example.net/files/"},
        },
    }

    directives = policy(alice_client.get("/"))

    assert directives["img-src"] == ["'self'", "data:", "blob:", "https://media.example.net"]
    assert "https://media.example.net" not in directives["script-src"]


def test_report_only_switch_sends_the_policy_without_enforcing_it() -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSP_REPORT_ONLY", "1")
        mp.setenv("CSP_REPORT_URI", "/csp-reports/")
        production = runpy.run_path(settings_module.__file__)

    assert production["CONTENT_SECURITY_POLICY"] is None
    directives = production["CONTENT_SECURITY_POLICY_REPORT_ONLY"]["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"]
    assert directives["report-uri"] == ["/csp-reports/"]


# --- Pages work under it: no inline code -------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/explore/",
        "/notifications/",
        "/p/new/",
        "/saved/",
        "/search/?q=bo",
        "/bob/",
        "/alice/",
        "/accounts/edit/",
        "/accounts/password/change/",
        "/accounts/data/",
        "/accounts/delete/",
        "/accounts/requests/",
    ],
)
def test_pages_have_no_inline_scripts_styles_or_handlers(alice_with_posts: User, path: str) -> None:
    client = Client()
    client.force_login(alice_with_posts)

    response = client.get(path)

    assert response.status_code == 200
    assert_no_inline_code(response.content.decode())


@pytest.mark.django_db
def test_post_page_has_no_inline_code_and_placeholders_are_data_attributes(
    alice_with_posts: User, bob: User
) -> None:
    client = Client()
    client.force_login(alice_with_posts)
    post = bob.posts.get()

    html = client.get(f"/p/{post.pk}/").content.decode()

    assert_no_inline_code(html)
    assert html.count("data-placeholder-colour=") == 2
    assert "data-reset-on-success" in html


@pytest.mark.django_db
def test_anonymous_pages_have_no_inline_code(client: Client, bob: User) -> None:
    PostFactory(author=bob)
    for path in ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/bob/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_no_inline_code(response.content.decode())


@pytest.mark.django_db
def test_avatars_are_sized_by_classes(alice_client: Client) -> None:
    html = alice_client.get("/alice/").content.decode()

    assert re.search(r'<span class="inline-flex size-36 text-7xl[^"]*"', html)


@pytest.mark.django_db
def test_htmx_is_told_not_to_inject_styles_or_evaluate_code(alice_client: Client) -> None:
    html = alice_client.get("/").content.decode()

    assert '"includeIndicatorStyles": false' in html
    assert '"allowEval": false' in html


def test_htmx_injects_its_indicator_style_only_when_configured_to() -> None:
    # The precondition of the meta tag above: htmx's own code adds a <style> element, which
    # style-src 'self' refuses, unless includeIndicatorStyles is false.
    htmx = (Path(django_settings.BASE_DIR) / "static/js/htmx.min.js").read_text()

    assert "includeIndicatorStyles!==false" in htmx
    assert 'head.insertAdjacentHTML("beforeend",`<style' in htmx


# --- Swagger UI and the admin ------------------------------------------------------------


@pytest.mark.django_db
def test_api_docs_load_their_script_and_styles_from_urls_not_inline(client: Client) -> None:
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert not INLINE_SCRIPT.findall(html)
    assert "<style" not in html
    assert_strict_policy(policy(response))

    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


@pytest.mark.django_db
def test_admin_pages_work_under_the_policy(client: Client) -> None:
    login = client.get("/admin/login/")
    assert login.status_code == 200
    assert_strict_policy(policy(login))
    assert_no_inline_code(login.content.decode())

    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    for path in ["/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{admin.pk}/change/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert not INLINE_SCRIPT.findall(response.content.decode()), path


# --- Other headers -----------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_send_nosniff_coop_referrer_policy_and_frame_denial(client: Client) -> None:
    response = client.get("/accounts/login/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def production_security_settings() -> dict[str, object]:
    """The security settings instaclone/settings.py computes with DEBUG=0."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DEBUG", "0")
        mp.setenv("SECRET_KEY", "a-long-production-secret-" + "k" * 40)
        mp.setenv("ALLOWED_HOSTS", "testserver")
        for name in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE"):
            mp.delenv(name, raising=False)
        production = runpy.run_path(settings_module.__file__)
    names = [
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_REDIRECT_EXEMPT",
    ]
    return {name: production[name] for name in names}


@pytest.fixture
def production_security(settings: object) -> None:
    for name, value in production_security_settings().items():
        setattr(settings, name, value)


@pytest.mark.django_db
@pytest.mark.usefixtures("production_security")
def test_production_redirects_to_https_and_sends_hsts(client: Client) -> None:
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/accounts/login/"

    # The TLS-terminating proxy says so with X-Forwarded-Proto.
    response = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@pytest.mark.django_db
@pytest.mark.usefixtures("production_security")
def test_production_health_check_answers_over_plain_http(client: Client) -> None:
    # Load balancers probe the app directly, without TLS.
    assert client.get("/healthz").status_code == 200
    assert client.get("/ping").status_code == 200


@pytest.mark.django_db
@pytest.mark.usefixtures("production_security")
def test_production_cookies_are_secure_and_the_session_is_http_only(
    client: Client, alice: User, password: str
) -> None:
    page = client.get("/accounts/login/", secure=True)
    assert page.cookies["csrftoken"]["secure"] is True

    response = client.post(
        "/accounts/login/", {"username": "alice", "password": password}, secure=True
    )

    assert response.status_code == 302
    session = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert session["secure"] is True
    assert session["httponly"] is True


# --- Media -------------------------------------------------------------------------------


@pytest.fixture
def media_root(settings: object, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "served-media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("name", "content_type"),
    [("a/photo.webp", "image/webp"), ("a/photo.jpg", "image/jpeg"), ("a/p.PNG", "image/png")],
)
def test_local_media_is_served_with_its_image_type_nosniff_and_a_sandbox(
    client: Client, media_root: Path, name: str, content_type: str
) -> None:
    # HTML bytes under an image name: the browser must still treat it as an image.
    (media_root / name).parent.mkdir(parents=True, exist_ok=True)
    (media_root / name).write_bytes(b"<html><script>alert(1)</script></html>")

    response = client.get(f"/media/{name}")

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert not response.get("Content-Disposition", "").startswith("attachment")
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    "name", ["evil.html", "evil.htm", "evil.svg", "evil.js", "evil", "a.jpg.gz"]
)
def test_stored_file_with_an_unsafe_name_is_never_served(
    client: Client, media_root: Path, name: str
) -> None:
    (media_root / name).write_bytes(b"<html><script>alert(1)</script></html>")

    response = client.get(f"/media/{name}")

    assert response.status_code == 404
    assert b"alert(1)" not in response.content


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize("name", ["export.zip", "profile.json"])
def test_private_files_in_media_are_not_public(client: Client, media_root: Path, name: str) -> None:
    # Data-export archives live in the media storage; only their owner's download view
    # serves them.
    (media_root / name).write_bytes(b"PK\x05\x06" + b"\0" * 18)

    assert client.get(f"/media/{name}").status_code == 404


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_media_path_traversal_is_refused(client: Client, media_root: Path) -> None:
    (media_root.parent / "secret.jpg").write_bytes(b"secret")

    response = client.get("/media/../secret.jpg")

    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_media_is_read_only(client: Client, media_root: Path) -> None:
    (media_root / "photo.jpg").write_bytes(b"jpeg")

    assert client.post("/media/photo.jpg").status_code == 405


# --- Media on S3: the object's own headers decide how the bucket serves it -----------------


@pytest.fixture
def s3_media_storage(request: pytest.FixtureRequest) -> Storage:
    """The project's S3 media storage (CI's S3 pass), or the same against a moto server
    (tests/test_storage_s3.py's module fixture)."""
    return request.getfixturevalue("s3_storage")


@pytest.fixture
def s3_prefix(s3_media_storage: Storage) -> Iterator[str]:
    prefix = f"test-security/{uuid.uuid4().hex}"
    yield prefix
    s3_media_storage.bucket.objects.filter(Prefix=f"{prefix}/").delete()


def _head(storage: Storage, name: str) -> dict[str, object]:
    return storage.connection.meta.client.head_object(Bucket=storage.bucket_name, Key=name)


def test_s3_object_with_an_html_name_is_stored_as_a_download(
    s3_media_storage: Storage, s3_prefix: str
) -> None:
    upload = ContentFile(b"<html><script>alert(1)</script></html>", name="page.html")
    upload.content_type = "text/html"
    name = s3_media_storage.save(f"{s3_prefix}/page.html", upload)

    head = _head(s3_media_storage, name)
    assert head["ContentType"] == "application/octet-stream"
    assert head["ContentDisposition"] == "attachment"
    with httpx.Client(trust_env=False, timeout=10) as http:
        served = http.get(s3_media_storage.url(name))
    assert served.headers["content-type"] == "application/octet-stream"


def test_s3_archives_download_and_images_display(s3_media_storage: Storage, s3_prefix: str) -> None:
    archive = s3_media_storage.save(f"{s3_prefix}/export.zip", ContentFile(b"PK"))
    photo = s3_media_storage.save(f"{s3_prefix}/photo.webp", ContentFile(b"RIFF"))

    assert _head(s3_media_storage, archive)["ContentType"] == "application/zip"
    assert _head(s3_media_storage, archive)["ContentDisposition"] == "attachment"
    assert _head(s3_media_storage, photo)["ContentType"] == "image/webp"
    assert "ContentDisposition" not in _head(s3_media_storage, photo)
