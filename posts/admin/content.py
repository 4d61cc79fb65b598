"""Posts (with their photos), comments and hashtags: read-only, moderated through the
actions and the delete pages, which go through posts.moderation."""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from instaclone.images import rendition_url
from posts import moderation
from posts.admin.shared import (
    ReadOnlyAdmin,
    ReadOnlyInline,
    RemovedThroughModerationAdmin,
    excerpt,
    has,
    moderation_action,
)
from posts.models import Comment, Hashtag, Post, PostMedia


class PostMediaInline(ReadOnlyInline):
    model = PostMedia
    fields = ("position", "preview", "alt_text", "width", "height", "blurhash")
    readonly_fields = fields
    show_change_link = False

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
class PostAdmin(RemovedThroughModerationAdmin):
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

    has_hide_permission = has("posts.hide_post")

    hide_posts = moderation_action(
        description="Hide the selected posts",
        permission="hide",
        act=lambda moderator, post: moderation.post_hide(moderator=moderator, post=post),
        done="Hid {count} post(s).",
    )
    unhide_posts = moderation_action(
        description="Unhide the selected posts",
        permission="hide",
        act=lambda moderator, post: moderation.post_unhide(moderator=moderator, post=post),
        done="Unhid {count} post(s).",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        return super().get_queryset(request).annotate(photos=Count("media"))

    @admin.display(description="Photos", ordering="photos")
    def photos_count(self, post: Post) -> int:
        return post.photos  # type: ignore[attr-defined]

    @admin.display(description="Caption")
    def caption_excerpt(self, post: Post) -> str:
        return excerpt(post.caption)

    @admin.display(description="Hidden", boolean=True, ordering="hidden_at")
    def is_hidden(self, post: Post) -> bool:
        return post.hidden_at is not None

    def delete_model(self, request: HttpRequest, obj: Post) -> None:
        moderation.post_remove(moderator=request.user, post=obj)


@admin.register(Comment)
class CommentAdmin(RemovedThroughModerationAdmin):
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
        return excerpt(comment.text)

    def delete_model(self, request: HttpRequest, obj: Comment) -> None:
        moderation.comment_remove(moderator=request.user, comment=obj)


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
