"""Hashtags and mentions parsed from captions."""

import pytest

from posts.text import parse_hashtags, parse_mentions


@pytest.mark.parametrize(
    ("caption", "tags"),
    [
        ("#Summer #SUMMER #summer", ["summer"]),
        ("Café time #Café #CAFÉ #cafe\u0301", ["café"]),
        ("#日本 #हिन्दी #Ελλάδα #москва", ["日本", "हिन्दी", "ελλάδα", "москва"]),
        ("#Straße", ["strasse"]),
        ("#summer_2024, #2024 #_", ["summer_2024"]),
        ("email#notatag &#39; ##double", []),
        ("end of sentence #tag.", ["tag"]),
        ("", []),
    ],
)
def test_hashtags_are_unicode_words_compared_without_case(caption: str, tags: list[str]) -> None:
    assert parse_hashtags(caption) == tags


def test_at_most_30_hashtags_are_kept() -> None:
    assert len(parse_hashtags(" ".join(f"#tag{n}" for n in range(40)))) == 30


@pytest.mark.parametrize(
    ("caption", "usernames"),
    [
        ("hi @Bob and @bob", ["bob"]),
        ("thanks @alice_1, @x.y. and bye", ["alice_1", "x.y"]),
        ("mail me at a@b.com or @@z", []),
    ],
)
def test_mentions_are_usernames(caption: str, usernames: list[str]) -> None:
    assert parse_mentions(caption) == usernames
