"""A reviewed acknowledgement that one of a done story's commits does not replay
(not implemented yet: STORY-151)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KEY = "not_replayable"


@dataclass(frozen=True)
class Acknowledgement:
    commit: str
    reason: str
    by: str
    fixed_in: str | None = None
    replay_at: str | None = None

    def describe(self) -> str:
        raise NotImplementedError


def problem(meta: dict[str, Any]) -> str | None:
    raise NotImplementedError


def read(meta: dict[str, Any]) -> Acknowledgement | None:
    raise NotImplementedError
