"""`python manage.py seed_demo`: a believable demo site through the real services.

Users with generated avatars, posts of generated photos (through the image pipeline),
follows, likes, comments and hashtags, spread over the last week so explore and trending
have something to show. Refuses to run twice; `--reset` deletes the previous demo users
(and with them everything they made) first. Every demo user's password is printed.
"""

import io
import random
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts import services as account_services
from accounts.models import User
from feed.models import TimelineEntry
from posts import services as post_services
from posts.models import Post, PostHashtag
from social import services as social_services

DEMO_EMAIL_DOMAIN = "demo.example.com"
DEMO_PASSWORD = "demo-password-2024"  # noqa: S105 (printed on purpose: a local demo)
FIRST_NAMES = [
    "Ava",
    "Ben",
    "Chloe",
    "Dario",
    "Elena",
    "Femi",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kaia",
    "Leo",
    "Mina",
    "Noah",
    "Olga",
    "Priya",
    "Quinn",
    "Rafael",
    "Sofia",
    "Tariq",
    "Uma",
    "Viktor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Amara",
    "Bruno",
    "Celine",
    "Diego",
    "Esme",
    "Felix",
]
LAST_NAMES = [
    "Rossi",
    "Okafor",
    "Lindqvist",
    "Tanaka",
    "Moreau",
    "Silva",
    "Novak",
    "Haddad",
    "Kim",
    "Walsh",
    "Adeyemi",
]
TAGS = [
    "sunset",
    "beach",
    "mountains",
    "coffee",
    "citylights",
    "streetphotography",
    "travel",
    "foodie",
    "latte",
    "architecture",
    "nature",
    "hiking",
    "dogsofinstagram",
    "catsofinstagram",
    "film",
    "bokeh",
    "autumn",
    "minimal",
]
CAPTIONS = (
    "Golden hour never gets old",
    "Weekend mood",
    "Found this little corner today",
    "Can't stop looking at these colours",
    "Morning walk",
    "Throwback to last summer",
    "New favourite spot",
    "Shapes and light",
)
COMMENTS = ("Love this!", "Stunning 😍", "Where is this?", "So good", "Wow", "Great light", "🔥🔥")
PALETTES = (
    ((255, 94, 77), (255, 195, 113)),
    ((39, 60, 117), (93, 173, 226)),
    ((34, 139, 87), (196, 228, 135)),
    ((88, 24, 69), (250, 128, 114)),
    ((20, 20, 30), (120, 120, 160)),
    ((240, 200, 160), (120, 80, 60)),
)


def _photo(rng: random.Random, size: tuple[int, int]) -> bytes:
    """A gradient with a few soft shapes: cheap to make, pleasant enough to look at."""
    top, bottom = rng.choice(PALETTES)
    width, height = size
    mask = Image.linear_gradient("L").resize(size)
    image = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)
    draw = ImageDraw.Draw(image, "RGBA")
    for _ in range(rng.randint(2, 6)):
        x, y = rng.randint(0, width), rng.randint(0, height)
        radius = rng.randint(width // 12, width // 3)
        colour = (*(rng.randint(0, 255) for _ in range(3)), rng.randint(60, 160))
        shape = draw.ellipse if rng.random() < 0.6 else draw.rectangle
        shape((x - radius, y - radius, x + radius, y + radius), fill=colour)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _upload(rng: random.Random, name: str, size: tuple[int, int]) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _photo(rng, size), content_type="image/jpeg")


class Command(BaseCommand):
    help = "Fill an empty site with demo users, photos, follows, likes and comments."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=30)
        parser.add_argument("--posts", type=int, default=120)
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument(
            "--reset", action="store_true", help="delete the previous demo users first"
        )

    def handle(self, *args: object, **options: object) -> None:
        rng = random.Random(options["seed"])
        demo_users = User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")
        if demo_users.exists():
            if not options["reset"]:
                raise CommandError("Demo data exists already; run with --reset to replace it.")
            # Through each user's posts, so their files leave storage too.
            for post in Post.objects.filter(author__in=demo_users).select_related("author"):
                post_services.post_delete(post=post, actor=post.author)
            demo_users.delete()
        users = self._users(rng, int(options["users"]))
        self._follows(rng, users)
        posts = self._posts(rng, users, int(options["posts"]))
        self._engagement(rng, users, posts)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {len(users)} users, {len(posts)} posts. Log in as "
                f"{users[0].username} (or any demo user) with the password {DEMO_PASSWORD}."
            )
        )

    def _users(self, rng: random.Random, count: int) -> list[User]:
        users = []
        for number in range(count):
            first = FIRST_NAMES[number % len(FIRST_NAMES)]
            last = rng.choice(LAST_NAMES)
            username = f"{first.lower()}.{last.lower()}"[:26] + (
                f"{number}" if number >= 30 else ""
            )
            user = account_services.user_create(
                username=username, email=f"{username}@{DEMO_EMAIL_DOMAIN}", password=DEMO_PASSWORD
            )
            account_services.user_update_profile(
                user=user,
                full_name=f"{first} {last}",
                bio=rng.choice(("Photos of everyday things", "Coffee, film, light", "")),
                is_private=number % 10 == 9,
            )
            account_services.user_set_avatar(
                user=user, upload=_upload(rng, "avatar.jpg", (256, 256))
            )
            users.append(user)
        return users

    def _follows(self, rng: random.Random, users: list[User]) -> None:
        for user in users:
            # A few popular accounts: the first ones are followed far more often.
            weights = [1 / (index + 1) for index in range(len(users))]
            for followee in set(rng.choices(users, weights=weights, k=rng.randint(4, 12))):
                if followee.pk == user.pk:
                    continue
                social_services.follow_create(follower=user, followee=followee)
                if followee.is_private:
                    social_services.follow_request_approve(target=followee, requester=user)

    def _posts(self, rng: random.Random, users: list[User], count: int) -> list[Post]:
        posts = []
        now = timezone.now()
        for _ in range(count):
            author = rng.choice(users)
            tags = " ".join(f"#{tag}" for tag in rng.sample(TAGS, rng.randint(1, 3)))
            mention = f" with @{rng.choice(users).username}" if rng.random() < 0.2 else ""
            size = rng.choice(((640, 640), (640, 480), (480, 600)))
            images = [
                _upload(rng, f"photo{n}.jpg", size) for n in range(rng.choice((1, 1, 1, 2, 3)))
            ]
            post = post_services.post_create(
                author=author, images=images, caption=f"{rng.choice(CAPTIONS)} {tags}{mention}"
            )
            # Spread over the last week (the fan-out already ran: move its entries too).
            created = now - timedelta(minutes=rng.randint(5, 7 * 24 * 60))
            with transaction.atomic():
                Post.objects.filter(pk=post.pk).update(created_at=created)
                PostHashtag.objects.filter(post=post).update(post_created_at=created)
                TimelineEntry.objects.filter(post=post).update(created_at=created)
            posts.append(post)
        return posts

    def _engagement(self, rng: random.Random, users: list[User], posts: list[Post]) -> None:
        for post in posts:
            fans = rng.sample(users, rng.randint(0, min(len(users), 12)))
            for fan in fans:
                try:
                    post_services.like_create(user=fan, post=post)
                    if rng.random() < 0.2:
                        post_services.comment_create(
                            author=fan, post=post, text=rng.choice(COMMENTS)
                        )
                except Exception:  # noqa: S112 (a private post a fan may not see: skip it)
                    continue
