"""Moderation actions: staff hide, delete, suspend or dismiss, and every action that
changes something or resolves a report is written to the audit log (`ModerationAction`).

Each action runs the same way: `_start` checks the permission and the note, the action
changes its target (or finds it already changed), and `_Action.settle` or `_Action.log`
resolves the open reports and writes the log row.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Session, User
from accounts.services import user_blacklist_refresh_tokens
from posts import services
from posts.models import MODERATION_NOTE_MAX_LENGTH, Comment, ModerationAction, Post, Report
from social import services as social_services

Kind = ModerationAction.Kind
TargetType = Report.TargetType


# --- Shared by the actions ---------------------------------------------------------------


@dataclass(frozen=True)
class _Subject:
    """What an action is about, as the audit log names it. Ids only: a removed post or
    comment is gone by the time its log row is written."""

    target_type: str
    target_id: int
    target_user_id: int | None


@dataclass(frozen=True)
class _Action:
    """An action under way, once its moderator and note have passed `_start`."""

    moderator: User
    subject: _Subject
    note: str

    def resolve(self, status: str, reports: QuerySet[Report] | None = None) -> int:
        """Close the open reports on the subject (or among `reports`) with `status`."""
        if reports is None:
            reports = Report.objects.filter(
                target_type=self.subject.target_type, target_id=self.subject.target_id
            )
        return reports.filter(status=Report.Status.OPEN).update(
            status=status, resolved_by=self.moderator, resolved_at=timezone.now()
        )

    def log(
        self, kind: str, *, changed: bool, resolved: int = 0, report: Report | None = None
    ) -> ModerationAction | None:
        """The audit log row, or None when the action changed nothing and resolved no
        report: repeating an action is safe and is not logged twice."""
        if not changed and not resolved:
            return None
        return ModerationAction.objects.create(
            moderator=self.moderator,
            moderator_username=self.moderator.get_username(),
            action=kind,
            target_type=self.subject.target_type,
            target_id=self.subject.target_id,
            target_user_id=self.subject.target_user_id,
            report=report,
            reports_resolved=resolved,
            note=self.note,
        )

    def settle(
        self,
        kind: str,
        *,
        changed: bool,
        report: Report | None,
        reports: QuerySet[Report] | None = None,
    ) -> ModerationAction | None:
        """Resolve as actioned the open reports the action settles (those on the subject
        unless `reports` is given), then `log` it."""
        resolved = self.resolve(Report.Status.ACTIONED, reports)
        return self.log(kind, changed=changed, resolved=resolved, report=report)


def _start(moderator: User, permission: str, note: str, subject: _Subject) -> _Action:
    """What every action checks first: the moderator is active staff holding
    `permission` (PermissionDenied), then the note's length (ValidationError, the note
    is stripped)."""
    if not (moderator.is_active and moderator.is_staff and moderator.has_perm(permission)):
        raise PermissionDenied("You do not have the permission for this moderation action.")
    note = note.strip()
    if len(note) > MODERATION_NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": [f"The note is too long: at most {MODERATION_NOTE_MAX_LENGTH} characters."]}
        )
    return _Action(moderator, subject, note)


def _check_report_target(report: Report | None, subject: _Subject) -> None:
    target = (subject.target_type, subject.target_id)
    if report is not None and (report.target_type, report.target_id) != target:
        raise ValidationError("This report is about something else.")


def _delete_unless_gone(delete: Callable[[], object]) -> bool:
    """Run a posts.services delete; False when the thing was already gone (its author
    or another moderator got there first), so the action only resolves reports."""
    try:
        delete()
    except Http404:
        return False
    return True


# --- Posts --------------------------------------------------------------------------------


def _post_subject(post: Post) -> _Subject:
    return _Subject(TargetType.POST, post.pk, post.author_id)


def _set_hidden(post_id: int, *, hidden: bool) -> bool:
    """Lock the post (hidden or not) and hide or show it; False when it already was."""
    post = Post.objects.select_for_update(of=("self",)).filter(pk=post_id).first()
    if post is None:
        raise Http404("No such post.")
    if (post.hidden_at is not None) == hidden:
        return False
    post.hidden_at = timezone.now() if hidden else None
    post.save(update_fields=["hidden_at"])
    # A notification keeps a snapshot of the post's thumbnail: someone it mentioned must
    # no longer see a picture moderation hid, and sees it again once it is shown.
    social_services.notification_thumb_set(
        post_id=post.pk,
        thumb=None if hidden else services.post_thumb(post),
        keep_for=post.author_id,
    )
    return True


@transaction.atomic
def post_hide(
    *, moderator: User, post: Post, report: Report | None = None, note: str = ""
) -> ModerationAction | None:
    """Hide a post from everyone but its author and staff, and resolve every open
    report on it (as actioned). Needs `posts.hide_post`. Hiding a hidden post changes
    nothing and logs nothing unless open reports were resolved. Returns the log row."""
    action = _start(moderator, "posts.hide_post", note, _post_subject(post))
    _check_report_target(report, action.subject)
    changed = _set_hidden(post.pk, hidden=True)
    return action.settle(Kind.HIDE_POST, changed=changed, report=report)


@transaction.atomic
def post_unhide(*, moderator: User, post: Post, note: str = "") -> ModerationAction | None:
    """Show a hidden post again. Needs `posts.hide_post`; a visible post stays as it is
    (nothing logged)."""
    action = _start(moderator, "posts.hide_post", note, _post_subject(post))
    return action.log(Kind.UNHIDE_POST, changed=_set_hidden(post.pk, hidden=False))


@transaction.atomic
def post_remove(
    *, moderator: User, post: Post, report: Report | None = None, note: str = ""
) -> ModerationAction | None:
    """Delete a post as staff, through `posts.services.post_delete` (files leave storage
    after the commit, counters stay exact), and resolve every open report on it. Needs
    `posts.delete_post`. A post already gone only has its open reports resolved."""
    # The subject is taken before the delete, which clears the instance's pk.
    action = _start(moderator, "posts.delete_post", note, _post_subject(post))
    _check_report_target(report, action.subject)
    deleted = _delete_unless_gone(lambda: services.post_delete(post=post, actor=moderator))
    return action.settle(Kind.DELETE_POST, changed=deleted, report=report)


# --- Comments -----------------------------------------------------------------------------


@transaction.atomic
def comment_remove(
    *, moderator: User, comment: Comment, report: Report | None = None, note: str = ""
) -> ModerationAction | None:
    """Delete a comment as a moderator, through `posts.services.comment_delete` (the
    post's comments_count, notifications and the live `comment.deleted` stay right),
    and resolve every open report on it. Needs `posts.delete_comment`. A comment already
    gone only has its open reports resolved."""
    subject = _Subject(TargetType.COMMENT, comment.pk, comment.author_id)
    action = _start(moderator, "posts.delete_comment", note, subject)
    _check_report_target(report, subject)
    deleted = _delete_unless_gone(lambda: services.comment_delete(comment=comment, actor=moderator))
    return action.settle(Kind.DELETE_COMMENT, changed=deleted, report=report)


# --- Accounts -----------------------------------------------------------------------------


def _user_subject(user: User) -> _Subject:
    return _Subject(TargetType.USER, user.pk, user.pk)


def _check_may_suspend(moderator: User, user: User) -> None:
    if user.pk == moderator.pk:
        raise ValidationError("You cannot suspend your own account.")
    if (user.is_staff or user.is_superuser) and not moderator.is_superuser:
        raise PermissionDenied("Only a superuser can suspend a staff account.")


def _end_sessions(user: User) -> None:
    """Delete `user`'s sessions: each knows its account (accounts.models.Session)."""
    Session.objects.filter(user=user).delete()


def _set_active(user_id: int, *, active: bool) -> User | None:
    """Lock the account and let it in or shut it out; None when it already was."""
    user = User.objects.select_for_update().get(pk=user_id)
    if user.is_active == active:
        return None
    user.is_active = active
    user.save(update_fields=["is_active"])
    return user


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
    action = _start(moderator, "posts.suspend_user", note, _user_subject(user))
    _check_may_suspend(moderator, user)
    # A report on the account's post or comment may lead here too, not only one on it.
    if report is not None and report.reported_user_id != user.pk:
        raise ValidationError("This report is about another account.")
    suspended = _set_active(user.pk, active=False)
    if suspended is not None:
        user_blacklist_refresh_tokens(user=suspended)
        _end_sessions(suspended)
    return action.settle(
        Kind.SUSPEND_USER,
        changed=suspended is not None,
        report=report,
        # Everything of theirs disappears, so no report about it is left to act on.
        reports=Report.objects.filter(reported_user_id=user.pk),
    )


@transaction.atomic
def user_unsuspend(*, moderator: User, user: User, note: str = "") -> ModerationAction | None:
    """Let a suspended account log in again (with its password; old sessions and
    refresh tokens stay ended). Needs `posts.suspend_user`; an active account stays as
    it is (nothing logged)."""
    action = _start(moderator, "posts.suspend_user", note, _user_subject(user))
    _check_may_suspend(moderator, user)
    return action.log(Kind.UNSUSPEND_USER, changed=_set_active(user.pk, active=True) is not None)


# --- Dismissing ---------------------------------------------------------------------------


@transaction.atomic
def report_dismiss(*, moderator: User, report: Report, note: str = "") -> ModerationAction | None:
    """Close a report, and every other open report on the same target, as dismissed:
    nothing is wrong with the content. Needs `posts.resolve_report`. A report already
    closed stays as it is (nothing logged)."""
    subject = _Subject(report.target_type, report.target_id, report.reported_user_id)
    action = _start(moderator, "posts.resolve_report", note, subject)
    resolved = action.resolve(Report.Status.DISMISSED)
    return action.log(Kind.DISMISS_REPORT, changed=False, resolved=resolved, report=report)
