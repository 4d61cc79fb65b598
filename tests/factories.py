"""factory_boy factories shared by every test module."""

import factory

from accounts.models import User

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def save_password(user: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            user.save()


# --- posts ------------------------------------------------------------------------------
# Models and services are imported lazily, and the factories defined only where the posts
# app is installed, so this module loads in every configuration.


def small_image_file(name: str = "photo.jpg", size: tuple[int, int] = (40, 30)) -> object:
    """A tiny real JPEG as an uploaded file, fast through the image pipeline."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    image = Image.new("RGB", size, (200, 120, 40))
    image.paste((30, 90, 200), (0, 0, size[0] // 2, size[1]))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


from django.apps import apps  # noqa: E402 (this section is appended to the module)

if apps.is_installed("posts"):

    class PostFactory(factory.django.DjangoModelFactory):
        """A post made through posts.services.post_create: real stored renditions of a tiny
        image (one photo unless `photos=n`), hashtags and mentions parsed, counters kept."""

        class Meta:
            model = "posts.Post"

        author = factory.SubFactory(UserFactory)
        caption = factory.Faker("sentence")

        @classmethod
        def _create(cls, model_class: type, *args: object, **kwargs: object) -> object:
            from posts.services import post_create

            photos = kwargs.pop("photos", 1)
            alt_texts = kwargs.pop("alt_texts", None)
            post = post_create(
                author=kwargs.pop("author"),
                images=[small_image_file() for _ in range(photos)],
                caption=kwargs.pop("caption"),
                alt_texts=alt_texts,
            )
            if kwargs:
                model_class.objects.filter(pk=post.pk).update(**kwargs)
                post.refresh_from_db()
            return post

    class CommentFactory(factory.django.DjangoModelFactory):
        """A comment made through posts.services.comment_create (keeps comments_count)."""

        class Meta:
            model = "posts.Comment"

        post = factory.SubFactory(PostFactory)
        author = factory.SubFactory(UserFactory)
        text = factory.Faker("sentence")

        @classmethod
        def _create(cls, model_class: type, *args: object, **kwargs: object) -> object:
            from posts.services import comment_create

            return comment_create(author=kwargs["author"], post=kwargs["post"], text=kwargs["text"])


# --- social -----------------------------------------------------------------------------
# Graph rows are made through social.services so the counters on User stay exact.

if apps.is_installed("social"):

    def follow(follower: User, followee: User) -> None:
        """`follower` follows `followee`, approved at once even if the account is private."""
        from social import services as social_services

        social_services.follow_create(follower=follower, followee=followee)
        if followee.is_private:
            social_services.follow_request_approve(target=followee, requester=follower)

    def request_follow(requester: User, target: User) -> None:
        """A pending request of `requester` to follow the private `target`."""
        from social import services as social_services

        social_services.follow_create(follower=requester, followee=target)

    def block(blocker: User, blocked: User) -> None:
        from social import services as social_services

        social_services.block_create(blocker=blocker, blocked=blocked)

    def make_private(user: User) -> User:
        user.is_private = True
        user.save(update_fields=["is_private"])
        return user
