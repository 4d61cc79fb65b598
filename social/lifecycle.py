"""What social contributes to an account's lifecycle (accounts cannot import social).

- "Download your data": followers.json and following.json (accounts.export sections).
- Deleting an account (accounts.services.user_deleting, inside its transaction): the
  followers_count and following_count of everyone the user followed or was followed by
  drop by one, and those follows go. Follow requests, blocks and notifications, sent and
  received, count nothing on others: the user row's cascade deletes them.
"""

from collections.abc import Iterator
from typing import Any

from accounts import export
from accounts.models import User
from accounts.services import user_deleting
from instaclone.counts import decremented
from social.models import Follow


def _people(rows: Any, other: str) -> Iterator[dict[str, Any]]:
    fields = (f"{other}__username", f"{other}__full_name", "created_at")
    for username, full_name, created_at in rows.values_list(*fields).iterator():
        yield {"username": username, "full_name": full_name, "since": created_at}


def _write_followers(user: User, archive: export.ExportArchive) -> None:
    rows = Follow.objects.filter(followee=user).order_by("created_at", "pk")
    archive.write_json_list("followers.json", _people(rows, "follower"))
    archive.advance()


def _write_following(user: User, archive: export.ExportArchive) -> None:
    rows = Follow.objects.filter(follower=user).order_by("created_at", "pk")
    archive.write_json_list("following.json", _people(rows, "followee"))
    archive.advance()


def _release_follows(sender: type[User], user: User, **kwargs: Any) -> None:
    # Follow rows are unique per pair: one decrement per other user, in one UPDATE each.
    User.objects.filter(follower_rows__follower=user).update(
        followers_count=decremented("followers_count")
    )
    User.objects.filter(following_rows__followee=user).update(
        following_count=decremented("following_count")
    )
    Follow.objects.filter(follower=user).delete()
    Follow.objects.filter(followee=user).delete()


def connect() -> None:
    export.register_section("followers", _write_followers)
    export.register_section("following", _write_following)
    user_deleting.connect(_release_follows, sender=User, dispatch_uid="social_release_follows")
