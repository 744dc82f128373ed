"""Story ids: ``STORY-007`` written, ``STORY-007``, ``007`` or ``7`` accepted."""

from __future__ import annotations

import re

from storykit.errors import StorykitError

_SLUG_STRIP = re.compile(r"[^a-z0-9]+")
MAX_DIGITS = 9


def format_id(number: int, prefix: str = "STORY-", width: int = 3) -> str:
    """The canonical id for ``number``: ``format_id(7) == "STORY-007"``."""
    return f"{prefix}{number:0{width}d}"


def parse_id(text: str, prefix: str = "STORY-", width: int = 3) -> str:
    """Normalise what a user typed to the canonical id, or raise a usage error.

    Only digits may follow the prefix, which also keeps an id from ever naming a
    path outside the stories folder (``../..`` is not an id).
    """
    raw = text.strip()
    digits = raw[len(prefix):] if raw.upper().startswith(prefix.upper()) else raw
    if not digits.isdigit() or not digits.isascii():
        raise StorykitError(
            f"'{text}' is not a story id",
            hint=f"use {format_id(1, prefix, width)}, {1:0{width}d} or 1",
        )
    if len(digits.lstrip("0")) > MAX_DIGITS:  # else one typo makes every later id 10^23 + 1
        raise StorykitError(
            f"'{text}' is not a story id (at most {MAX_DIGITS} digits)",
            hint=f"use {format_id(1, prefix, width)}, {1:0{width}d} or 1",
        )
    return format_id(int(digits), prefix, width)


def id_number(story_id: str, prefix: str = "STORY-") -> int | None:
    """The number in a canonical id, or None when ``story_id`` is not one."""
    if not story_id.upper().startswith(prefix.upper()):
        return None
    digits = story_id[len(prefix):]
    return int(digits) if digits.isdigit() and digits.isascii() else None


def slugify(title: str, max_length: int = 50) -> str:
    """A file-name-safe slug: ``"Add tags table"`` -> ``"add-tags-table"``."""
    slug = _SLUG_STRIP.sub("-", title.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug or "story"
