"""The settings of one test run, resolved once: the command-line option, else the
story's front matter, else the config.

A key set to null in a story (``min_tests: null``) is not set: the config's value
applies, as if the key were absent.  Pure: the caller passes the front matter and
anything with the config's ``min_tests``, ``timeout`` and ``allow_skips``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class Defaults(Protocol):
    """What the project's config provides (storykit.project.config.Config)."""

    @property
    def min_tests(self) -> int: ...

    @property
    def timeout(self) -> float | None: ...

    @property
    def allow_skips(self) -> bool: ...


@dataclass(frozen=True)
class RunSettings:
    """How a story's tests run and what a passing run must show."""

    timeout: float | None  # seconds before the run is killed; None: no limit
    min_tests: int  # passing tests needed for green
    allow_skips: bool  # skipped/xfailed story tests may count towards green


def resolve(meta: Mapping[str, Any], defaults: Defaults, *, timeout: float | None = None) -> RunSettings:
    """The settings for a story with front matter ``meta``; ``timeout`` is the
    command-line option (None when not given)."""
    story_timeout = meta.get("timeout")
    story_min = meta.get("min_tests")
    if timeout is None:
        # 0 in a story is "no timeout of its own", as it always was.
        timeout = float(story_timeout) if story_timeout else defaults.timeout
    return RunSettings(
        timeout=timeout,
        min_tests=int(story_min) if story_min is not None else int(defaults.min_tests),
        allow_skips=bool(defaults.allow_skips),
    )


def min_tests_of(meta: Mapping[str, Any], defaults: Defaults) -> int:
    """``resolve(meta, defaults).min_tests``, alone (``storykit check`` asks it of every story)."""
    story_min = meta.get("min_tests")
    return int(story_min) if story_min is not None else int(defaults.min_tests)
