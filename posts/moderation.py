"""Reports and moderation: users report posts, comments and accounts; staff act on them.

Every write here is atomic and safe to repeat. A moderation action takes effect through
the visibility rule (`posts.selectors.visible_posts` and the social selectors), resolves
every open report on its target, and writes one `ModerationAction` row, the audit log.
Each action requires a staff account with its permission (PermissionDenied otherwise):

- hide / unhide a post: `posts.hide_post`; a hidden post is shown only to its author
  and staff, in every list, page, API answer and live subscription;
- delete a post: `posts.delete_post`, through `posts.services.post_delete`;
- delete a comment: `posts.delete_comment`, through `posts.services.comment_delete`
  (counts and live events stay right);
- suspend / unsuspend an account: `posts.suspend_user`; suspension is
  `User.is_active = False`: the account cannot log in, its JWTs stop working, its
  sessions end, and its posts, comments and likes vanish for everyone else;
- dismiss a report: `posts.resolve_report`.
"""

from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.services import user_blacklist_refresh_tokens
from posts import selectors, services
from posts.models import (
    MODERATION_NOTE_MAX_LENGTH,
    REPORT_REASON_MAX_LENGTH,
    Comment,
    ModerationAction,
    Post,
    Report,
)
from social import selectors as social_selectors

Kind = ModerationAction.Kind
TargetType = Report.TargetType


@dataclass(frozen=True)
class ReportResult:
    report: Report
    created: bool


# --- Reports ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A reportable thing and the account it is about (`owner`)."""

    target_type: str
    target_id: int
    owner: User
    post: Post | None = None
    comment: Comment | None = None
    content: str = ""


def report_target_get(*, reporter: User, target_type: str, target_id: int | str) -> Target:
    """What `reporter` would report: Http404 when it is missing or not visible to them
    (the visibility rule), ValidationError when it is their own. A user is named by
    username (as in the API), posts and comments by id."""
    target = _visible_target(reporter=reporter, target_type=target_type, target_id=target_id)
    if target.owner.pk == reporter.pk:
        what = {"post": "post", "comment": "comment", "user": "account"}[target.target_type]
        raise ValidationError({"target_id": [f"You cannot report your own {what}."]})
    return target


def _visible_target(*, reporter: User, target_type: str, target_id: int | str) -> Target:
    if target_type == TargetType.POST:
        post = selectors.post_get_visible(viewer=reporter, post_id=_as_id(target_id))
        return Target(TargetType.POST, post.pk, post.author, post=post, content=post.caption)
    if target_type == TargetType.COMMENT:
        comment = selectors.comment_get_shown(viewer=reporter, comment_id=_as_id(target_id))
        return Target(
            TargetType.COMMENT, comment.pk, comment.author, comment=comment, content=comment.text
        )
    if target_type == TargetType.USER:
        user = social_selectors.user_get_visible(viewer=reporter, username=str(target_id))
        return Target(TargetType.USER, user.pk, user)
    raise ValidationError({"target_type": ["Report a post, a comment or a user."]})


def _as_id(value: int | str) -> int:
    text = str(value)
    if not text.isdigit() or len(text) > 18:
        raise Http404("No such content.")
    return int(text)


def _clean_reason(reason: str) -> str:
    reason = reason.strip()
    errors = []
    if not reason:
        errors.append("Tell us what is wrong.")
    if len(reason) > REPORT_REASON_MAX_LENGTH:
        errors.append(f"The reason is too long: at most {REPORT_REASON_MAX_LENGTH} characters.")
    if "\x00" in reason:
        errors.append("The reason contains a null character.")
    if errors:
        raise ValidationError({"reason": errors})
    return reason


def _open_report_of(reporter: User, target: Target) -> Report | None:
    return Report.objects.filter(
        reporter=reporter,
        target_type=target.target_type,
        target_id=target.target_id,
        status=Report.Status.OPEN,
    ).first()


def report_create(
    *, reporter: User, target_type: str, target_id: int | str, reason: str
) -> ReportResult:
    """Report a post, comment (by id) or user (by username) that `reporter` can see.

    Http404 when the target is missing or not visible to the reporter (the visibility
    rule). ValidationError for an unknown type, an empty or too long reason (stripped;
    at most 1000 characters), or one's own post, comment or account. Idempotent: while
    the reporter's earlier report of the same target is open, that report is returned
    (`created` False) and the new reason is dropped.
    """
    reason = _clean_reason(reason)
    target = report_target_get(reporter=reporter, target_type=target_type, target_id=target_id)
    existing = _open_report_of(reporter, target)
    if existing is not None:
        return ReportResult(existing, created=False)
    try:
        with transaction.atomic():
            report = Report.objects.create(
                reporter=reporter,
                target_type=target.target_type,
                target_id=target.target_id,
                reported_user=target.owner,
                post=target.post,
                comment=target.comment,
                content=target.content,
                reason=reason,
            )
    except IntegrityError:
        # A double submit raced past the check above; the partial unique index decided.
        existing = _open_report_of(reporter, target)
        if existing is None:
            raise
        return ReportResult(existing, created=False)
    return ReportResult(report, created=True)


# --- Shared by the actions ---------------------------------------------------------------


def _require(moderator: User, permission: str) -> None:
    if not (moderator.is_active and moderator.is_staff and moderator.has_perm(permission)):
        raise PermissionDenied("You do not have the permission for this moderation action.")


def _clean_note(note: str) -> str:
    note = note.strip()
    if len(note) > MODERATION_NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": [f"The note is too long: at most {MODERATION_NOTE_MAX_LENGTH} characters."]}
        )
    return note


def _resolve(reports: QuerySet[Report], *, moderator: User, status: str) -> int:
    return reports.filter(status=Report.Status.OPEN).update(
        status=status, resolved_by=moderator, resolved_at=timezone.now()
    )


def _open_reports_on(target_type: str, target_id: int) -> QuerySet[Report]:
    return Report.objects.filter(
        target_type=target_type, target_id=target_id, status=Report.Status.OPEN
    )


def _log(
    *,
    moderator: User,
    action: str,
    target_type: str,
    target_id: int,
    target_user_id: int | None,
    report: Report | None,
    resolved: int,
    note: str,
) -> ModerationAction:
    return ModerationAction.objects.create(
        moderator=moderator,
        moderator_username=moderator.get_username(),
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_user_id=target_user_id,
        report=report,
        reports_resolved=resolved,
        note=note,
    )


def _check_report_target(report: Report | None, target_type: str, target_id: int) -> None:
    if report is not None and (report.target_type, report.target_id) != (target_type, target_id):
        raise ValidationError("This report is about something else.")


# --- Posts --------------------------------------------------------------------------------


def _lock_any_post(post_id: int) -> Post:
    post = Post.objects.select_for_update(of=("self",)).filter(pk=post_id).first()
    if post is None:
        raise Http404("No such post.")
    return post


@transaction.atomic
def post_hide(
    *, moderator: User, post: Post, report: Report | None = None, note: str = ""
) -> ModerationAction | None:
    """Hide a post from everyone but its author and staff, and resolve every open
    report on it (as actioned). Needs `posts.hide_post`. Hiding a hidden post changes
    nothing and logs nothing unless open reports were resolved. Returns the log row."""
    _require(moderator, "posts.hide_post")
    note = _clean_note(note)
    _check_report_target(report, TargetType.POST, post.pk)
    post = _lock_any_post(post.pk)
    changed = post.hidden_at is None
    if changed:
        post.hidden_at = timezone.now()
        post.save(update_fields=["hidden_at"])
    resolved = _resolve(
        _open_reports_on(TargetType.POST, post.pk),
        moderator=moderator,
        status=Report.Status.ACTIONED,
    )
    if not changed and not resolved:
        return None
    return _log(
        moderator=moderator,
        action=Kind.HIDE_POST,
        target_type=TargetType.POST,
        target_id=post.pk,
        target_user_id=post.author_id,
        report=report,
        resolved=resolved,
        note=note,
    )


@transaction.atomic
def post_unhide(*, moderator: User, post: Post, note: str = "") -> ModerationAction | None:
    """Show a hidden post again. Needs `posts.hide_post`; a visible post stays as it is
    (nothing logged)."""
    _require(moderator, "posts.hide_post")
    note = _clean_note(note)
    post = _lock_any_post(post.pk)
    if post.hidden_at is None:
        return None
    post.hidden_at = None
    post.save(update_fields=["hidden_at"])
    return _log(
        moderator=moderator,
        action=Kind.UNHIDE_POST,
        target_type=TargetType.POST,
        target_id=post.pk,
        target_user_id=post.author_id,
        report=None,
        resolved=0,
        note=note,
    )


@transaction.atomic
def post_remove(
    *, moderator: User, post: Post, report: Report | None = None, note: str = ""
) -> ModerationAction | None:
    """Delete a post as staff, through `posts.services.post_delete` (files leave storage
    after the commit, counters stay exact), and resolve every open report on it. Needs
    `posts.delete_post`. A post already gone only has its open reports resolved."""
    _require(moderator, "posts.delete_post")
    note = _clean_note(note)
    _check_report_target(report, TargetType.POST, post.pk)
    post_id, author_id = post.pk, post.author_id
    deleted = False
    try:
        services.post_delete(post=post, actor=moderator)
        deleted = True
    except Http404:
        pass
    resolved = _resolve(
        _open_reports_on(TargetType.POST, post_id),
        moderator=moderator,
        status=Report.Status.ACTIONED,
    )
    if not deleted and not resolved:
        return None
    return _log(
        moderator=moderator,
        action=Kind.DELETE_POST,
        target_type=TargetType.POST,
        target_id=post_id,
        target_user_id=author_id,
        report=report,
        resolved=resolved,
        note=note,
    )


# --- Comments -----------------------------------------------------------------------------


@transaction.atomic
def comment_remove(
    *, moderator: User, comment: Comment, report: Report | None = None, note: str = ""
) -> ModerationAction | None:
    """Delete a comment as a moderator, through `posts.services.comment_delete` (the
    post's comments_count, notifications and the live `comment.deleted` stay right),
    and resolve every open report on it. Needs `posts.delete_comment`. A comment already
    gone only has its open reports resolved."""
    _require(moderator, "posts.delete_comment")
    note = _clean_note(note)
    _check_report_target(report, TargetType.COMMENT, comment.pk)
    author_id = comment.author_id
    deleted = False
    try:
        services.comment_delete(comment=comment, actor=moderator)
        deleted = True
    except Http404:
        pass
    resolved = _resolve(
        _open_reports_on(TargetType.COMMENT, comment.pk),
        moderator=moderator,
        status=Report.Status.ACTIONED,
    )
    if not deleted and not resolved:
        return None
    return _log(
        moderator=moderator,
        action=Kind.DELETE_COMMENT,
        target_type=TargetType.COMMENT,
        target_id=comment.pk,
        target_user_id=author_id,
        report=report,
        resolved=resolved,
        note=note,
    )


# --- Accounts -----------------------------------------------------------------------------


def _check_may_suspend(moderator: User, user: User) -> None:
    if user.pk == moderator.pk:
        raise ValidationError("You cannot suspend your own account.")
    if (user.is_staff or user.is_superuser) and not moderator.is_superuser:
        raise PermissionDenied("Only a superuser can suspend a staff account.")


def _end_sessions(user: User) -> None:
    """Delete `user`'s sessions where the session engine can list them (database
    engines). Cookie and cache engines cannot be listed; there the inactive account is
    refused by the authentication backend on the next request anyway."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    get_model = getattr(store_class, "get_model_class", None)
    if get_model is None:
        return
    live = get_model().objects.filter(expire_date__gt=timezone.now())
    # Session data is signed and encoded, so the owner is only known after decoding.
    for session in live.iterator(chunk_size=1000):
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
            store_class(session.session_key).delete()


def _lock_user(user_id: int) -> User:
    return User.objects.select_for_update().get(pk=user_id)


@transaction.atomic
def user_suspend(
    *, moderator: User, user: User, report: Report | None = None, note: str = ""
) -> ModerationAction | None:
    """Suspend an account: `is_active` False, so it cannot log in and its JWTs are
    refused; its refresh tokens are blacklisted and its sessions deleted (they stay
    dead after an unsuspension); its open sockets close (accounts' post_save). Its
    posts, comments and likes vanish for others through the selectors. Resolves every
    open report about the account or its content. Needs `posts.suspend_user`; nobody
    suspends themselves (ValidationError), only a superuser suspends staff
    (PermissionDenied). Suspending a suspended account only resolves reports."""
    _require(moderator, "posts.suspend_user")
    note = _clean_note(note)
    _check_may_suspend(moderator, user)
    if report is not None and report.reported_user_id != user.pk:
        raise ValidationError("This report is about another account.")
    user = _lock_user(user.pk)
    changed = user.is_active
    if changed:
        user.is_active = False
        user.save(update_fields=["is_active"])
        user_blacklist_refresh_tokens(user=user)
        _end_sessions(user)
    # Everything of theirs disappears, so no report about it is left to act on.
    resolved = _resolve(
        Report.objects.filter(reported_user=user),
        moderator=moderator,
        status=Report.Status.ACTIONED,
    )
    if not changed and not resolved:
        return None
    return _log(
        moderator=moderator,
        action=Kind.SUSPEND_USER,
        target_type=TargetType.USER,
        target_id=user.pk,
        target_user_id=user.pk,
        report=report,
        resolved=resolved,
        note=note,
    )


@transaction.atomic
def user_unsuspend(*, moderator: User, user: User, note: str = "") -> ModerationAction | None:
    """Let a suspended account log in again (with its password; old sessions and
    refresh tokens stay ended). Needs `posts.suspend_user`; an active account stays as
    it is (nothing logged)."""
    _require(moderator, "posts.suspend_user")
    note = _clean_note(note)
    _check_may_suspend(moderator, user)
    user = _lock_user(user.pk)
    if user.is_active:
        return None
    user.is_active = True
    user.save(update_fields=["is_active"])
    return _log(
        moderator=moderator,
        action=Kind.UNSUSPEND_USER,
        target_type=TargetType.USER,
        target_id=user.pk,
        target_user_id=user.pk,
        report=None,
        resolved=0,
        note=note,
    )


# --- Dismissing ---------------------------------------------------------------------------


@transaction.atomic
def report_dismiss(*, moderator: User, report: Report, note: str = "") -> ModerationAction | None:
    """Close a report, and every other open report on the same target, as dismissed:
    nothing is wrong with the content. Needs `posts.resolve_report`. A report already
    closed stays as it is (nothing logged)."""
    _require(moderator, "posts.resolve_report")
    note = _clean_note(note)
    resolved = _resolve(
        _open_reports_on(report.target_type, report.target_id),
        moderator=moderator,
        status=Report.Status.DISMISSED,
    )
    if not resolved:
        return None
    return _log(
        moderator=moderator,
        action=Kind.DISMISS_REPORT,
        target_type=report.target_type,
        target_id=report.target_id,
        target_user_id=report.reported_user_id,
        report=report,
        resolved=resolved,
        note=note,
    )
