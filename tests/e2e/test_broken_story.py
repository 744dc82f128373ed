"""One bad story is one finding, never an outage (issue 10).

A story left with git conflict markers, saved as Latin-1 or with broken YAML is named
once (path relative to the project, line, what is wrong, what to do) and marked where
it would have been listed; every other story keeps working; ``check`` fails on it; a
command on the bad story itself refuses before any test runs and changes nothing.
All through real processes, a real git repository and real pytest runs."""

from __future__ import annotations

import stat

import pytest

from conftest import Project
from frozen_state import state

OTHER = "stories/STORY-002-other-work.md"
# A test that leaves a trace when it runs: proof that a refusal came before the run.
TRACING_TEST = ("from pathlib import Path\n\ndef test_other_{i}():\n"
                "    Path('ran.txt').write_text('ran')\n    assert False\n")


def conflict_in_front(text: str) -> tuple[str, int]:
    lines = text.split("\n")
    at = lines.index("status: not-started")
    lines[at:at + 1] = ["<<<<<<< HEAD", "status: not-started", "=======", "status: red", ">>>>>>> feature"]
    return "\n".join(lines), at + 1


def conflict_in_body(text: str) -> tuple[str, int]:
    lines = text.split("\n")
    at = lines.index("## Context") + 2
    lines[at:at] = ["<<<<<<< HEAD", "Ours.", "=======", "Theirs.", ">>>>>>> feature"]
    return "\n".join(lines), at + 1


BREAKS = {
    "conflict-front": (conflict_in_front, "git merge conflict markers; resolve the conflict (keep one side and "
                       "delete the <<<<<<< ======= >>>>>>> lines), then run again"),
    "conflict-body": (conflict_in_body, "git merge conflict markers; resolve the conflict (keep one side and "
                      "delete the <<<<<<< ======= >>>>>>> lines), then run again"),
}


@pytest.fixture
def two(project: Project) -> Project:
    """STORY-001 (healthy, failing tests) and STORY-002 (to be broken), committed."""
    project.tests_file("feature", failing=2)
    assert project.new().exit_code == 0
    project.write("tests/test_other.py", "".join(TRACING_TEST.format(i=i) for i in range(2)))
    assert project.new(title="Other work", tests="tests/test_other.py").exit_code == 0
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "two stories")
    return project


def break_story(project: Project, kind: str) -> tuple[int, str]:
    """Break STORY-002 the way ``kind`` says; (line, message) storykit must name."""
    path = project.root / OTHER
    text = path.read_text(encoding="utf-8")
    if kind == "latin-1":
        broken = text.replace("title: Other work", "title: Other wörk").encode("latin-1", "replace")
        path.write_bytes(broken)
        return 3, "not UTF-8 (byte 0xf6); save the file as UTF-8"
    if kind == "yaml":
        path.write_text(text.replace("title: Other work", "title: [Other work"), encoding="utf-8")
        return 0, "malformed YAML front matter"
    edit, message = BREAKS[kind]
    broken, line = edit(text)
    path.write_text(broken, encoding="utf-8")
    return line, message


KINDS = ["conflict-front", "conflict-body", "latin-1", "yaml"]
# Listings read only the front matter: markers in a body do not stop a story being listed.
UNREADABLE = ["conflict-front", "latin-1", "yaml"]


def named_once(stderr: str, line: int, message: str) -> None:
    where = f"{OTHER}:{line}: " if line else f"{OTHER}:"
    found = [text for text in stderr.splitlines() if OTHER in text]
    assert len(found) == 1, stderr
    assert found[0].startswith(f"warning: {where}"), found[0]
    assert message in found[0], found[0]


@pytest.mark.parametrize("kind", KINDS)
def test_listings_keep_working_and_name_the_bad_file_once(two: Project, kind: str) -> None:
    line, message = break_story(two, kind)
    listing = two.sk("list")
    assert listing.exit_code == 0, listing.output
    if kind not in UNREADABLE:  # its front matter is fine: listed as it is, found by check
        assert listing.stderr == "" and "STORY-002  not-started  Other work" in listing.stdout
        return
    named_once(listing.stderr, line, message)
    rows = {row.split()[0]: row for row in listing.stdout.splitlines()[1:]}
    assert rows["STORY-001"].split()[1] == "not-started"
    assert rows["STORY-002"].split()[1] == "unreadable"
    ready = two.sk("next")
    assert ready.exit_code == 0 and ready.stdout.startswith("STORY-001  Add feature"), ready.output
    named_once(ready.stderr, line, message)
    shown = two.sk("show", "1")
    assert shown.exit_code == 0 and shown.stdout.startswith("STORY-001: Add feature"), shown.output
    tracker = two.sk("tracker")
    assert tracker.exit_code == 0, tracker.output
    named_once(tracker.stderr, line, message)
    rows = [r for r in two.read("STORY_TRACKER.md").splitlines() if r.startswith("| [STORY-002]")]
    assert rows == [f"| [STORY-002]({OTHER}) | unreadable: run `storykit check` | — | — | ⚠️ Unreadable "
                    "| — | — | — |"]


@pytest.mark.parametrize("kind", KINDS)
def test_new_takes_an_id_above_the_bad_file(two: Project, kind: str) -> None:
    line, message = break_story(two, kind)
    created = two.sk("new", "feature", "--title", "Third", "--tests", "tests/test_third.py")
    assert created.exit_code == 0, created.output
    assert created.stdout == "stories/STORY-003-third.md\n"
    if kind not in UNREADABLE:
        assert created.stderr == ""
        return
    named_once(created.stderr, line, message)


@pytest.mark.parametrize("kind", KINDS)
def test_check_fails_on_the_bad_file_with_a_code(two: Project, kind: str) -> None:
    line, message = break_story(two, kind)
    found = two.sk("check")
    assert found.exit_code == 1
    ours = [f for f in found.stdout.splitlines() if f.startswith(OTHER)]
    assert len(ours) == 1, found.stdout
    code = "SK106" if kind.startswith("conflict") else "SK101"
    assert ours[0].startswith(f"{OTHER}:{line or ''}"), ours[0]
    assert f" {code} " in ours[0] and message.split(";")[0] in ours[0], ours[0]


@pytest.mark.parametrize("kind", KINDS)
def test_run_tests_of_another_story_is_recorded(two: Project, kind: str) -> None:
    break_story(two, kind)
    run = two.sk("run-tests", "1")
    assert run.exit_code == 0, run.output
    assert "status: red" in two.story("STORY-001")
    assert "| [STORY-001](stories/STORY-001-add-feature.md) | Add feature |" in two.read("STORY_TRACKER.md")


@pytest.mark.parametrize("kind", KINDS)
def test_the_bad_story_itself_is_refused_before_its_tests_run(two: Project, kind: str) -> None:
    line, message = break_story(two, kind)
    before = state(two.root)
    for args in (["run-tests", "2"], ["complete", "2"], ["validate", "2"], ["renumber", "2", "9"]):
        refused = two.sk(*args)
        assert refused.exit_code == 2, (args, refused.output)
        assert refused.stderr.count("\n") == 1 and refused.stderr.startswith("Error: "), refused.stderr
        assert message.split(";")[0] in refused.stderr, refused.stderr
    assert not (two.root / "ran.txt").exists()
    assert state(two.root) == before


def test_read_only_story_is_refused_before_any_test_runs(two: Project) -> None:
    path = two.root / OTHER
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    before = state(two.root)
    run = two.sk("run-tests", "2")
    assert run.exit_code == 2, run.output
    assert run.stderr == f"Error: {OTHER} is read-only: make it writable (chmod u+w {OTHER}) and run again\n"
    assert not (two.root / "ran.txt").exists()
    assert state(two.root) == before
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_a_test_that_deletes_its_own_story_is_a_clean_refusal(two: Project) -> None:
    two.write("tests/test_other.py", f"import os\n\ndef test_other_0():\n    os.remove({OTHER!r})\n"
                                     "    assert False\n\ndef test_other_1():\n    assert False\n")
    tracker = two.read("STORY_TRACKER.md")
    run = two.sk("run-tests", "2")
    assert run.exit_code == 1, run.output
    assert run.stderr.splitlines()[-1] == (f"Refused: {OTHER} was deleted while its tests ran, so nothing was "
                                           f"recorded; restore it (git checkout -- {OTHER}) and run again")
    assert two.read("STORY_TRACKER.md") == tracker
    assert not (two.root / OTHER).exists()


def test_the_healthy_listing_has_no_warning(two: Project) -> None:
    listing = two.sk("list")
    assert listing.exit_code == 0 and listing.stderr == ""
