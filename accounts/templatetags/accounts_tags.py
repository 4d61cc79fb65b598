from django import template
from django.utils.html import format_html

from accounts.api.serializers import avatar_urls
from accounts.models import User

register = template.Library()


@register.simple_tag
def avatar(user: User, size: str = "small", pixels: int = 32) -> str:
    """A round avatar image, or the user's initial on a grey disc when there is none."""
    urls = avatar_urls(user)
    if urls:
        return format_html(
            '<img src="{}" alt="{}\'s profile picture" width="{}" height="{}" '
            'class="shrink-0 rounded-full object-cover" style="width:{}px;height:{}px" '
            'loading="lazy" decoding="async">',
            urls[size], user.username, pixels, pixels, pixels, pixels,
        )  # fmt: skip
    return format_html(
        '<span class="inline-flex shrink-0 items-center justify-center rounded-full bg-gray-200 '
        'font-semibold text-gray-600" style="width:{}px;height:{}px;font-size:{}px" '
        'aria-hidden="true">{}</span>',
        pixels, pixels, max(pixels // 2, 10), user.username[:1].upper(),
    )  # fmt: skip
