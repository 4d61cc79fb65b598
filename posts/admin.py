"""The admin of posts: a moderation view of posts, comments and hashtags.

Posts and comments are shown read-only and can only be deleted, and deleting goes through
posts.services like every other face: the media files leave storage after the commit and
the counters (`User.posts_count`, `Post.comments_count`) stay exact. Editing a caption here
would skip the hashtag and mention parsing of `post_update`, so the admin does not offer it.
"""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from instaclone.images import rendition_url
from posts import services
from posts.models import Comment, Hashtag, Post, PostMedia

EXCERPT_LENGTH = 60


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_LENGTH else f"{text[: EXCERPT_LENGTH - 1]}…"


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
    )
    list_select_related = ("author",)
    search_fields = ("caption", "author__username")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    raw_id_fields = ("author",)
    fields = ("author", "caption", "created_at", "updated_at", "likes_count", "comments_count")
    readonly_fields = fields
    inlines = (PostMediaInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        return super().get_queryset(request).annotate(photos=Count("media"))

    @admin.display(description="Photos", ordering="photos")
    def photos_count(self, post: Post) -> int:
        return post.photos  # type: ignore[attr-defined]

    @admin.display(description="Caption")
    def caption_excerpt(self, post: Post) -> str:
        return _excerpt(post.caption)

    def delete_model(self, request: HttpRequest, obj: Post) -> None:
        services.post_delete(post=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        for post in queryset:
            services.post_delete(post=post, actor=request.user)


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
        services.comment_delete(comment=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        for comment in queryset:
            services.comment_delete(comment=comment, actor=request.user)


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
