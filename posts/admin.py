"""The admin of posts: the moderation desk (report queue, audit log) and a moderation
view of posts, comments, hashtags and accounts.

Posts and comments are shown read-only; they can be hidden or deleted, and accounts
suspended, only through posts.moderation like every other face: the media files leave
storage after the commit, the counters (`User.posts_count`, `Post.comments_count`) stay
exact, open reports on the target are resolved, and every action is written to the audit
log (`ModerationAction`, read-only here). Editing a caption here would skip the hashtag
and mention parsing of `post_update`, so the admin does not offer it.

Who may do what comes from Django permissions (the "Moderators" and "Admins" groups of
migration posts.0003): each action is offered only with its permission, and the
moderation services check it again (403 otherwise).
"""

from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, QuerySet, Value, When
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from accounts.admin import UserAdmin
from accounts.models import User
from instaclone.images import rendition_url
from posts import moderation
from posts.models import Comment, Hashtag, ModerationAction, Post, PostMedia, Report

EXCERPT_LENGTH = 60


def _excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    return text if len(text) <= length else f"{text[: length - 1]}…"


def _thumbnail(media: PostMedia | None, size: int = 64) -> SafeString | str:
    url = rendition_url(media.renditions, "thumb") if media else None
    if not url:
        return ""
    return format_html(
        '<img src="{}" alt="{}" width="{}" height="{}" loading="lazy">',
        url,
        media.alt_text,  # type: ignore[union-attr]
        size,
        size,
    )


def _user_links(user: User | None) -> SafeString | str:
    """The public profile and the admin page of an account."""
    if user is None:
        return "—"
    return format_html(
        '<a href="{}">@{}</a> (<a href="{}">admin</a>){}',
        reverse("profile", args=[user.username]),
        user.username,
        reverse("admin:accounts_user_change", args=[user.pk]),
        "" if user.is_active else " · suspended",
    )


def _run_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    items: list,
    act: Callable[[object], object],
    done: str,
) -> None:
    """Run a moderation action on each selected item; a refused item (own account, a
    report about something else) is reported and skipped, the others go ahead."""
    acted = 0
    for item in items:
        try:
            if act(item) is not None:
                acted += 1
        except ValidationError as error:
            modeladmin.message_user(
                request, f"{item}: {' '.join(error.messages)}", level=messages.ERROR
            )
    modeladmin.message_user(request, done.format(count=acted), level=messages.SUCCESS)


def _has(permission: str) -> Callable[[admin.ModelAdmin, HttpRequest], bool]:
    def check(modeladmin: admin.ModelAdmin, request: HttpRequest) -> bool:
        return request.user.has_perm(permission)

    return check


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by posts.services: viewable and deletable, never added or edited."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class PostMediaInline(admin.TabularInline):
    model = PostMedia
    fields = ("position", "preview", "alt_text", "width", "height", "blurhash")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="Preview")
    def preview(self, media: PostMedia) -> SafeString | str:
        url = rendition_url(media.renditions, "thumb")
        if not url:
            return "—"
        return format_html(
            '<a href="{}"><img src="{}" alt="{}" width="96" height="96" loading="lazy"></a>',
            rendition_url(media.renditions, "full") or url,
            url,
            media.alt_text,
        )


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "author",
        "created_at",
        "photos_count",
        "likes_count",
        "comments_count",
        "caption_excerpt",
        "is_hidden",
    )
    list_display_links = ("id", "caption_excerpt")
    list_select_related = ("author",)
    list_filter = (("hidden_at", admin.EmptyFieldListFilter),)
    search_fields = ("caption", "author__username")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    raw_id_fields = ("author",)
    fields = (
        "author",
        "caption",
        "created_at",
        "updated_at",
        "hidden_at",
        "likes_count",
        "comments_count",
    )
    readonly_fields = fields
    inlines = (PostMediaInline,)
    actions = ("hide_posts", "unhide_posts")

    has_hide_permission = _has("posts.hide_post")

    @admin.action(description="Hide the selected posts", permissions=["hide"])
    def hide_posts(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        _run_each(
            self,
            request,
            list(queryset),
            lambda post: moderation.post_hide(moderator=request.user, post=post),
            "Hid {count} post(s).",
        )

    @admin.action(description="Unhide the selected posts", permissions=["hide"])
    def unhide_posts(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        _run_each(
            self,
            request,
            list(queryset),
            lambda post: moderation.post_unhide(moderator=request.user, post=post),
            "Unhid {count} post(s).",
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        return super().get_queryset(request).annotate(photos=Count("media"))

    @admin.display(description="Photos", ordering="photos")
    def photos_count(self, post: Post) -> int:
        return post.photos  # type: ignore[attr-defined]

    @admin.display(description="Caption")
    def caption_excerpt(self, post: Post) -> str:
        return _excerpt(post.caption)

    @admin.display(description="Hidden", boolean=True, ordering="hidden_at")
    def is_hidden(self, post: Post) -> bool:
        return post.hidden_at is not None

    def delete_model(self, request: HttpRequest, obj: Post) -> None:
        moderation.post_remove(moderator=request.user, post=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        for post in queryset:
            moderation.post_remove(moderator=request.user, post=post)


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ("id", "author", "post", "created_at", "text_excerpt")
    list_select_related = ("author",)
    search_fields = ("text", "author__username")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    raw_id_fields = ("author", "post")
    fields = ("author", "post", "text", "created_at")
    readonly_fields = fields

    @admin.display(description="Text")
    def text_excerpt(self, comment: Comment) -> str:
        return _excerpt(comment.text)

    def delete_model(self, request: HttpRequest, obj: Comment) -> None:
        moderation.comment_remove(moderator=request.user, comment=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        for comment in queryset:
            moderation.comment_remove(moderator=request.user, comment=comment)


@admin.register(Hashtag)
class HashtagAdmin(ReadOnlyAdmin):
    list_display = ("name", "created_at", "posts_count")
    search_fields = ("name",)
    ordering = ("name",)
    fields = ("name", "created_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Hashtag]:
        return super().get_queryset(request).annotate(posts_total=Count("post_hashtags"))

    @admin.display(description="Posts", ordering="posts_total")
    def posts_count(self, hashtag: Hashtag) -> int:
        return hashtag.posts_total  # type: ignore[attr-defined]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # A tag is derived from captions: deleting it would leave captions that still say
        # #name with no tag page until they are edited.
        return False


# --- Moderation -----------------------------------------------------------------------------


def _reported_content(report: Report, *, photos: int = 1, length: int = 120) -> SafeString:
    """What was reported, as it is now (or as it was, once deleted): a post's photos and
    caption, a comment's text, an account's profile link."""
    if report.target_type == Report.TargetType.USER:
        return format_html("Account {}", _user_links(report.reported_user))
    if report.target_type == Report.TargetType.POST and report.post is not None:
        post = report.post
        media = list(post.media.all())[:photos]
        return format_html(
            '{} <a href="{}">{}</a>{}<br>{} (<a href="{}">admin</a>)',
            format_html_join(" ", "{}", ((_thumbnail(item),) for item in media)),
            post.get_absolute_url(),
            f"Post {post.pk}",
            " · hidden" if post.hidden_at else "",
            _excerpt(post.caption, length) or "(no caption)",
            reverse("admin:posts_post_change", args=[post.pk]),
        )
    if report.target_type == Report.TargetType.COMMENT and report.comment is not None:
        comment = report.comment
        return format_html(
            '“{}”<br>on <a href="{}#comment-{}">post {}</a> (<a href="{}">admin</a>)',
            _excerpt(comment.text, length),
            reverse("posts:detail", args=[comment.post_id]),
            comment.pk,
            comment.post_id,
            reverse("admin:posts_comment_change", args=[comment.pk]),
        )
    return format_html(
        "<em>Deleted {} {}</em>{}",
        report.get_target_type_display().lower(),
        report.target_id,
        format_html(": “{}”", _excerpt(report.content, length)) if report.content else "",
    )


class ModerationActionInline(admin.TabularInline):
    model = ModerationAction
    fk_name = "report"
    fields = ("created_at", "moderator_username", "action", "reports_resolved", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "action taken"
    verbose_name_plural = "actions taken on this report"

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
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

    has_hide_permission = _has("posts.hide_post")
    has_remove_comment_permission = _has("posts.delete_comment")
    has_suspend_permission = _has("posts.suspend_user")
    has_resolve_permission = _has("posts.resolve_report")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        return (
            super()
            .get_queryset(request)
            .select_related("reporter", "reported_user", "post", "comment", "resolved_by")
            .prefetch_related("post__media")
        )

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # A report is part of the record of what moderators were told and did.
        return False

    @admin.display(description="Reported content")
    def reported_content(self, report: Report) -> SafeString:
        return _reported_content(report)

    @admin.display(description="Reported content")
    def reported_content_in_full(self, report: Report) -> SafeString:
        return _reported_content(report, photos=10, length=2200)

    @admin.display(description="Account", ordering="reported_user__username")
    def reported_account(self, report: Report) -> SafeString | str:
        return _user_links(report.reported_user)

    @admin.display(description="Reason")
    def reason_excerpt(self, report: Report) -> str:
        return _excerpt(report.reason)

    @admin.action(description="Hide the reported posts", permissions=["hide"])
    def hide_posts(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        reports = [r for r in queryset if r.target_type == Report.TargetType.POST and r.post]
        _run_each(
            self,
            request,
            reports,
            lambda report: moderation.post_hide(
                moderator=request.user, post=report.post, report=report
            ),
            "Hid {count} post(s).",
        )

    @admin.action(description="Delete the reported comments", permissions=["remove_comment"])
    def delete_comments(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        reports = [r for r in queryset if r.target_type == Report.TargetType.COMMENT and r.comment]
        _run_each(
            self,
            request,
            reports,
            lambda report: moderation.comment_remove(
                moderator=request.user, comment=report.comment, report=report
            ),
            "Deleted {count} comment(s).",
        )

    @admin.action(
        description="Suspend the reported accounts (or the content's authors)",
        permissions=["suspend"],
    )
    def suspend_accounts(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        _run_each(
            self,
            request,
            list(queryset),
            lambda report: moderation.user_suspend(
                moderator=request.user, user=report.reported_user, report=report
            ),
            "Suspended {count} account(s).",
        )

    @admin.action(description="Dismiss the selected reports", permissions=["resolve"])
    def dismiss_reports(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        _run_each(
            self,
            request,
            list(queryset),
            lambda report: moderation.report_dismiss(moderator=request.user, report=report),
            "Dismissed reports on {count} target(s).",
        )


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="Account", ordering="target_user__username")
    def target_account(self, action: ModerationAction) -> SafeString | str:
        return _user_links(action.target_user)


# accounts sits below posts and cannot import moderation, so the suspend actions join its
# user admin here.
admin.site.unregister(User)


@admin.register(User)
class ModeratedUserAdmin(UserAdmin):
    actions = ("suspend_accounts", "unsuspend_accounts")

    has_suspend_permission = _has("posts.suspend_user")

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> tuple:
        fields = tuple(super().get_readonly_fields(request, obj))
        # Suspension goes through the actions, so that it is logged and its sessions end.
        return (*fields, "is_active") if obj is not None else fields

    @admin.action(description="Suspend the selected accounts", permissions=["suspend"])
    def suspend_accounts(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        _run_each(
            self,
            request,
            list(queryset),
            lambda user: moderation.user_suspend(moderator=request.user, user=user),
            "Suspended {count} account(s).",
        )

    @admin.action(description="Unsuspend the selected accounts", permissions=["suspend"])
    def unsuspend_accounts(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        _run_each(
            self,
            request,
            list(queryset),
            lambda user: moderation.user_unsuspend(moderator=request.user, user=user),
            "Unsuspended {count} account(s).",
        )
