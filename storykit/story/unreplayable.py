"""Reviewed acknowledgements about replays: one of a done story's commits does not
replay (``not_replayable``), or its red test fails only sometimes (``flaky_red``, below).

Some recorded histories cannot replay although nothing in them was faked: a
completion commit that lacks the final version of its tests (left unstaged), a test
that raced at that commit on a bug fixed later.  Old commits are never rewritten and
evidence is never made up; instead a person writes down, in the story's front matter,
which commit does not replay and why::

    not_replayable:
      commit: 9c14ebf1f354a5915157f6e0cc2894b6c2da7efd   # the story's green or completion commit
      reason: its final test file was left unstaged      # one line
      by: Jane Doe                                       # who acknowledges it
      fixed_in: 43e4bb9a...                              # optional: the commit that fixed the cause
      replay_at: 43e4bb9a...                             # optional: replay there instead

``storykit verify`` checks that ``commit`` is really that story's green or
completion commit (a red commit cannot be excused: red evidence that does not
replay proves no test was written first), replays it anyway and reports it as not
replayable, never as passed; with ``replay_at`` (a later commit that changes only
the story's tests, into the very bytes the recorded run digested) it replays there
and that replay must pass.  ``storykit check`` shows every acknowledgement as a
warning, so no reviewer misses one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from storykit.errors import StorykitError

KEY = "not_replayable"
FIELDS = ("commit", "reason", "by", "fixed_in", "replay_at")
_SHA = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class Acknowledgement:
    """Who says which commit of the story does not replay, and why."""

    commit: str
    reason: str
    by: str
    fixed_in: str | None = None
    replay_at: str | None = None

    def describe(self) -> str:
        """One line for people: the commit, who, why, and what stands in for it."""
        text = f"{self.commit[:10]} does not replay (acknowledged by {self.by}: {self.reason})"
        if self.fixed_in:
            text += f"; fixed in {self.fixed_in[:10]}"
        if self.replay_at:
            text += f"; replayed at {self.replay_at[:10]} instead"
        return text


def problem(meta: dict[str, Any]) -> str | None:
    """What is wrong with the story's acknowledgement (None: none, or a sound one)."""
    value = meta.get(KEY)
    found = _fields_problem(KEY, value, FIELDS, _NEEDS)
    if found or value is None:
        return found
    for name in ("commit", "fixed_in", "replay_at"):
        sha = value.get(name)
        if sha is not None and not (isinstance(sha, str) and _SHA.fullmatch(sha)):
            return f"'{KEY}.{name}' must be a full commit sha (40 hex digits), not {sha!r}"
    return None


_NEEDS = {"commit": "the full sha of the commit that does not replay",
          "reason": "why it does not replay, in one line", "by": "who acknowledges it"}


def _fields_problem(key: str, value: Any, fields: tuple[str, ...], needs: dict[str, str]) -> str | None:
    """What is wrong with an acknowledgement's fields: a mapping of ``fields`` only, each
    of ``needs`` a text that is not blank, ``reason`` one line (None: none of that)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return f"'{key}' must be a mapping of {', '.join(fields)}, not {type(value).__name__}"
    unknown = sorted(str(k) for k in value if k not in fields)
    if unknown:
        return f"'{key}' has unknown field(s) {', '.join(unknown)} (it takes {', '.join(fields)})"
    for name, what in needs.items():
        if not isinstance(value.get(name), str) or not value[name].strip():
            return f"'{key}' needs '{name}' (text): {what}"
    if "\n" in value["reason"] or "\r" in value["reason"]:
        return f"'{key}.reason' must be one line"
    return None


def read(meta: dict[str, Any]) -> Acknowledgement | None:
    """The story's acknowledgement, or None; a malformed one raises (exit 2)."""
    found = problem(meta)
    if found:
        raise StorykitError(f"{meta.get('id')}: {found}", hint=f"fix '{KEY}' in its front matter (docs/verify.md)")
    value = meta.get(KEY)
    if value is None:
        return None
    return Acknowledgement(value["commit"], value["reason"].strip(), value["by"].strip(),
                           value.get("fixed_in"), value.get("replay_at"))


# -- a red test that reproduces a race ------------------------------------------------
#
# A red test written to reproduce a race fails only when the race is lost: on an idle
# machine nearly always, on a busy one (CI replaying two stories at once) not always.
# A person may say so in the story's front matter:
#
#     flaky_red:
#       attempts: 5                                      # 2 to 10
#       reason: its red test reproduces a race between two writers   # one line
#       by: Jane Doe                                     # who acknowledges it
#
# ``storykit verify`` then replays the red commit up to ``attempts`` times and stops at
# the first replay where the recorded tests fail, saying on which attempt; every attempt
# is a real run, so a red commit whose tests never fail still does not replay.
# ``storykit check`` shows the acknowledgement as a warning on every run.

FLAKY_KEY = "flaky_red"
FLAKY_FIELDS = ("attempts", "reason", "by")
MOST_ATTEMPTS = 10


@dataclass(frozen=True)
class FlakyRed:
    """Who says the story's red test fails only sometimes, why, and how often to try it."""

    attempts: int
    reason: str
    by: str

    def describe(self) -> str:
        return f"flaky red, acknowledged by {self.by}: {self.reason}"


def flaky_problem(meta: dict[str, Any]) -> str | None:
    """What is wrong with the story's ``flaky_red`` (None: none, or a sound one)."""
    value = meta.get(FLAKY_KEY)
    found = _fields_problem(FLAKY_KEY, value, FLAKY_FIELDS, _FLAKY_NEEDS)
    if found or value is None:
        return found
    attempts = value.get("attempts")
    if type(attempts) is not int or not 2 <= attempts <= MOST_ATTEMPTS:
        return f"'{FLAKY_KEY}.attempts' must be a whole number from 2 to {MOST_ATTEMPTS}, not {attempts!r}"
    return None


_FLAKY_NEEDS = {"reason": "why its red test fails only sometimes, in one line", "by": "who acknowledges it"}


def read_flaky(meta: dict[str, Any]) -> FlakyRed | None:
    """The story's ``flaky_red``, or None; a malformed one raises (exit 2)."""
    found = flaky_problem(meta)
    if found:
        raise StorykitError(f"{meta.get('id')}: {found}",
                            hint=f"fix '{FLAKY_KEY}' in its front matter (docs/verify.md)")
    value = meta.get(FLAKY_KEY)
    if value is None:
        return None
    return FlakyRed(value["attempts"], value["reason"].strip(), value["by"].strip())
