"""A real suite of 620 generated pytest tests through red and green (issue 11): the story
stays small (per-test records live in the committed evidence file beside it) and every
rule that reads the per-test records still fires."""

from __future__ import annotations

import json
import re

import pytest

from conftest import Project

FILES, PER_FILE = 31, 20  # 620 tests
FAILING = {(0, 3), (7, 11), (30, 19)}  # (file, test) pairs that fail at red


def suite(p: Project, *, failing: set[tuple[int, int]] = frozenset(), skip: tuple[int, int] | None = None,
          drop: tuple[int, int] | None = None) -> None:
    for f in range(FILES):
        lines = ["import pytest\n"]
        for t in range(PER_FILE):
            if (f, t) == drop:
                continue
            body = "    assert False, 'not implemented'\n" if (f, t) in failing else "    assert True\n"
            mark = "@pytest.mark.skip(reason='later')\n" if (f, t) == skip else ""
            lines.append(f"\n\n{mark}def test_behaviour_{f:02d}_{t:02d}_handles_the_case():\n{body}")
        p.write(f"tests/big/test_module_{f:02d}.py", "".join(lines))


def front_lines(text: str) -> int:
    return text.split("\n---\n", 1)[0].count("\n") + 2


@pytest.fixture
def red_project(project: Project) -> Project:
    assert project.new(tests="tests/big").exit_code == 0
    suite(project, failing=FAILING)
    red = project.run("run-tests", "1")
    assert red.exit_code == 0, red.output
    return project


def test_story_stays_small_after_red_and_green(red_project: Project) -> None:
    p = red_project
    suite(p)
    green = p.run("run-tests", "1")
    assert green.exit_code == 0, green.output
    story = p.story()
    assert len(story.encode()) <= 30_000, len(story.encode())
    assert front_lines(story) <= 60
    assert "test_behaviour_" not in story.split("\n---\n", 1)[0]  # no node id in the front matter
    # The why-it-failed table is there, in the order the tests ran.
    rows = re.findall(r"^\| `(tests/big/[^`]+)` \| failed \|", story, re.M)
    assert rows == ["tests/big/test_module_00.py::test_behaviour_00_03_handles_the_case",
                    "tests/big/test_module_07.py::test_behaviour_07_11_handles_the_case",
                    "tests/big/test_module_30.py::test_behaviour_30_19_handles_the_case"]
    assert "<details><summary>620 tests passed</summary>" in story
    # Every test's record is in the evidence file, one per line.
    evidence = p.root / "stories" / ".evidence" / (p.story_path().stem + ".json")
    text = evidence.read_text()
    assert json.loads(text)["runs"]["green"][0] == [
        "tests/big/test_module_00.py::test_behaviour_00_00_handles_the_case", "passed", None]
    assert sum(1 for line in text.splitlines() if "::test_behaviour_" in line) == 1240
    assert p.run("check").exit_code == 0
    assert "STORY-" not in p.run("list").stdout.split("STORY-001", 1)[1]  # the evidence file is no story


def test_a_test_that_failed_at_red_must_run_at_green(red_project: Project) -> None:
    p = red_project
    suite(p, drop=(7, 11))
    before = p.snapshot()
    result = p.run("run-tests", "1")
    assert result.exit_code == 1
    assert ("1 test(s) that failed at red did not run now "
            "(tests/big/test_module_07.py::test_behaviour_07_11_handles_the_case)") in result.output
    assert p.snapshot() == {**before}


def test_a_skipped_test_is_refused(red_project: Project) -> None:
    p = red_project
    suite(p, skip=(3, 3))
    before = p.snapshot()
    result = p.run("run-tests", "1")
    assert result.exit_code == 1
    assert "1 story test(s) were skipped or xfailed (tests/big/test_module_03.py::test_behaviour_03_03" \
        in result.output
    assert p.snapshot() == before


def test_stale_evidence_and_a_hand_edited_evidence_file_are_caught(red_project: Project) -> None:
    p = red_project
    suite(p)
    assert p.run("run-tests", "1").exit_code == 0
    assert p.run("check").exit_code == 0
    evidence = p.root / "stories" / ".evidence" / (p.story_path().stem + ".json")
    original = evidence.read_bytes()
    # A hand edit: a failing red record turned into a pass.
    evidence.write_bytes(original.replace(b'test_behaviour_07_11_handles_the_case", "failed"',
                                          b'test_behaviour_07_11_handles_the_case", "passed"', 1))
    assert evidence.read_bytes() != original
    result = p.run("check")
    assert result.exit_code == 1
    assert re.search(r"SK602 the per-test records of the red run in stories/\.evidence/\S+\.json do not match "
                     r"the digest in the front matter", result.output), result.output
    evidence.write_bytes(original)
    # Staleness: a test edited after the passing run.
    test_file = p.root / "tests/big/test_module_05.py"
    test_file.write_text(test_file.read_text() + "\n\ndef test_extra():\n    assert 1\n")
    result = p.run("check")
    assert result.exit_code == 1
    assert "SK601" in result.output
