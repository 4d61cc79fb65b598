"""Every write to posts: creating, editing and deleting posts; likes, comments, saves.

Each service is atomic and safe to repeat. Actions on a post lock its row through
`visible_posts(user)`: that re-checks visibility inside the transaction, serialises the
counter updates of one post, and makes a concurrent delete either wait for the action or
win it, in which case the action answers 404 (never a foreign-key error at commit).
Side effects (file deletion, the signals of posts.signals) run only after the commit.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.http import Http404

from accounts.models import User
from instaclone import events
from instaclone.counts import decremented
from instaclone.images import (
    POST_RENDITIONS,
    ImageRejected,
    ProcessedImage,
    delete_stored_files,
    process_image,
    store_renditions,
    stored_keys,
)
from posts import signals
from posts.models import (
    ALT_TEXT_MAX_LENGTH,
    CAPTION_MAX_LENGTH,
    COMMENT_MAX_LENGTH,
    MAX_MEDIA_PER_POST,
    Comment,
    Hashtag,
    Like,
    Mention,
    Post,
    PostHashtag,
    PostMedia,
    Save,
)
from posts.selectors import visible_posts
from posts.text import parse_hashtags, parse_mentions
from social import services as social_services
from social.models import Notification
from social.selectors import block_between


@dataclass(frozen=True)
class LikeState:
    liked: bool
    likes_count: int


def max_media_per_post() -> int:
    return getattr(settings, "MAX_FILES_PER_POST", MAX_MEDIA_PER_POST)


# --- Validation -------------------------------------------------------------------------


def _text_errors(value: str, *, max_length: int, what: str) -> list[str]:
    errors = []
    if len(value) > max_length:
        errors.append(f"{what} is too long: at most {max_length} characters.")
    if "\x00" in value:
        errors.append(f"{what} contains a null character.")
    return errors


def _validate_caption(caption: str) -> None:
    errors = _text_errors(caption, max_length=CAPTION_MAX_LENGTH, what="The caption")
    if errors:
        raise ValidationError({"caption": errors})


def _validate_alt_texts(alt_texts: Sequence[str], *, expected: int) -> None:
    if len(alt_texts) != expected:
        raise ValidationError(
            {"alt_text": [f"Give one alt text per photo: {expected}, not {len(alt_texts)}."]}
        )
    for position, alt_text in enumerate(alt_texts, start=1):
        errors = _text_errors(
            alt_text, max_length=ALT_TEXT_MAX_LENGTH, what=f"The alt text of photo {position}"
        )
        if errors:
            raise ValidationError({"alt_text": errors})


def _validate_image_count(count: int) -> None:
    limit = max_media_per_post()
    if count < 1:
        raise ValidationError({"images": ["Add at least one photo."]})
    if count > limit:
        raise ValidationError({"images": [f"A post has at most {limit} photos, not {count}."]})


# --- Notifications ----------------------------------------------------------------------


def post_thumb(post: Post) -> dict | None:
    """The stored thumbnail renditions of the post's first photo: what a notification
    shows of a post without reading posts (social sits below posts and cannot join them)."""
    media = PostMedia.objects.filter(post_id=post.pk).order_by("position").first()
    return (media.renditions.get("thumb") or None) if media else None


def _post_snapshot(post: Post) -> dict:
    thumb = post_thumb(post)
    return {"thumb": thumb} if thumb else {}


def _notify(
    *, recipient_id: int, actor: User, kind: str, post: Post, comment: Comment | None = None
) -> None:
    snapshot = _post_snapshot(post)
    if comment is not None:
        snapshot["comment_text"] = comment.text[: social_services.COMMENT_SNAPSHOT_LENGTH]
    social_services.notification_create(
        recipient_id=recipient_id,
        actor=actor,
        kind=kind,
        post_id=post.pk,
        comment_id=comment.pk if comment is not None else None,
        snapshot=snapshot,
    )


# --- Posts ------------------------------------------------------------------------------


def _process_all(images: Sequence[IO[bytes]]) -> list[ProcessedImage]:
    processed = []
    for position, image in enumerate(images, start=1):
        try:
            processed.append(process_image(image, POST_RENDITIONS))
        except ImageRejected as rejected:
            message = rejected.message if len(images) == 1 else f"Photo {position}: {rejected}"
            raise ImageRejected(
                message, code=rejected.code, status_code=rejected.status_code
            ) from rejected
    return processed


def _delete_files_on_commit(keys: Iterable[str]) -> None:
    keys = list(keys)
    if keys:
        transaction.on_commit(lambda: delete_stored_files(keys))


def post_create(
    *,
    author: User,
    images: Sequence[IO[bytes]],
    caption: str = "",
    alt_texts: Sequence[str] | None = None,
) -> Post:
    """Publish a post of 1-10 photos (MAX_FILES_PER_POST) in the given order.

    `alt_texts` is empty or has one entry per image. Raises ValidationError (per field:
    images, caption, alt_text) or ImageRejected (400, or 413 for a file too large) before
    anything is stored. Every photo is decoded and re-encoded before the transaction; if
    storing or the transaction fails, the files stored so far are deleted (no orphans).
    On commit: `post_created`, and `users_mentioned` for the users the caption mentions.
    """
    _validate_image_count(len(images))
    _validate_caption(caption)
    alt_texts = list(alt_texts or [""] * len(images))
    _validate_alt_texts(alt_texts, expected=len(images))
    # Decoding and storing are slow: they run before the transaction so no write lock is
    # held meanwhile (SQLite has a single writer; PostgreSQL rows would stay locked).
    processed = _process_all(images)
    stored: list[dict] = []
    try:
        for image in processed:
            stored.append(store_renditions(f"posts/{author.pk}", image))
        with transaction.atomic():
            post = Post.objects.create(author=author, caption=caption)
            PostMedia.objects.bulk_create(
                PostMedia(
                    post=post,
                    position=position,
                    alt_text=alt_text,
                    width=image.width,
                    height=image.height,
                    blurhash=image.blurhash,
                    renditions=renditions,
                )
                for position, (image, renditions, alt_text) in enumerate(
                    zip(processed, stored, alt_texts, strict=True)
                )
            )
            _sync_caption_entities(post, created=True)
            User.objects.filter(pk=author.pk).update(posts_count=F("posts_count") + 1)
            signals.send_on_commit(signals.post_created, post=post)
    except BaseException:
        delete_stored_files(key for renditions in stored for key in stored_keys(renditions))
        raise
    return post


def _sync_caption_entities(post: Post, *, created: bool) -> None:
    """Store the caption's hashtags (in caption order) and mentions; notify users newly
    mentioned, on commit."""
    names = parse_hashtags(post.caption)
    if not created:
        PostHashtag.objects.filter(post=post).delete()
    if names:
        Hashtag.objects.bulk_create([Hashtag(name=name) for name in names], ignore_conflicts=True)
        by_name = {tag.name: tag for tag in Hashtag.objects.filter(name__in=names)}
        PostHashtag.objects.bulk_create(
            PostHashtag(post=post, hashtag=by_name[name], post_created_at=post.created_at)
            for name in names
        )

    usernames = parse_mentions(post.caption)
    # Nobody can mention someone who blocked them, or whom they blocked.
    mentioned = (
        list(
            User.objects.annotate(username_lower=Lower("username"))
            .filter(username_lower__in=usernames, is_active=True)
            .filter(~block_between(post.author))
        )
        if usernames
        else []
    )
    already = set() if created else set(post.mentions.values_list("user_id", flat=True))
    mentioned_ids = {user.pk for user in mentioned}
    if already - mentioned_ids:
        Mention.objects.filter(post=post, user_id__in=already - mentioned_ids).delete()
    new_users = [user for user in mentioned if user.pk not in already]
    Mention.objects.bulk_create(
        [Mention(post=post, user=user) for user in new_users], ignore_conflicts=True
    )
    to_notify = [user for user in new_users if user.pk != post.author_id]
    if to_notify:
        signals.send_on_commit(signals.users_mentioned, post=post, users=to_notify)
    for user in to_notify:
        # Only who may see the post hears of it: the snapshot shows its thumbnail.
        if visible_posts(user).filter(pk=post.pk).exists():
            _notify(
                recipient_id=user.pk, actor=post.author, kind=Notification.Kind.MENTION, post=post
            )


def _lock_post(*, user: User, post_id: int, no_key: bool = True, moderating: bool = False) -> Post:
    """Lock a post `user` may see, for the rest of the transaction; Http404 otherwise.
    When `moderating` (deletes), staff reach any existing post: they moderate what they
    cannot see as users (private or blocked accounts)."""
    posts = Post.objects.all() if moderating and user.is_staff else visible_posts(user)
    post = (posts.select_for_update(no_key=no_key, of=("self",)).filter(pk=post_id)).first()
    if post is None:
        raise Http404("No such post.")
    return post


def post_check_editor(*, post: Post, editor: User) -> None:
    """PermissionDenied unless `editor` may edit `post` (its author)."""
    if post.author_id != editor.pk:
        raise PermissionDenied("Only the author can edit this post.")


def post_update(
    *,
    post: Post,
    editor: User,
    caption: str | None = None,
    alt_texts: Sequence[str] | None = None,
) -> Post:
    """Change the caption and/or the alt texts (one per photo, in order). Author only:
    PermissionDenied otherwise; ValidationError on bad input; nothing changes then.
    A new caption re-parses hashtags and mentions (`users_mentioned` for new mentions)."""
    post_check_editor(post=post, editor=editor)
    if caption is not None:
        _validate_caption(caption)
    with transaction.atomic():
        post = _lock_post(user=editor, post_id=post.pk)
        if alt_texts is not None:
            media = list(post.media.order_by("position"))
            _validate_alt_texts(alt_texts, expected=len(media))
            for item, alt_text in zip(media, alt_texts, strict=True):
                item.alt_text = alt_text
            PostMedia.objects.bulk_update(media, ["alt_text"])
        if caption is not None:
            post.caption = caption
        post.save(update_fields=["caption", "updated_at"])
        if caption is not None:
            _sync_caption_entities(post, created=False)
    return post


def post_check_deleter(*, post: Post, actor: User) -> None:
    """PermissionDenied unless `actor` may delete `post` (its author, or staff)."""
    if post.author_id != actor.pk and not actor.is_staff:
        raise PermissionDenied("Only the author can delete this post.")


def post_delete(*, post: Post, actor: User) -> None:
    """Delete a post with its media, likes, comments and saves. Author or staff only
    (PermissionDenied otherwise). The media files are deleted from storage after the
    commit, never before; then `post_deleted` is sent."""
    post_check_deleter(post=post, actor=actor)
    with transaction.atomic():
        # A full row lock: likes and comments in flight finish first, or find no post.
        post = _lock_post(user=actor, post_id=post.pk, no_key=False, moderating=True)
        keys = [key for media in post.media.all() for key in stored_keys(media.renditions)]
        post_id, author_id = post.pk, post.author_id
        post.delete()
        social_services.notification_delete_for_post(post_id=post_id)
        User.objects.filter(pk=author_id).update(posts_count=decremented("posts_count"))
        _delete_files_on_commit(keys)
        signals.send_on_commit(signals.post_deleted, post_id=post_id, author_id=author_id)


# --- Likes ------------------------------------------------------------------------------


def _counts_changed(post_id: int) -> dict[str, int]:
    counts = Post.objects.filter(pk=post_id).values("likes_count", "comments_count").get()
    post_counts_announce(post_id=post_id, **counts)
    return counts


def post_counts_announce(*, post_id: int, likes_count: int, comments_count: int) -> None:
    """After the commit, tell apps above (`post_counts_changed`) and the post's sockets
    (`post.counts`) these counts, read inside the writing transaction."""
    counts = {"likes_count": likes_count, "comments_count": comments_count}
    signals.send_on_commit(signals.post_counts_changed, post_id=post_id, **counts)
    events.publish_post_counts(post_id, **counts)


def _comment_created_event(comment: Comment) -> dict:
    """The live `comment.created`: the API's comment shape (built after the commit)."""
    from posts.api.serializers import CommentSerializer

    return {
        "type": "comment.created",
        "post": comment.post_id,
        "comment": CommentSerializer(comment).data,
        "_author": comment.author_id,
    }


@transaction.atomic
def like_create(*, user: User, post: Post) -> LikeState:
    """Like a post `user` may see (Http404 otherwise); liking twice changes nothing."""
    post = _lock_post(user=user, post_id=post.pk)
    _, created = Like.objects.get_or_create(user=user, post=post)
    if not created:
        return LikeState(liked=True, likes_count=post.likes_count)
    Post.objects.filter(pk=post.pk).update(likes_count=F("likes_count") + 1)
    counts = _counts_changed(post.pk)
    # Kept when the like is taken back: like, unlike, like again notifies once.
    _notify(recipient_id=post.author_id, actor=user, kind=Notification.Kind.LIKE, post=post)
    signals.send_on_commit(signals.post_liked, post=post, user=user)
    return LikeState(liked=True, likes_count=counts["likes_count"])


@transaction.atomic
def like_delete(*, user: User, post: Post) -> LikeState:
    """Take back a like; unliking a post not liked changes nothing."""
    post = _lock_post(user=user, post_id=post.pk)
    deleted, _ = Like.objects.filter(user=user, post=post).delete()
    if not deleted:
        return LikeState(liked=False, likes_count=post.likes_count)
    Post.objects.filter(pk=post.pk).update(likes_count=decremented("likes_count", deleted))
    return LikeState(liked=False, likes_count=_counts_changed(post.pk)["likes_count"])


# --- Comments ---------------------------------------------------------------------------


@transaction.atomic
def comment_create(*, author: User, post: Post, text: str) -> Comment:
    """Comment on a post `author` may see (Http404 otherwise). `text` is stripped and must
    have 1-2200 characters (ValidationError). On commit: `comment_created`,
    `post_counts_changed`."""
    text = text.strip()
    errors = _text_errors(text, max_length=COMMENT_MAX_LENGTH, what="The comment")
    if not text:
        errors.append("Write something first.")
    if errors:
        raise ValidationError({"text": errors})
    post = _lock_post(user=author, post_id=post.pk)
    comment = Comment.objects.create(post=post, author=author, text=text)
    Post.objects.filter(pk=post.pk).update(comments_count=F("comments_count") + 1)
    _notify(
        recipient_id=post.author_id,
        actor=author,
        kind=Notification.Kind.COMMENT,
        post=post,
        comment=comment,
    )
    _counts_changed(post.pk)
    signals.send_on_commit(signals.comment_created, comment=comment)
    events.publish(events.post_group(post.pk), lambda: _comment_created_event(comment))
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, actor: User) -> None:
    """Delete a comment: its author, the post's author or staff may (PermissionDenied
    otherwise). Http404 if the post or comment is already gone."""
    post = _lock_post(user=actor, post_id=comment.post_id, moderating=True)
    if actor.pk not in (comment.author_id, post.author_id) and not actor.is_staff:
        raise PermissionDenied("Only the comment's author or the post's author can delete it.")
    deleted, _ = Comment.objects.filter(pk=comment.pk).delete()
    if not deleted:
        raise Http404("No such comment.")
    social_services.notification_delete_for_comment(comment_id=comment.pk)
    Post.objects.filter(pk=post.pk).update(comments_count=decremented("comments_count"))
    _counts_changed(post.pk)
    signals.send_on_commit(signals.comment_deleted, post_id=post.pk, comment_id=comment.pk)
    events.publish(
        events.post_group(post.pk),
        {"type": "comment.deleted", "post": post.pk, "comment": comment.pk},
    )


# --- Saves ------------------------------------------------------------------------------


@transaction.atomic
def save_create(*, user: User, post: Post) -> bool:
    """Save a post `user` may see to their private "Saved" list; idempotent."""
    post = _lock_post(user=user, post_id=post.pk)
    Save.objects.get_or_create(user=user, post=post)
    return True


@transaction.atomic
def save_delete(*, user: User, post: Post) -> bool:
    """Remove a post from the "Saved" list; idempotent."""
    post = _lock_post(user=user, post_id=post.pk)
    Save.objects.filter(user=user, post=post).delete()
    return False
