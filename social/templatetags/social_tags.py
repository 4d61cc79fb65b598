"""Rendering helpers of social pages: notification thumbnails and sentences."""

from django import template

from instaclone.images import rendition_url
from social.models import Notification

register = template.Library()

VERBS = {
    Notification.Kind.FOLLOW: "started following you.",
    Notification.Kind.FOLLOW_REQUEST: "asked to follow you.",
    Notification.Kind.LIKE: "liked your post.",
    Notification.Kind.COMMENT: "commented:",
    Notification.Kind.MENTION: "mentioned you in a post.",
}


@register.filter
def notification_thumb(notification: Notification) -> str | None:
    """The URL of the post thumbnail the notification's snapshot kept, if any."""
    thumb = notification.snapshot.get("thumb")
    return rendition_url({"thumb": thumb}, "thumb") if thumb else None


@register.filter
def notification_verb(notification: Notification) -> str:
    return VERBS.get(notification.kind, "")
