"""Live updates follow moderation: a hidden post's subscriptions go through the
visibility rule like every other read."""

import pytest
from django.contrib.auth.models import Permission

from posts import moderation
from tests.factories import PostFactory, UserFactory
from tests.live.conftest import connect, db, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


@db
def hidden_post_with_people() -> tuple:
    author, other = UserFactory(username="author"), UserFactory(username="other")
    moderator = UserFactory(username="mod", is_staff=True)
    # The permission itself, not the Moderators group: a transactional test's flush
    # empties the groups the data migration made (permissions are re-created).
    moderator.user_permissions.add(
        Permission.objects.get(content_type__app_label="posts", codename="hide_post")
    )
    post = PostFactory(author=author)
    moderation.post_hide(moderator=type(moderator).objects.get(pk=moderator.pk), post=post)
    return post, author, other, moderator


async def test_a_hidden_post_cannot_be_watched_but_by_its_author_and_staff() -> None:
    post, author, other, moderator = await hidden_post_with_people()

    assert await subscribe(await connect(), [post.pk]) == []
    assert await subscribe(await connect(other), [post.pk]) == []
    assert await subscribe(await connect(author), [post.pk]) == [post.pk]
    assert await subscribe(await connect(moderator), [post.pk]) == [post.pk]
