"""The values of the fields people own that are more than free text: priority and
labels (``new``, ``set``, and the ``list``/``next`` filters read them the same way).

Priority is ``p0`` (most urgent) to ``p3``; ``P1`` is accepted and written ``p1``.
A story without one sorts after every story with one.  A label is one word (no
space, no comma: the command line separates labels with commas).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from storykit.errors import StorykitError

PRIORITIES = ("p0", "p1", "p2", "p3")
_LABEL = re.compile(r"^[^\s,]+$")


def priority(text: str) -> str:
    """A priority as written in the front matter; raises a usage error."""
    value = text.strip().lower()
    if value not in PRIORITIES:
        raise StorykitError(f"priority '{text}' is not one of {', '.join(PRIORITIES)} (p0 most urgent)")
    return value


def labels(values: Iterable[str]) -> list[str]:
    """Labels as written in the front matter: stripped, each once, in the order given."""
    found: list[str] = []
    for raw in values:
        label = raw.strip()
        if not _LABEL.match(label):
            raise StorykitError(f"label '{label}' has a space or a comma; a label is one word such as 'api'")
        if label not in found:
            found.append(label)
    return found


def split_list(text: str) -> list[str]:
    """``"a, b,c"`` -> ``["a", "b", "c"]``; an empty text is an empty list."""
    return [part.strip() for part in text.split(",")] if text.strip() else []


def priority_rank(meta: dict[str, Any]) -> int:
    """Sort key: p0 first, no priority (or one storykit does not know) last."""
    value = meta.get("priority")
    return PRIORITIES.index(value) if value in PRIORITIES else len(PRIORITIES)


def matches(meta: dict[str, Any], *, status: str | None = None, labels: Iterable[str] = (),
            agent: str | None = None, priorities: Iterable[str] = ()) -> bool:
    """Does a story pass the ``list``/``next`` filters?  Labels: all of them;
    priorities: any of them; each filter left out lets every story through."""
    if status is not None and meta.get("status") != status:
        return False
    if agent is not None and meta.get("agent") != agent:
        return False
    wanted = list(priorities)
    if wanted and meta.get("priority") not in wanted:
        return False
    have = meta.get("labels") or []
    return all(label in have for label in labels)
