"""A synthetic network made with bulk inserts (no image processing): many followees,
posts that reuse one real post's stored renditions, timelines filled directly."""

from itertools import cycle

from accounts.models import User
from feed.models import TimelineEntry
from posts.models import Comment, Post, PostMedia
from social.models import Follow
from tests.factories import PostFactory, UserFactory


def grow_network(viewer: User, *, followees: int, posts: int, prefix: str) -> list[Post]:
    """`viewer` follows `followees` new accounts, which publish `posts` posts (with two
    photos, hashtags, a mention, and two or three comments each) that are in the viewer's
    timeline. Returns the posts, newest first."""
    template = PostFactory(author=UserFactory(username=f"{prefix}tpl"), photos=2)
    media = list(template.media.all())
    users = User.objects.bulk_create(
        User(username=f"{prefix}{n}", email=f"{prefix}{n}@example.com", password="!")
        for n in range(followees)
    )
    Follow.objects.bulk_create(Follow(follower=viewer, followee=user) for user in users)
    User.objects.filter(pk=viewer.pk).update(following_count=followees)
    authors = cycle(users)
    made = Post.objects.bulk_create(
        Post(author=next(authors), caption=f"Day {n} #{prefix}tag with @{viewer.username}")
        for n in range(posts)
    )
    PostMedia.objects.bulk_create(
        PostMedia(
            post=post,
            position=photo.position,
            width=photo.width,
            height=photo.height,
            blurhash=photo.blurhash,
            renditions=photo.renditions,
        )
        for post in made
        for photo in media
    )
    Comment.objects.bulk_create(
        Comment(post=post, author=user, text=f"Nice {n}")
        for post in made
        for n, user in enumerate(users[:3])
    )
    Post.objects.filter(pk__in=[post.pk for post in made]).update(comments_count=3)
    TimelineEntry.objects.bulk_create(
        TimelineEntry(owner=viewer, post=post, author_id=post.author_id, created_at=post.created_at)
        for post in made
    )
    return sorted(made, key=lambda post: (post.created_at, post.pk), reverse=True)
