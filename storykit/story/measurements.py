"""The measurements a story shows (not written yet)."""

from __future__ import annotations

from typing import Any

START = "<!-- storykit:measurements:start -->"
END = "<!-- storykit:measurements:end -->"


def require(story_id: str, body: str) -> None:
    raise NotImplementedError


def fill(body: str, meta: dict[str, Any]) -> str:
    raise NotImplementedError


def tick(body: str, meta: dict[str, Any]) -> str:
    raise NotImplementedError
