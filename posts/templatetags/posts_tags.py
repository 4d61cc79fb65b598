"""Rendering helpers of post pages: captions with links, responsive pictures."""

from collections.abc import Collection

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from instaclone.images import rendition_url
from posts.models import PostMedia
from posts.text import hashtag_spans, mention_spans

register = template.Library()

BASE83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"


def tag_url(name: str) -> str:
    # The feed issue's tag page; until it exists the link is the path it will have.
    try:
        return reverse("tag", args=[name])
    except NoReverseMatch:
        return f"/tags/{name}/"


@register.simple_tag
def linkify_caption(text: str, mentioned: Collection[str] = ()) -> SafeString:
    """The caption, escaped, with #hashtags linked, and those @mentions linked that were
    stored as mentions (`mentioned`, lower-case usernames): a mention of someone who
    blocked the author, or of nobody, stays plain text."""
    spans = [(start, end, "tag", name) for start, end, name in hashtag_spans(text)]
    spans += [
        (start, end, "user", name)
        for start, end, name in mention_spans(text)
        if name.lower() in mentioned
    ]
    spans.sort()
    parts: list[str] = []
    position = 0
    for start, end, kind, name in spans:
        if start < position:
            continue
        parts.append(escape(text[position:start]))
        url = tag_url(name) if kind == "tag" else reverse("profile", args=[name])
        parts.append(
            format_html(
                '<a href="{}" class="text-sky-800 hover:underline">{}</a>', url, text[start:end]
            )
        )
        position = end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 (every part is escaped above)


def placeholder_colour(blurhash: str) -> str:
    """The average colour a blurhash encodes (its DC term), as CSS; grey if unreadable.

    Rendered as `data-placeholder-colour` (static/js/app.js paints it): the site's
    Content-Security-Policy forbids style attributes."""
    try:
        value = 0
        for char in blurhash[2:6]:
            value = value * 83 + BASE83.index(char)
    except ValueError:
        return "#e5e7eb"
    if len(blurhash) < 6:
        return "#e5e7eb"
    return f"#{value:06x}"


@register.simple_tag
def post_picture(media: PostMedia, css_class: str = "", eager: bool = False) -> SafeString:
    """A <picture> of one photo: WebP with a JPEG fallback, sized by the browser."""
    renditions = media.renditions

    def srcset(preferred: str) -> str:
        return ", ".join(
            f"{rendition_url(renditions, name, preferred)} {renditions[name]['width']}w"
            for name in ("small", "medium", "full")
            if name in renditions
        )

    fallback = rendition_url(renditions, "medium", "jpeg") or ""
    return format_html(
        '<picture><source type="image/webp" srcset="{}" sizes="(min-width: 768px) 600px, 100vw">'
        '<img src="{}" srcset="{}" sizes="(min-width: 768px) 600px, 100vw" alt="{}" '
        'width="{}" height="{}" class="{}" data-placeholder-colour="{}" loading="{}" '
        'decoding="async"></picture>',
        srcset("webp"), fallback, srcset("jpeg"), media.alt_text, media.width, media.height,
        css_class, placeholder_colour(media.blurhash), "eager" if eager else "lazy",
    )  # fmt: skip


@register.simple_tag
def post_thumb(media: PostMedia | None, css_class: str = "") -> SafeString:
    """The square thumbnail of a post's first photo, for grids."""
    if not media:
        return mark_safe("")
    return format_html(
        '<img src="{}" alt="{}" width="320" height="320" class="{}" data-placeholder-colour="{}" '
        'loading="lazy" decoding="async">',
        rendition_url(media.renditions, "thumb") or "", media.alt_text, css_class,
        placeholder_colour(media.blurhash),
    )  # fmt: skip
