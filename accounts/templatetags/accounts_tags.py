from django import template
from django.utils.html import format_html

from accounts.api.serializers import avatar_urls
from accounts.models import User

register = template.Library()


# Pixel size -> (box, initial) classes. Classes, not style="": the site's
# Content-Security-Policy forbids style attributes. Written out whole so Tailwind finds them.
AVATAR_SIZE_CLASSES: dict[int, tuple[str, str]] = {
    24: ("size-6", "text-xs"),
    28: ("size-7", "text-sm"),
    32: ("size-8", "text-base"),
    36: ("size-9", "text-lg"),
    40: ("size-10", "text-xl"),
    48: ("size-12", "text-2xl"),
    64: ("size-16", "text-3xl"),
    96: ("size-24", "text-5xl"),
    144: ("size-36", "text-7xl"),
}


def avatar_size_classes(pixels: int) -> tuple[str, str]:
    """The classes of the listed size nearest to `pixels`."""
    nearest = min(AVATAR_SIZE_CLASSES, key=lambda size: abs(size - pixels))
    return AVATAR_SIZE_CLASSES[nearest]


@register.simple_tag
def avatar(user: User, size: str = "small", pixels: int = 32) -> str:
    """A round avatar image, or the user's initial on a grey disc when there is none."""
    box, text = avatar_size_classes(pixels)
    urls = avatar_urls(user)
    if urls:
        return format_html(
            '<img src="{}" alt="{}\'s profile picture" width="{}" height="{}" '
            'class="{} shrink-0 rounded-full object-cover" loading="lazy" decoding="async">',
            urls[size], user.username, pixels, pixels, box,
        )  # fmt: skip
    return format_html(
        '<span class="inline-flex {} {} shrink-0 items-center justify-center rounded-full '
        'bg-gray-200 font-semibold text-gray-600" aria-hidden="true">{}</span>',
        box, text, user.username[:1].upper(),
    )  # fmt: skip
