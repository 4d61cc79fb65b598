"""What posts contributes to an account's lifecycle (accounts cannot import posts).

- "Download your data" (accounts.export sections): posts.json with every photo at
  original quality (the stored "full" rendition, JPEG) in photos/, comments.json,
  likes.json and saved.json.
- Deleting an account (accounts.services.user_deleting, inside its transaction): the
  user's posts go through `post_delete` (their files leave storage after the commit,
  their notifications go), and the likes_count and comments_count of other people's
  posts the user liked or commented on drop by what the user added; then the likes,
  comments and saves go. Mentions of the user cascade with the user row.
"""

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db.models import Count

from accounts import export
from accounts.models import User
from accounts.services import user_deleting
from instaclone.counts import decremented
from posts.models import Comment, Like, Post, PostMedia, Save
from posts.services import post_counts_announce, post_delete

# Live `post.counts` after a deletion go to at most this many affected posts; pages of
# the others show the exact counts on their next load.
LIVE_COUNTS_MAX_POSTS = 200
EXPORT_CHUNK_SIZE = 200


# --- Download your data -----------------------------------------------------------------


def _photo_name(post_id: int, position: int, extension: str) -> str:
    return f"photos/{post_id}-{position + 1}.{extension}"


def _export_size(user: User) -> int:
    # One unit per photo (reading it dominates) and one for posts.json.
    return PostMedia.objects.filter(post__author=user).count() + 1


def _write_photos(user: User, archive: export.ExportArchive) -> dict[tuple[int, int], str]:
    """Copy every photo's full rendition; the archive name by (post id, position)."""
    written: dict[tuple[int, int], str] = {}
    media = (
        PostMedia.objects.filter(post__author=user)
        .order_by("post_id", "position")
        .values_list("post_id", "position", "renditions")
    )
    for post_id, position, renditions in media.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        stored = export.best_stored_key(renditions, "full")
        if stored is not None:
            key, extension = stored
            name = _photo_name(post_id, position, extension)
            if archive.write_stored_file(name, key):
                written[(post_id, position)] = name
        archive.advance()
    return written


def _post_entries(user: User, photos: dict[tuple[int, int], str]) -> Iterator[dict[str, Any]]:
    posts = (
        Post.objects.filter(author=user)
        .order_by("created_at", "pk")
        .prefetch_related("media", "post_hashtags__hashtag")
    )
    for post in posts.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        tags = sorted(post.post_hashtags.all(), key=lambda row: row.pk)
        yield {
            "id": post.pk,
            "url": post.get_absolute_url(),
            "caption": post.caption,
            "created_at": post.created_at,
            "updated_at": post.updated_at,
            "likes_count": post.likes_count,
            "comments_count": post.comments_count,
            "hashtags": [row.hashtag.name for row in tags],
            "photos": [
                {
                    "file": photos.get((post.pk, media.position)),
                    "alt_text": media.alt_text,
                    "width": (media.renditions.get("full") or {}).get("width", media.width),
                    "height": (media.renditions.get("full") or {}).get("height", media.height),
                }
                for media in post.media.all()
            ],
        }


def _write_posts(user: User, archive: export.ExportArchive) -> None:
    # Photos first, then the JSON: a ZIP has one entry open for writing at a time, and
    # this way neither the photos nor the list of posts is ever held in memory.
    photos = _write_photos(user, archive)
    archive.write_json_list("posts.json", _post_entries(user, photos))
    archive.advance()


def _write_comments(user: User, archive: export.ExportArchive) -> None:
    rows = Comment.objects.filter(author=user).order_by("created_at", "pk")
    archive.write_json_list(
        "comments.json",
        (
            {"id": pk, "post_id": post_id, "text": text, "created_at": created_at}
            for pk, post_id, text, created_at in rows.values_list(
                "pk", "post_id", "text", "created_at"
            ).iterator(chunk_size=EXPORT_CHUNK_SIZE)
        ),
    )
    archive.advance()


def _post_references(model: type[Like] | type[Save], user: User) -> Iterator[dict[str, Any]]:
    rows = model.objects.filter(user=user).order_by("created_at", "pk")
    fields = ("post_id", "post__author__username", "created_at")
    for post_id, author, created_at in rows.values_list(*fields).iterator(
        chunk_size=EXPORT_CHUNK_SIZE
    ):
        yield {"post_id": post_id, "post_author": author, "created_at": created_at}


def _write_likes(user: User, archive: export.ExportArchive) -> None:
    archive.write_json_list("likes.json", _post_references(Like, user))
    archive.advance()


def _write_saved(user: User, archive: export.ExportArchive) -> None:
    archive.write_json_list("saved.json", _post_references(Save, user))
    archive.advance()


# --- Deleting an account ----------------------------------------------------------------


def _delete_own_posts(user: User) -> None:
    for post in list(Post.objects.filter(author=user).only("pk", "author_id")):
        post_delete(post=post, actor=user)


def _release_likes(user: User) -> list[int]:
    """Take back the user's likes of other people's posts; the posts touched."""
    post_ids = list(Like.objects.filter(user=user).values_list("post_id", flat=True))
    # One like per user and post: each liked post loses exactly one.
    Post.objects.filter(pk__in=post_ids).update(likes_count=decremented("likes_count"))
    Like.objects.filter(user=user).delete()
    return post_ids


def _release_comments(user: User) -> list[int]:
    """Delete the user's comments on other people's posts; the posts touched."""
    per_post = (
        Comment.objects.filter(author=user)
        .order_by()
        .values("post_id")
        .annotate(written=Count("pk"))
        .values_list("post_id", "written")
    )
    posts_by_count: dict[int, list[int]] = defaultdict(list)
    for post_id, written in per_post:
        posts_by_count[written].append(post_id)
    # One UPDATE per distinct number of comments, not one per post.
    for written, post_ids in posts_by_count.items():
        Post.objects.filter(pk__in=post_ids).update(
            comments_count=decremented("comments_count", written)
        )
    Comment.objects.filter(author=user).delete()
    return [post_id for post_ids in posts_by_count.values() for post_id in post_ids]


def _announce_counts(post_ids: list[int]) -> None:
    counts = Post.objects.filter(pk__in=post_ids[:LIVE_COUNTS_MAX_POSTS]).values_list(
        "pk", "likes_count", "comments_count"
    )
    for post_id, likes_count, comments_count in counts:
        post_counts_announce(
            post_id=post_id, likes_count=likes_count, comments_count=comments_count
        )


def _delete_user_content(sender: type[User], user: User, **kwargs: Any) -> None:
    # Own posts first: the likes and comments left afterwards are on other people's posts.
    _delete_own_posts(user)
    touched = set(_release_likes(user)) | set(_release_comments(user))
    Save.objects.filter(user=user).delete()
    _announce_counts(sorted(touched))


def connect() -> None:
    export.register_section("posts", _write_posts, size=_export_size)
    export.register_section("comments", _write_comments)
    export.register_section("likes", _write_likes)
    export.register_section("saved", _write_saved)
    user_deleting.connect(_delete_user_content, sender=User, dispatch_uid="posts_delete_content")
