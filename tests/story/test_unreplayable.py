"""The not_replayable acknowledgement in a story's front matter: its shape, read as
data, and the one line people see (story/unreplayable.py)."""

from __future__ import annotations

import pytest

from storykit.errors import StorykitError
from storykit.story import unreplayable

SHA, LATER = "9c14ebf1f354a5915157f6e0cc2894b6c2da7efd", "43e4bb9" + "0" * 33


def meta(**fields: object) -> dict[str, object]:
    return {"id": "STORY-030", unreplayable.KEY: {"commit": SHA, "reason": "tests left unstaged", "by": "Ann",
                                                   **fields}}


def test_a_sound_acknowledgement_is_read_and_described() -> None:
    ack = unreplayable.read(meta(fixed_in=LATER, replay_at=LATER))
    assert ack == unreplayable.Acknowledgement(SHA, "tests left unstaged", "Ann", LATER, LATER)
    assert ack.describe() == ("9c14ebf1f3 does not replay (acknowledged by Ann: tests left unstaged); "
                              "fixed in 43e4bb9000; replayed at 43e4bb9000 instead")
    assert unreplayable.problem(meta()) is None
    assert unreplayable.read({"id": "STORY-001"}) is None


@pytest.mark.parametrize(("value", "message"), [
    ("yes", "'not_replayable' must be a mapping of commit, reason, by, fixed_in, replay_at, not str"),
    ({"commit": SHA, "reason": "r"}, "'not_replayable' needs 'by' (text): who acknowledges it"),
    ({"commit": SHA, "reason": " ", "by": "Ann"}, "'not_replayable' needs 'reason' (text): why it does not "
                                                  "replay, in one line"),
    ({"commit": SHA[:10], "reason": "r", "by": "Ann"},
     "'not_replayable.commit' must be a full commit sha (40 hex digits), not '9c14ebf1f3'"),
    ({"commit": SHA, "reason": "r", "by": "Ann", "replay_at": "HEAD"},
     "'not_replayable.replay_at' must be a full commit sha (40 hex digits), not 'HEAD'"),
    ({"commit": SHA, "reason": "two\nlines", "by": "Ann"}, "'not_replayable.reason' must be one line"),
    ({"commit": SHA, "reason": "r", "by": "Ann", "phase": "done"},
     "'not_replayable' has unknown field(s) phase (it takes commit, reason, by, fixed_in, replay_at)"),
])
def test_a_malformed_acknowledgement_is_named_and_refused(value: object, message: str) -> None:
    data = {"id": "STORY-030", unreplayable.KEY: value}
    assert unreplayable.problem(data) == message
    with pytest.raises(StorykitError) as raised:
        unreplayable.read(data)
    assert str(raised.value) == f"STORY-030: {message}; fix 'not_replayable' in its front matter (docs/verify.md)"
