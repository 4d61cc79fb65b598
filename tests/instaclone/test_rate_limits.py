"""Rate limits on writes, account actions and anonymous search: one counter per user (or
client address) shared by the pages, their htmx actions and the API; 429 with
Retry-After past it."""

from collections.abc import Callable
from itertools import count

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from posts.models import Post
from tests.conftest import bearer_client
from tests.factories import DEFAULT_PASSWORD, PostFactory, make_private, small_image_file

STRONG_PASSWORD = "velvet-otter-lantern-42"
Action = Callable[[], object]


@pytest.fixture
def limits(settings: object) -> Callable[..., None]:
    """Turns limits on (tests/conftest.py turns them off) with the given tiny rates."""

    def set_rates(**rates: str) -> None:
        settings.RATE_LIMITS_ENABLED = True
        settings.RATE_LIMIT_RATES = {**settings.RATE_LIMIT_RATES, **rates}

    return set_rates


@pytest.fixture
def bob_post(bob: User) -> Post:
    return PostFactory(author=bob)


def page_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_api_limited(response: object) -> None:
    assert response.status_code == 429  # type: ignore[attr-defined]
    assert 0 < int(response["Retry-After"]) <= 3600  # type: ignore[index]
    assert response.json()["detail"].startswith("Too many requests. Please try again in")  # type: ignore[attr-defined]


def assert_page_limited(response: object) -> None:
    assert response.status_code == 429  # type: ignore[attr-defined]
    assert 0 < int(response["Retry-After"]) <= 3600  # type: ignore[index]
    assert "429.html" in [template.name for template in response.templates]  # type: ignore[attr-defined]
    assert "You can try again in 60 minutes" in response.content.decode()  # type: ignore[attr-defined]


# --- Writes: one counter per user across the API and the pages ---------------------------


def _write_actions(user: User, bob: User, bob_post: Post, charlie: User) -> dict:
    """scope -> (API request, page request), each a new write of `user`."""
    api, page = bearer_client(user), page_client(user)
    n = count()
    return {
        "like": (
            lambda: api.post(f"/api/v1/posts/{bob_post.pk}/like/"),
            lambda: page.post(f"/p/{bob_post.pk}/like/", {"liked": "1"}),
        ),
        "follow": (
            lambda: api.post("/api/v1/users/bob/follow/"),
            lambda: page.post("/bob/follow/", {"follow": "1"}),
        ),
        "follow request": (
            lambda: api.post("/api/v1/users/charlie/follow/"),
            lambda: page.post("/charlie/follow/", {"follow": "1"}),
        ),
        "comment_create": (
            lambda: api.post(f"/api/v1/posts/{bob_post.pk}/comments/", {"text": f"Nice {next(n)}"}),
            lambda: page.post(f"/p/{bob_post.pk}/comments/", {"text": f"Nice {next(n)}"}),
        ),
        "post_create": (
            lambda: api.post(
                "/api/v1/posts/",
                {"images": [small_image_file()], "caption": "API"},
                format="multipart",
            ),
            lambda: page.post("/p/new/", {"images": [small_image_file()], "caption": "Page"}),
        ),
        "report": (
            lambda: api.post(
                "/api/v1/reports/",
                {"target_type": "post", "target_id": bob_post.pk, "reason": "Spam"},
            ),
            lambda: page.post("/bob/report/", {"reason": "Impersonation"}),
        ),
    }


SCOPE_OF = {"follow request": "follow"}
WRITES = ["like", "follow", "follow request", "comment_create", "post_create", "report"]


@pytest.mark.parametrize("write", WRITES)
def test_write_limit_is_one_counter_for_api_and_pages(
    write: str,
    alice: User,
    bob: User,
    charlie: User,
    bob_post: Post,
    limits: Callable[..., None],
) -> None:
    make_private(charlie)
    limits(**{SCOPE_OF.get(write, write): "2/hour"})
    api, page = _write_actions(alice, bob, bob_post, charlie)[write]

    assert api().status_code in {200, 201}
    assert page().status_code == 302
    assert_api_limited(api())
    assert_page_limited(page())


@pytest.mark.parametrize("write", WRITES)
def test_write_limit_is_per_user(
    write: str,
    alice: User,
    bob: User,
    charlie: User,
    bob_post: Post,
    limits: Callable[..., None],
) -> None:
    make_private(charlie)
    limits(**{SCOPE_OF.get(write, write): "1/hour"})
    alice_api, _ = _write_actions(alice, bob, bob_post, charlie)[write]
    dave_api, _ = _write_actions(User.objects.create_user("dave"), bob, bob_post, charlie)[write]

    assert alice_api().status_code in {200, 201}
    assert alice_api().status_code == 429
    assert dave_api().status_code in {200, 201}


def test_refused_write_changes_nothing(
    alice: User, bob: User, charlie: User, bob_post: Post, limits: Callable[..., None]
) -> None:
    limits(comment_create="1/hour")
    api, page = _write_actions(alice, bob, bob_post, charlie)["comment_create"]
    api()
    api()
    page()
    bob_post.refresh_from_db()
    assert bob_post.comments_count == 1


def test_reading_is_not_counted_against_a_write_limit(
    alice_api: APIClient, bob_post: Post, limits: Callable[..., None]
) -> None:
    limits(comment_create="1/hour")
    url = f"/api/v1/posts/{bob_post.pk}/comments/"
    assert alice_api.post(url, {"text": "First"}).status_code == 201
    for _ in range(3):
        assert alice_api.get(url).status_code == 200


def test_htmx_action_past_the_limit_gets_a_short_answer_and_a_message(
    alice: User, bob_post: Post, limits: Callable[..., None]
) -> None:
    limits(like="1/hour")
    client = page_client(alice)
    like = f"/p/{bob_post.pk}/like/"
    assert client.post(like, {"liked": "1"}, headers={"HX-Request": "true"}).status_code == 200

    refused = client.post(like, {"liked": "0"}, headers={"HX-Request": "true"})

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.content.decode().startswith("Too many requests. Please try again in")
    assert "Too many requests" in client.get(f"/p/{bob_post.pk}/").content.decode()


def test_no_limit_when_rate_limits_are_off(
    alice_api: APIClient, bob_post: Post, settings: object
) -> None:
    settings.RATE_LIMITS_ENABLED = False
    settings.RATE_LIMIT_RATES = {**settings.RATE_LIMIT_RATES, "like": "1/hour"}
    for _ in range(5):
        assert alice_api.post(f"/api/v1/posts/{bob_post.pk}/like/").status_code == 200


# --- Account actions ---------------------------------------------------------------------


def test_password_change_limit_is_shared_by_api_and_page(
    alice: User, limits: Callable[..., None]
) -> None:
    limits(password_change="2/hour")
    api, page = bearer_client(alice), page_client(alice)
    wrong_api = {"old_password": "wrong-wrong", "new_password": STRONG_PASSWORD}
    wrong_page = {
        "old_password": "wrong-wrong",
        "new_password1": STRONG_PASSWORD,
        "new_password2": STRONG_PASSWORD,
    }

    assert api.post("/api/v1/auth/password-change/", wrong_api).status_code == 400
    assert page.post("/accounts/password/change/", wrong_page).status_code == 200
    assert_api_limited(api.post("/api/v1/auth/password-change/", wrong_api))
    right = {**wrong_page, "old_password": DEFAULT_PASSWORD}
    assert_page_limited(page.post("/accounts/password/change/", right))
    alice.refresh_from_db()
    assert alice.check_password(DEFAULT_PASSWORD)


def test_password_reset_limit_is_per_address_across_api_and_page(
    alice: User, limits: Callable[..., None]
) -> None:
    limits(password_reset="2/hour")
    email = {"email": "alice@example.com"}
    assert APIClient().post("/api/v1/auth/password-reset/", email).status_code == 202
    assert Client().post("/accounts/password/reset/", email).status_code == 302

    assert_page_limited(Client().post("/accounts/password/reset/", email))
    assert_api_limited(APIClient().post("/api/v1/auth/password-reset/", email))
    other_address = APIClient().post(
        "/api/v1/auth/password-reset/", email, REMOTE_ADDR="192.0.2.44"
    )
    assert other_address.status_code == 202


def test_reset_emails_to_one_address_are_capped_whoever_asks(
    alice: User, limits: Callable[..., None], mailoutbox: list
) -> None:
    limits(password_reset_email="2/hour")
    email = {"email": "ALICE@example.com"}
    for number in range(4):
        client = APIClient(REMOTE_ADDR=f"192.0.2.{number + 10}")
        # The same answer every time: nothing tells the asker the cap was reached.
        assert client.post("/api/v1/auth/password-reset/", email).status_code == 202
    assert [message.to for message in mailoutbox] == [["alice@example.com"]] * 2


def test_registration_limit_is_per_address_across_api_and_page(
    db: None, limits: Callable[..., None]
) -> None:
    limits(register="2/hour")

    def account(name: str) -> dict:
        return {"username": name, "email": f"{name}@example.com", "password": STRONG_PASSWORD}

    assert APIClient().post("/api/v1/auth/register/", account("una")).status_code == 201
    assert Client().post("/accounts/signup/", account("vic")).status_code == 302
    assert_page_limited(Client().post("/accounts/signup/", account("wes")))
    assert_api_limited(APIClient().post("/api/v1/auth/register/", account("xan")))
    assert not User.objects.filter(username__in=["wes", "xan"]).exists()
    assert Client().get("/accounts/signup/").status_code == 200


# --- Anonymous search --------------------------------------------------------------------


def test_anonymous_search_is_limited_per_address_across_api_and_page(
    alice: User, limits: Callable[..., None]
) -> None:
    limits(search="2/min")
    assert Client().get("/search/", {"q": "a"}).status_code == 200
    assert APIClient().get("/api/v1/users/", {"q": "a"}).status_code == 200

    refused_page = Client().get("/search/", {"q": "a"})
    refused_api = APIClient().get("/api/v1/users/", {"q": "a"})

    assert refused_page.status_code == 429
    assert int(refused_page["Retry-After"]) <= 60
    assert "try again in" in refused_page.content.decode()
    assert refused_api.status_code == 429
    assert int(refused_api["Retry-After"]) <= 60
    assert Client().get("/search/", {"q": "a"}, REMOTE_ADDR="192.0.2.7").status_code == 200


def test_logged_in_search_is_not_limited(
    alice: User, alice_api: APIClient, alice_client: Client, limits: Callable[..., None]
) -> None:
    limits(search="1/min")
    for _ in range(3):
        assert alice_client.get("/search/", {"q": "a"}).status_code == 200
        assert alice_api.get("/api/v1/users/", {"q": "a"}).status_code == 200


def test_forged_forwarded_for_does_not_reset_the_search_limit(
    alice: User, limits: Callable[..., None], settings: object
) -> None:
    limits(search="2/min")
    settings.NUM_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.254"}

    def search(forwarded_for: str) -> int:
        client = APIClient()
        response = client.get(
            "/api/v1/users/", {"q": "al"}, HTTP_X_FORWARDED_FOR=forwarded_for, **proxy
        )
        return response.status_code

    assert search("192.0.2.1, 198.51.100.5") == 200
    assert search("192.0.2.2, 198.51.100.5") == 200
    assert search("192.0.2.3, 198.51.100.5") == 429
    assert search("not-an-address, 198.51.100.5") == 429
    # A different client behind the same proxy has its own count.
    assert search("198.51.100.6") == 200


def test_too_long_search_term_is_refused_by_the_api_and_cut_on_the_page(
    alice: User, client: Client, api_client: APIClient
) -> None:
    long_term = "a" * 5000

    api = api_client.get("/api/v1/users/", {"q": long_term})
    page = client.get("/search/", {"q": long_term})

    assert api.status_code == 400
    assert "q" in api.json()
    assert page.status_code == 200
    assert page.context["query"] == "a" * 100


def test_short_search_term_matches_only_the_start_of_names(
    alice: User, bob: User, api_client: APIClient
) -> None:
    """Matched anywhere, one or two letters hit most accounts: a scan of the whole table."""

    def found(term: str) -> list[str]:
        response = api_client.get("/api/v1/users/", {"q": term})
        return [user["username"] for user in response.json()["results"]]

    assert found("b") == ["bob"]
    assert found("o") == []
    assert found("ob") == []
    assert found("bob") == ["bob"]
    assert "bob" in found("uil")  # "Bob Builder", matched anywhere from three letters
