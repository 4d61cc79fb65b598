"""Reports: a user tells the moderators about a post, comment or account they can see."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from accounts.models import User
from posts import selectors
from posts.models import REPORT_REASON_MAX_LENGTH, Comment, Post, Report
from social import selectors as social_selectors

TargetType = Report.TargetType


@dataclass(frozen=True)
class ReportResult:
    report: Report
    created: bool


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
