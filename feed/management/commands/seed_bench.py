# ruff: noqa: S608 (statements are built from model table names and integers only)
"""`python manage.py seed_bench`: a large synthetic network for the feed benchmark.

Bulk inserts only (COPY on PostgreSQL), no image processing: three real posts go through
the pipeline once and every synthetic post reuses one of their stored renditions. Default
size: 10,000 users, 200,000 posts, 500,000 follows with a power-law follower distribution
(the most followed accounts have 5,000+ followers and become high-reach), 2,000,000
likes, 200,000 comments; counters made exact, timelines built (each follow's latest
--timeline-depth posts, fan-out skipped for high-reach authors) and the tables vacuumed
and analysed.

Benchmark viewers `bench_f10`, `bench_f100`, `bench_f1000`, `bench_f5000` follow that many
accounts (their timelines are complete, so bench_f5000 can page 100,000 posts deep);
`bench_author5k` has exactly 5,000 followers and `bench_author0` none. Their password is
`bench-password`. Refuses a database with users in it unless `--reset` (which deletes
everything in it: a throwaway benchmark database only).
"""

import json
import random
import time
from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from accounts.models import User
from feed.management.commands.seed_demo import _upload
from feed.models import FeedState, HighReachAuthor, TimelineEntry
from posts import services as post_services
from posts.models import Comment, Hashtag, Like, Mention, Post, PostHashtag, PostMedia, Save
from social.models import Block, Follow, FollowRequest, Notification

BENCH_PASSWORD = "bench-password"  # noqa: S105 (a throwaway benchmark database)
VIEWER_FOLLOWS = (10, 100, 1000, 5000)
TAG_NAMES = [f"tag{n}" for n in range(300)]
DAYS = 60


def _table(model: type[Model]) -> str:
    return model._meta.db_table


def _copy(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert rows fast: COPY on PostgreSQL, executemany elsewhere."""
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            statement = f"COPY {_table(model)} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(columns))
        statement = f"INSERT INTO {_table(model)} ({', '.join(columns)}) VALUES ({placeholders})"
        batch: list[Sequence] = []
        for row in rows:
            batch.append(row)
            if len(batch) == 10_000:
                cursor.executemany(statement, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(statement, batch)
            count += len(batch)
    return count


def _power_law_weights(count: int, exponent: float) -> list[float]:
    return [1 / (rank + 1) ** exponent for rank in range(count)]


class Command(BaseCommand):
    help = "Build a large synthetic network (bulk inserts) for `python -m bench feed`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=10_000)
        parser.add_argument("--posts", type=int, default=200_000)
        parser.add_argument("--follows", type=int, default=500_000)
        parser.add_argument("--likes", type=int, default=2_000_000)
        parser.add_argument("--comments", type=int, default=200_000)
        parser.add_argument("--timeline-depth", type=int, default=20)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--reset", action="store_true", help="empty the database first")

    def step(self, label: str, started: float) -> float:
        now = time.monotonic()
        self.stdout.write(f"  {label:<34} {now - started:6.1f} s")
        return now

    def handle(self, *args: object, **options: int) -> None:
        rng = random.Random(options["seed"])
        if User.objects.exists():
            if not options["reset"]:
                raise CommandError("The database has users; --reset empties it (throwaway only).")
            self._empty()
        started = clock = time.monotonic()
        renditions = self._templates(rng)
        clock = self.step("template photos", clock)
        user_ids = self._users(options["users"])
        clock = self.step(f"{len(user_ids):,} users", clock)
        follows = self._follows(rng, user_ids, options["follows"])
        clock = self.step(f"{follows:,} follows", clock)
        post_ids = self._posts(rng, user_ids, options["posts"], renditions)
        clock = self.step(f"{len(post_ids):,} posts with media and tags", clock)
        likes = self._likes(rng, user_ids, post_ids, options["likes"])
        comments = self._comments(rng, user_ids, post_ids, options["comments"])
        clock = self.step(f"{likes:,} likes, {comments:,} comments", clock)
        self._counters()
        clock = self.step("counters", clock)
        entries = self._timelines(options["timeline_depth"])
        clock = self.step(f"{entries:,} timeline entries", clock)
        if connection.vendor == "postgresql":
            # VACUUM too: bulk-loaded tables have no visibility map yet, so every
            # index-only scan (the timeline's) reads the heap as well until autovacuum
            # comes by, which a live site's tables have long had.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")
            clock = self.step("VACUUM (ANALYZE)", clock)
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.0f} s."))

    def _empty(self) -> None:
        models = [
            TimelineEntry, FeedState, HighReachAuthor, Notification, Mention, PostHashtag,
            Hashtag, Like, Save, Comment, PostMedia, Post, Block, FollowRequest, Follow,
        ]  # fmt: skip
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                tables = ", ".join(_table(model) for model in [*models, User])
                cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
                return
        for model in models:
            model.objects.all().delete()
        User.objects.all().delete()

    def _templates(self, rng: random.Random) -> list[dict]:
        author = User.objects.create_user(username="bench_template", email="t@example.com")
        posts = [
            post_services.post_create(author=author, images=[_upload(rng, "p.jpg", (640, 640))])
            for _ in range(3)
        ]
        return [
            {"width": media.width, "height": media.height, "blurhash": media.blurhash,
             "renditions": media.renditions}
            for post in posts for media in post.media.all()
        ]  # fmt: skip

    def _users(self, count: int) -> list[int]:
        now = timezone.now()
        hashed = make_password(BENCH_PASSWORD)
        special = [f"bench_f{n}" for n in VIEWER_FOLLOWS] + ["bench_author5k", "bench_author0"]
        names = [f"u{n}" for n in range(count)] + special
        columns = [
            "password", "is_superuser", "username", "first_name", "last_name", "email",
            "is_staff", "is_active", "date_joined", "full_name", "bio", "website",
            "is_private", "avatar", "followers_count", "following_count", "posts_count",
            "profile_changed_at",
        ]  # fmt: skip
        rows = (
            (
                hashed if name.startswith("bench_") else "!", False, name, "", "",
                f"{name}@example.com", False, True, now, f"User {name}", "", "",
                number % 50 == 49, "{}", 0, 0, 0, now,
            )
            for number, name in enumerate(names)
        )  # fmt: skip
        _copy(User, columns, rows)
        ids = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
        self.special = {name: ids[name] for name in special}
        return [ids[f"u{n}"] for n in range(count)]

    def _follows(self, rng: random.Random, user_ids: list[int], count: int) -> int:
        weights = _power_law_weights(len(user_ids), 1.0)
        per_user = max(count // len(user_ids), 1)
        pairs: list[tuple[int, int]] = []
        for follower in user_ids:
            wanted = min(int(rng.expovariate(1 / per_user)) + 1, len(user_ids) - 1)
            chosen: set[int] = set()
            # Weighted draws repeat the popular accounts: draw until `wanted` distinct ones
            # (a few rounds), else the network ends up with a fifth fewer follows than asked.
            for _ in range(8):
                chosen.update(rng.choices(user_ids, weights=weights, k=wanted - len(chosen)))
                chosen.discard(follower)
                if len(chosen) >= wanted:
                    break
            pairs += [(follower, followee) for followee in chosen]
        others = user_ids[:]
        special = self.special
        for follows in VIEWER_FOLLOWS:
            viewer = special[f"bench_f{follows}"]
            pairs += [
                (viewer, followee) for followee in rng.sample(others, min(follows, len(others)))
            ]
        pairs += [
            (follower, special["bench_author5k"])
            for follower in rng.sample(others, min(5000, len(others)))
        ]
        now = timezone.now()
        return _copy(
            Follow, ["follower_id", "followee_id", "created_at"],
            ((follower, followee, now) for follower, followee in pairs),
        )  # fmt: skip

    def _posts(
        self, rng: random.Random, user_ids: list[int], count: int, renditions: list[dict]
    ) -> list[tuple[int, int, object]]:
        now = timezone.now()
        weights = _power_law_weights(len(user_ids), 0.6)
        authors = rng.choices(user_ids, weights=weights, k=count)
        rows = []
        for author in authors:
            tags = rng.sample(TAG_NAMES, rng.choice((0, 1, 1, 2, 3)))
            created = now - timedelta(seconds=rng.randint(0, DAYS * 86400))
            caption = "Synthetic post " + " ".join(f"#{tag}" for tag in tags)
            rows.append((author, caption.strip(), created, created, 0, 0))
        # Oldest first, so ids grow with time as they would in a live site.
        rows.sort(key=lambda row: row[2])
        _copy(Post, ["author_id", "caption", "created_at", "updated_at", "likes_count",
                     "comments_count"], rows)  # fmt: skip
        posts = list(
            Post.objects.exclude(author__username="bench_template")
            .order_by("pk")
            .values_list("pk", "author_id", "created_at")
        )
        media = [json.dumps(item["renditions"]) for item in renditions]

        def media_rows() -> Iterable[tuple]:
            for pk, _, _ in posts:
                template = renditions[pk % len(renditions)]
                yield (pk, 0, "", template["width"], template["height"], template["blurhash"],
                       media[pk % len(media)])  # fmt: skip

        _copy(PostMedia, ["post_id", "position", "alt_text", "width", "height", "blurhash",
                          "renditions"], media_rows())  # fmt: skip
        Hashtag.objects.bulk_create(Hashtag(name=name) for name in TAG_NAMES)
        self._tags(posts, dict(Hashtag.objects.values_list("name", "pk")))
        return posts

    def _tags(self, posts: list[tuple[int, int, object]], tag_ids: dict[str, int]) -> None:
        captions = dict(Post.objects.filter(caption__contains="#").values_list("pk", "caption"))
        rows = []
        for pk, _, created in posts:
            caption = captions.get(pk)
            if not caption:
                continue
            for name in dict.fromkeys(word[1:] for word in caption.split() if word[0] == "#"):
                rows.append((pk, tag_ids[name], created))
        _copy(PostHashtag, ["post_id", "hashtag_id", "post_created_at"], rows)

    def _likes(
        self, rng: random.Random, user_ids: list[int], posts: list[tuple], count: int
    ) -> int:
        now = timezone.now()
        mean = count / max(len(posts), 1)

        def rows() -> Iterable[tuple]:
            for pk, _, _ in posts:
                # Rounded up or down at random, so the total keeps the asked-for mean.
                wanted = rng.paretovariate(1.5) * mean / 3 + rng.random()
                likers = min(int(wanted), len(user_ids))
                for user in rng.sample(user_ids, likers):
                    yield (user, pk, now)

        return _copy(Like, ["user_id", "post_id", "created_at"], rows())

    def _comments(
        self, rng: random.Random, user_ids: list[int], posts: list[tuple], count: int
    ) -> int:
        def rows() -> Iterable[tuple]:
            for _ in range(count):
                pk, _, created = rng.choice(posts)
                yield (pk, rng.choice(user_ids), f"Comment {rng.randint(1, 999)}", created)

        return _copy(Comment, ["post_id", "author_id", "text", "created_at"], rows())

    def _counters(self) -> None:
        statements = [
            f"""UPDATE {_table(User)} SET followers_count = (SELECT COUNT(*) FROM
                {_table(Follow)} f WHERE f.followee_id = {_table(User)}.id),
                following_count = (SELECT COUNT(*) FROM {_table(Follow)} f
                WHERE f.follower_id = {_table(User)}.id),
                posts_count = (SELECT COUNT(*) FROM {_table(Post)} p
                WHERE p.author_id = {_table(User)}.id)""",
            f"""UPDATE {_table(Post)} SET likes_count = (SELECT COUNT(*) FROM {_table(Like)} l
                WHERE l.post_id = {_table(Post)}.id), comments_count = (SELECT COUNT(*) FROM
                {_table(Comment)} c WHERE c.post_id = {_table(Post)}.id)""",
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def _timelines(self, depth: int) -> int:
        threshold = settings.FEED_FANOUT_MAX_FOLLOWERS
        high_reach = list(
            User.objects.filter(followers_count__gt=threshold).values_list("pk", flat=True)
        )
        HighReachAuthor.objects.bulk_create(HighReachAuthor(user_id=pk) for pk in high_reach)
        entry, post, follow, user = (_table(m) for m in (TimelineEntry, Post, Follow, User))
        full = [self.special[f"bench_f{n}"] for n in VIEWER_FOLLOWS]
        full_ids = ", ".join(str(pk) for pk in full)
        ranked = f"""SELECT id, author_id, created_at, ROW_NUMBER() OVER (
                     PARTITION BY author_id ORDER BY created_at DESC, id DESC) AS rank
                     FROM {post}"""
        statements = [
            # Everyone's own posts.
            f"""INSERT INTO {entry} (owner_id, post_id, author_id, created_at)
                SELECT author_id, id, author_id, created_at FROM {post} WHERE 1 = 1
                ON CONFLICT DO NOTHING""",
            # Each follow's latest `depth` posts (the bench viewers': all of them), except
            # high-reach authors, merged at read time.
            f"""INSERT INTO {entry} (owner_id, post_id, author_id, created_at)
                SELECT f.follower_id, p.id, p.author_id, p.created_at
                FROM {follow} f JOIN ({ranked}) p ON p.author_id = f.followee_id
                JOIN {user} a ON a.id = f.followee_id
                WHERE a.followers_count <= {int(threshold)}
                AND (p.rank <= {int(depth)} OR f.follower_id IN ({full_ids}))
                ON CONFLICT DO NOTHING""",
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        return TimelineEntry.objects.count()
