"""Hashtags and @mentions in captions: parsing for storage, and linking for display.

A hashtag is `#` followed by Unicode letters, marks, digits and underscores, with at least
one letter (so `#1` is not a tag), not preceded by a word character or `&` (so `a#b` and
`&#39;` are not tags). Tag names are stored NFC-normalised and casefolded, so `#Café`,
`#CAFÉ` and `#cafe\u0301` are one tag. A mention is `@` followed by a username (letters,
digits, periods and underscores); a trailing period ends the sentence, not the name.
"""

import unicodedata
from collections.abc import Iterator

from posts.models import HASHTAG_MAX_LENGTH

# More tags or mentions than this in one caption are ignored (Instagram's limits).
MAX_HASHTAGS_PER_POST = 30
MAX_MENTIONS_PER_POST = 20
USERNAME_MAX_LENGTH = 30


def _is_tag_char(char: str) -> bool:
    return char == "_" or unicodedata.category(char)[0] in "LMN"


def _is_username_char(char: str) -> bool:
    return char in "._" or (char.isascii() and char.isalnum())


def _spans(text: str, sigil: str, is_char: object) -> Iterator[tuple[int, int]]:
    """(start, end) of each `sigil` + run of `is_char` characters, sigil included."""
    index = 0
    length = len(text)
    while True:
        index = text.find(sigil, index)
        if index < 0:
            return
        previous = text[index - 1] if index else ""
        end = index + 1
        while end < length and is_char(text[end]):  # type: ignore[operator]
            end += 1
        if previous and (_is_tag_char(previous) or previous in "&@#"):
            index = end if end > index + 1 else index + 1
            continue
        if end > index + 1:
            yield index, end
        index = max(end, index + 1)


def normalise_hashtag(name: str) -> str:
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def hashtag_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, normalised name) of every hashtag in `text`."""
    for start, end in _spans(text, "#", _is_tag_char):
        name = text[start + 1 : end]
        if not any(unicodedata.category(char)[0] == "L" for char in name):
            continue
        if len(name) > HASHTAG_MAX_LENGTH:
            continue
        yield start, end, normalise_hashtag(name)


def mention_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, username) of every @mention in `text`, trailing periods excluded."""
    for start, end in _spans(text, "@", _is_username_char):
        while end > start + 1 and text[end - 1] == ".":
            end -= 1
        username = text[start + 1 : end]
        if username and len(username) <= USERNAME_MAX_LENGTH:
            yield start, end, username


def _unique(values: Iterator[str], limit: int) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(value, None)
        if len(seen) >= limit:
            break
    return list(seen)


def parse_hashtags(text: str) -> list[str]:
    """Distinct normalised tag names, in order of first appearance."""
    text = unicodedata.normalize("NFC", text)
    return _unique((name for _, _, name in hashtag_spans(text)), MAX_HASHTAGS_PER_POST)


def parse_mentions(text: str) -> list[str]:
    """Distinct mentioned usernames (lower-cased), in order of first appearance."""
    return _unique((name.lower() for _, _, name in mention_spans(text)), MAX_MENTIONS_PER_POST)
