"""The moderation desk: the report queue, with its actions, and the audit log."""

from django.contrib import admin
from django.db.models import Case, QuerySet, Value, When
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from posts import moderation
from posts.admin.shared import (
    ReadOnlyInline,
    RecordAdmin,
    excerpt,
    has,
    moderation_action,
    thumbnail,
    user_links,
)
from posts.models import ModerationAction, Report


def _reported_content(report: Report, *, photos: int = 1, length: int = 120) -> SafeString:
    """What was reported, as it is now (or as it was, once deleted): a post's photos and
    caption, a comment's text, an account's profile link."""
    if report.target_type == Report.TargetType.USER:
        return format_html("Account {}", user_links(report.reported_user))
    if report.target_type == Report.TargetType.POST and report.post is not None:
        post = report.post
        media = list(post.media.all())[:photos]
        return format_html(
            '{} <a href="{}">{}</a>{}<br>{} (<a href="{}">admin</a>)',
            format_html_join(" ", "{}", ((thumbnail(item),) for item in media)),
            post.get_absolute_url(),
            f"Post {post.pk}",
            " · hidden" if post.hidden_at else "",
            excerpt(post.caption, length) or "(no caption)",
            reverse("admin:posts_post_change", args=[post.pk]),
        )
    if report.target_type == Report.TargetType.COMMENT and report.comment is not None:
        comment = report.comment
        return format_html(
            '“{}”<br>on <a href="{}#comment-{}">post {}</a> (<a href="{}">admin</a>)',
            excerpt(comment.text, length),
            reverse("posts:detail", args=[comment.post_id]),
            comment.pk,
            comment.post_id,
            reverse("admin:posts_comment_change", args=[comment.pk]),
        )
    return format_html(
        "<em>Deleted {} {}</em>{}",
        report.get_target_type_display().lower(),
        report.target_id,
        format_html(": “{}”", excerpt(report.content, length)) if report.content else "",
    )


def _is_on_post(report: Report) -> bool:
    return report.target_type == Report.TargetType.POST and report.post is not None


def _is_on_comment(report: Report) -> bool:
    return report.target_type == Report.TargetType.COMMENT and report.comment is not None


class ModerationActionInline(ReadOnlyInline):
    model = ModerationAction
    fk_name = "report"
    fields = ("created_at", "moderator_username", "action", "reports_resolved", "note")
    readonly_fields = fields
    verbose_name = "action taken"
    verbose_name_plural = "actions taken on this report"


@admin.register(Report)
class ReportAdmin(RecordAdmin):
    """The report queue: open reports first, newest first within each status; the
    reported content shown in each row; actions resolve every open report on a target."""

    list_display = (
        "id",
        "status",
        "target_type",
        "reported_content",
        "reported_account",
        "reason_excerpt",
        "reporter",
        "created_at",
        "resolved_by",
    )
    list_display_links = ("id", "reason_excerpt")
    list_filter = ("status", "target_type")
    search_fields = ("reason", "content", "reporter__username", "reported_user__username")
    date_hierarchy = "created_at"
    # Open reports first, then newest first.
    ordering = (
        Case(When(status=Report.Status.OPEN, then=Value(0)), default=Value(1)).asc(),
        "-created_at",
        "-pk",
    )
    fields = (
        "status",
        "target_type",
        "target_id",
        "reported_content_in_full",
        "reported_account",
        "reporter",
        "reason",
        "created_at",
        "resolved_by",
        "resolved_at",
    )
    readonly_fields = fields
    inlines = (ModerationActionInline,)
    actions = ("hide_posts", "delete_comments", "suspend_accounts", "dismiss_reports")

    has_hide_permission = has("posts.hide_post")
    has_remove_comment_permission = has("posts.delete_comment")
    has_suspend_permission = has("posts.suspend_user")
    has_resolve_permission = has("posts.resolve_report")

    hide_posts = moderation_action(
        description="Hide the reported posts",
        permission="hide",
        applies=_is_on_post,
        act=lambda moderator, report: moderation.post_hide(
            moderator=moderator, post=report.post, report=report
        ),
        done="Hid {count} post(s).",
    )
    delete_comments = moderation_action(
        description="Delete the reported comments",
        permission="remove_comment",
        applies=_is_on_comment,
        act=lambda moderator, report: moderation.comment_remove(
            moderator=moderator, comment=report.comment, report=report
        ),
        done="Deleted {count} comment(s).",
    )
    suspend_accounts = moderation_action(
        description="Suspend the reported accounts (or the content's authors)",
        permission="suspend",
        act=lambda moderator, report: moderation.user_suspend(
            moderator=moderator, user=report.reported_user, report=report
        ),
        done="Suspended {count} account(s).",
    )
    dismiss_reports = moderation_action(
        description="Dismiss the selected reports",
        permission="resolve",
        act=lambda moderator, report: moderation.report_dismiss(moderator=moderator, report=report),
        done="Dismissed reports on {count} target(s).",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        return (
            super()
            .get_queryset(request)
            .select_related("reporter", "reported_user", "post", "comment", "resolved_by")
            .prefetch_related("post__media")
        )

    @admin.display(description="Reported content")
    def reported_content(self, report: Report) -> SafeString:
        return _reported_content(report)

    @admin.display(description="Reported content")
    def reported_content_in_full(self, report: Report) -> SafeString:
        return _reported_content(report, photos=10, length=2200)

    @admin.display(description="Account", ordering="reported_user__username")
    def reported_account(self, report: Report) -> SafeString | str:
        return user_links(report.reported_user)

    @admin.display(description="Reason")
    def reason_excerpt(self, report: Report) -> str:
        return excerpt(report.reason)


@admin.register(ModerationAction)
class ModerationActionAdmin(RecordAdmin):
    """The audit log: who did what, when, to what, on which report. Never changed."""

    list_display = (
        "created_at",
        "moderator_username",
        "action",
        "target_type",
        "target_id",
        "target_account",
        "report",
        "reports_resolved",
        "note",
    )
    list_filter = ("action", "target_type")
    list_select_related = ("target_user", "report")
    search_fields = ("moderator_username", "target_user__username", "note")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    fields = (
        "created_at",
        "moderator",
        "moderator_username",
        "action",
        "target_type",
        "target_id",
        "target_user",
        "report",
        "reports_resolved",
        "note",
    )
    readonly_fields = fields

    @admin.display(description="Account", ordering="target_user__username")
    def target_account(self, action: ModerationAction) -> SafeString | str:
        return user_links(action.target_user)
