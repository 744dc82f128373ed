"""`storykit check` end to end: real git repositories, stories driven by real pytest
runs, then each broken state named by its code (issue 4)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Project, copy_of, prepared


def front(text: str) -> dict:
    return yaml.safe_load(text.split("---\n", 2)[1])


def set_meta(project: Project, story_id: str, drop: tuple[str, ...] = (), **values: object) -> None:
    path = project.story_path(story_id)
    _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
    meta = yaml.safe_load(head)
    meta.update(values)
    for key in drop:
        meta.pop(key, None)
    path.write_text("---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n" + body,
                    encoding="utf-8")


def edit(project: Project, story_id: str, old: str, new: str) -> None:
    path = project.story_path(story_id)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def to_red(project: Project, story_id: str = "STORY-001", name: str = "feature") -> None:
    """Two tests that fail until ``impl_NAME.READY`` is set: the implementation, not
    an edit of the tests, makes them pass (an edit would be SK603)."""
    project.write(f"impl_{name}.py", "READY = False\n")
    project.write(f"tests/test_{name}.py", "".join(f"def test_{name}_{i}():\n    import impl_{name}\n\n"
                                                   f"    assert impl_{name}.READY\n\n\n" for i in range(2)))
    result = project.run("run-tests", story_id)
    assert result.exit_code == 0, result.output


def to_green(project: Project, story_id: str = "STORY-001", name: str = "feature") -> None:
    to_red(project, story_id, name)
    project.write(f"impl_{name}.py", "READY = True\n")
    result = project.run("run-tests", story_id)
    assert result.exit_code == 0, result.output


def check(project: Project, *args: str):  # type: ignore[no-untyped-def]
    return project.run("check", *args)


def codes(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [line.split(": ", 1)[1].split(" ", 1)[0] for line in result.stdout.splitlines()]


def _build_stories(project: Project) -> None:
    assert project.new(title="Add feature").exit_code == 0
    assert project.new("--depends", "1", title="Use feature", tests="tests/test_use.py").exit_code == 0
    assert project.new(title="Later", tests="tests/test_later.py").exit_code == 0
    to_green(project, "STORY-001", "feature")
    project.tests_file("use", failing=1, rel="tests/test_use.py")
    assert project.run("run-tests", "2", "--force").exit_code == 0


@pytest.fixture(scope="module")
def stories_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepared(tmp_path_factory, _build_stories)


@pytest.fixture
def stories(stories_template: Path, tmp_path: Path) -> Project:
    """STORY-001 green, STORY-002 red (depends on 1, forced), STORY-003 not started."""
    return copy_of(stories_template, tmp_path)


def test_clean_project_passes_and_check_changes_nothing(stories: Project) -> None:
    before = stories.snapshot()
    result = check(stories)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == "storykit check passed: 3 stories, 0 error(s), 0 warning(s)\n"
    assert stories.snapshot() == before
    assert stories.git("status", "--porcelain") == ""


def test_check_as_a_real_subprocess(stories: Project) -> None:
    result = stories.sk("check")
    assert result.exit_code == 0, result.output
    edit(stories, "STORY-003", "status: not-started", "status: done")
    result = stories.sk("check")
    assert result.exit_code == 1
    assert result.stdout.startswith("stories/STORY-003-later.md:4: SK501 status is done but no failing test run")
    assert result.stdout.endswith("STORY_TRACKER.md:11: SK801 STORY_TRACKER.md is not what 'storykit tracker' would "
                                  "write (first difference at line 11); run 'storykit tracker' and commit it\n")


def test_done_by_hand_is_caught(stories: Project) -> None:
    set_meta(stories, "STORY-001", status="done")
    assert stories.run("tracker").exit_code == 0  # even with the tracker regenerated
    result = check(stories)
    assert result.exit_code == 1
    assert result.stdout == (
        "stories/STORY-001-add-feature.md:4: SK503 status is done but no completion is recorded (no passing final "
        "run after green): a story is done only through 'storykit complete STORY-001'; restore the status from git "
        "and complete it\n"
        "stories/STORY-001-add-feature.md:57: SK203 warning: the Status line says '🟢 Green (tests passing)' but the "
        "front matter says done; the front matter is the truth, storykit rewrites the line at the next transition\n"
    )


def test_status_without_evidence(stories: Project) -> None:
    set_meta(stories, "STORY-003", status="red")
    set_meta(stories, "STORY-002", status="green")
    stories.run("tracker")
    result = check(stories)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("stories/STORY-002-use-feature.md:4: SK502 status is green but no passing test run "
                               "is recorded; run 'storykit run-tests STORY-002'")
    assert any(line.startswith("stories/STORY-003-later.md:4: SK501 status is red but no failing test run is "
                               "recorded: storykit records red only from a real failing run") for line in lines)


def test_green_before_red_and_too_few_tests(stories: Project) -> None:
    meta = front(stories.story("STORY-001"))
    runs = meta["runs"]
    green_at = runs["green"]["at"]
    runs["green"]["at"] = "2000-01-01T00:00:00Z"  # before the red run
    set_meta(stories, "STORY-001", runs=runs)
    assert "SK502" in codes(check(stories))
    runs["green"]["at"] = green_at
    set_meta(stories, "STORY-001", runs=runs, min_tests=5)
    result = check(stories)
    assert "has 2 passed test(s), fewer than min_tests (5)" in result.stdout


def test_not_started_with_runs_and_validated_without_validation(stories: Project) -> None:
    set_meta(stories, "STORY-002", status="not-started")
    set_meta(stories, "STORY-001", status="validated")
    stories.run("tracker")
    result = check(stories)
    assert result.exit_code == 1
    assert "SK504 status is validated but no passing validation run" in result.stdout
    assert "SK505 warning: status is not-started but runs are recorded (red)" in result.stdout


def test_stale_evidence_when_test_files_change(stories: Project) -> None:
    stories.write("tests/test_feature.py", "def test_feature_0():\n    assert True\n")  # a test deleted
    result = check(stories)
    assert result.exit_code == 1
    assert result.stdout.startswith(
        "stories/STORY-001-add-feature.md:4: SK601 test files (tests/test_feature.py) changed since the passing run "
        "recorded at ")
    assert "run 'storykit run-tests STORY-001' to record them again" in result.stdout
    stories.git("checkout", "--", "tests/test_feature.py")
    assert check(stories).exit_code == 0


def test_front_matter_problems(stories: Project) -> None:
    set_meta(stories, "STORY-003", drop=("title",), tests="tests/test_later.py", colour="blue")
    result = check(stories)
    assert result.exit_code == 1
    assert "stories/STORY-003-later.md:1: SK102 front matter has no 'title'; add 'title:' to the front matter" \
        in result.stdout
    assert "SK103 front matter 'tests' must be a list of strings, not str ('tests/test_later.py')" in result.stdout
    assert "SK105 warning: unknown key 'colour' in front matter" in result.stdout


def test_unknown_status_and_malformed_yaml(stories: Project) -> None:
    edit(stories, "STORY-003", "status: not-started", "status: finished")
    edit(stories, "STORY-002", "title: Use feature", "title: [unclosed")
    result = check(stories)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("stories/STORY-002-use-feature.md:4: SK101 malformed YAML front matter")
    assert lines[1].startswith("stories/STORY-003-later.md:4: SK104 unknown status 'finished'; "
                               "use one of: not-started, red")
    assert "SK801" not in result.stdout  # the tracker cannot be judged while a story is unreadable


def test_unknown_key_alone_is_a_warning(stories: Project) -> None:
    set_meta(stories, "STORY-003", colour="blue")
    result = check(stories)
    assert result.exit_code == 0
    assert codes(result) == ["SK105"]
    assert "1 warning(s)" in result.stderr


def test_missing_sections_and_status_line(stories: Project) -> None:
    edit(stories, "STORY-003", "## Acceptance Criteria", "## Acceptance")
    edit(stories, "STORY-003", "**Status:**", "Status:")
    result = check(stories)
    assert result.exit_code == 1
    assert codes(result) == ["SK201", "SK202"]
    assert "no '## Acceptance Criteria' section" in result.stdout


def test_heading_inside_code_block_does_not_count(stories: Project) -> None:
    edit(stories, "STORY-003", "## Completion Checklist", "```\n## Completion Checklist\n```\n### Checklist")
    assert codes(check(stories)) == ["SK201"]


def test_duplicate_ids_name_both_files(stories: Project) -> None:
    shutil.copy(stories.story_path("STORY-003"), stories.root / "stories" / "STORY-003-copy.md")
    result = check(stories)
    assert result.exit_code == 1
    both = "stories/STORY-003-copy.md, stories/STORY-003-later.md"
    assert f"stories/STORY-003-copy.md:2: SK301 STORY-003 is the id of 2 files: {both}" in result.stdout
    assert f"stories/STORY-003-later.md:2: SK301 STORY-003 is the id of 2 files: {both}" in result.stdout


def test_file_name_must_match_id(stories: Project) -> None:
    stories.story_path("STORY-003").rename(stories.root / "stories" / "STORY-009-later.md")
    result = check(stories)
    assert "stories/STORY-009-later.md:2: SK302 the file name starts with STORY-009 but its id is STORY-003" \
        in result.stdout


def test_unknown_dependency_and_cycle(stories: Project) -> None:
    set_meta(stories, "STORY-003", dependencies=["STORY-002", "STORY-042"])
    set_meta(stories, "STORY-002", dependencies=["STORY-003"])
    stories.run("tracker")
    result = check(stories)
    assert result.exit_code == 1
    assert "stories/STORY-002-use-feature.md:10: SK402 dependency cycle: STORY-002 -> STORY-003 -> STORY-002" \
        in result.stdout
    assert "SK401 depends on STORY-042, which does not exist" in result.stdout


def test_stale_tracker(stories: Project) -> None:
    tracker = stories.root / "STORY_TRACKER.md"
    tracker.write_text(tracker.read_text(encoding="utf-8").replace("| 🔴 Not Started | 1 |", "| 🔴 Not Started | 7 |"),
                       encoding="utf-8")
    result = check(stories)
    assert result.exit_code == 1
    assert result.stdout == ("STORY_TRACKER.md:11: SK801 STORY_TRACKER.md is not what 'storykit tracker' would write "
                             "(first difference at line 11); run 'storykit tracker' and commit it\n")
    tracker.unlink()
    assert "STORY_TRACKER.md does not exist" in check(stories).stdout


def test_github_format(stories: Project) -> None:
    set_meta(stories, "STORY-003", status="red", colour="blue")
    stories.run("tracker")
    result = check(stories, "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    # Only properties escape ':' and ','; the message keeps them (and would escape % and newlines).
    assert lines[0] == ("::error file=stories/STORY-003-later.md,line=4,title=SK501::status is red but no failing "
                        "test run is recorded: storykit records red only from a real failing run; run 'storykit "
                        "run-tests STORY-003', or restore the story from git")
    assert lines[1].startswith("::warning file=stories/STORY-003-later.md,line=14,title=SK105::unknown key 'colour'")


def test_json_format(stories: Project) -> None:
    set_meta(stories, "STORY-003", status="red")
    stories.run("tracker")
    for args in (("--format", "json"), ("--json",)):
        result = check(stories, *args)
        assert result.exit_code == 1
        doc = json.loads(result.stdout)
        assert (doc["version"], doc["kind"], doc["ok"]) == (2, "check", False)
        assert (doc["stories"], doc["errors"], doc["warnings"]) == (3, 1, 1)
        assert "storykit check" not in result.stdout.split("}")[-1]  # the summary line is not on stdout
        finding, status_line = doc["findings"]
        assert status_line["code"] == "SK203" and status_line["severity"] == "warning"
        assert finding["path"] == "stories/STORY-003-later.md" and finding["line"] == 4
        assert finding["code"] == "SK501" and finding["severity"] == "error"


def test_check_needs_a_project(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = Project(tmp_path).run("check")
    assert result.exit_code == 2
    assert "is not in a storykit project" in result.stderr


AUDITED = """\
import os, sys
from pathlib import Path

events, stories = [], os.path.join(os.getcwd(), "stories")


def hook(event, args):
    if event == "subprocess.Popen":
        events.append(f"{event} {' '.join(map(str, args[1]))}")
    elif event in ("os.posix_spawn", "os.exec", "os.fork", "os.system"):
        events.append(f"{event} {args[0]}")
    elif event == "open" and isinstance(args[0], (str, os.PathLike)):
        path = os.fspath(args[0])
        if isinstance(path, str) and path.startswith(stories) and path.endswith(".md"):
            events.append(f"open {os.path.basename(path)}")


sys.addaudithook(hook)
from storykit.cli.app import run
code = run(sys.argv[2:])
Path(sys.argv[1]).write_text("\\n".join(events))
sys.exit(code)
"""


def test_check_runs_no_subprocess_and_reads_each_story_once(stories: Project, tmp_path: Path) -> None:
    """Seen from outside, as an audit hook sees a process: no process started but git's
    plumbing asking for HEAD's history (SK508, tests/e2e/test_untrusted_history.py), each
    story file opened once (the rules, the outline and the tracker share one read)."""
    events = tmp_path / "events"
    result = subprocess.run([sys.executable, "-c", AUDITED, str(events), "check"], cwd=stories.root,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert sorted(events.read_text().splitlines()) == sorted(
        [f"open {p.name}" for p in (stories.root / "stories").glob("*.md")]
        + ["subprocess.Popen git rev-parse --is-shallow-repository --verify -q HEAD",
           "subprocess.Popen git -c core.fsmonitor=false rev-list HEAD --"])


def test_done_story_placeholders_and_evidence(project: Project) -> None:
    """A story really completed passes check; its template placeholders are flagged
    (a warning), and editing its tests afterwards makes its evidence stale (a warning:
    a done story cannot be re-run)."""
    assert project.new().exit_code == 0
    to_green(project)
    project.tick_all()
    project.git("add", "-A")
    assert project.run("complete", "1").exit_code == 0
    result = check(project)
    assert result.exit_code == 0, result.output
    assert codes(result) == ["SK701"]
    assert "template placeholder(s) left in a done story: [feature name], [user], [goal]" in result.stdout

    edit(project, "STORY-001", "[feature name]", "tags")
    project.write("tests/test_feature.py", "def test_feature_0():\n    assert True\n")
    result = check(project)
    assert result.exit_code == 0
    assert codes(result) == ["SK601", "SK701"]
    assert "the evidence in this done story no longer matches its tests" in result.stdout
    assert "[feature name]" not in result.stdout


def test_github_annotation_escaping() -> None:
    from storykit.actions.check import Finding

    finding = Finding("stories/a,b:c.md", 3, "SK101", "error", "100% broken\nsecond line")
    assert finding.github() == "::error file=stories/a%2Cb%3Ac.md,line=3,title=SK101::100%25 broken%0Asecond line"
    assert finding.text() == "stories/a,b:c.md:3: SK101 100% broken second line"


FRONT_LINES = st.lists(st.sampled_from(["---", "id: STORY-001", "id : x", "id\u00a0: x", "idx: 1", "id", " id: 2",
                                        "status: red", "status:", "dependencies: []", "dependencies :", "deps: x",
                                        "duplicate_of: STORY-002", "  status: nested", "", "s", "d: 1", "i:"]),
                       max_size=14)


@given(FRONT_LINES)
@settings(max_examples=300)
def test_the_key_lines_of_one_pass_are_key_line_s(front: list[str]) -> None:
    """check keeps the line of each key its later findings point at, found in one pass
    over the front matter: the first line that is the key, whitespace and a colon, or 1."""
    import re

    from storykit.actions.check import key_lines

    keys = ("id", "dependencies", "status", "duplicate_of")
    expected = {key: next((i + 1 for i, line in enumerate(front) if re.match(rf"{key}\s*:", line)), 1) for key in keys}
    assert key_lines(front) == expected


FRONT_TEXT_LINES = ["---", "id: STORY-001", "id\x1f: x", "id\u00a0: x", "status: red", "status\t:", "dependencies:",
                    "- STORY-002", "duplicate_of: STORY-002", "idx: 1", "runs:", "runs: {}", "  red:", "  green:",
                    "   odd:", "  green: x", "    commit: abc", "    commit:", "     commit: deeper", "    at: x",
                    "tests:", "", "\tcommit: x", " runs:", "title: a\x85b", "title: a\u2028b", "x\x0cy", "\r"]


@given(st.lists(st.sampled_from(FRONT_TEXT_LINES), max_size=24), st.booleans())
@settings(max_examples=400)
def test_the_front_lines_found_in_the_text_are_those_of_its_lines(lines: list[str], final_newline: bool) -> None:
    """The lines of the keys and of each run record's commit, found with patterns over
    the front block, are what the line-by-line passes find in ``splitlines()``."""
    from storykit.actions.check import commit_lines, front_lines, key_lines

    front = "\n".join(lines) + ("\n" if final_newline else "")
    split = front.splitlines()
    assert front_lines(front) == {**key_lines(split), **commit_lines(split)}
    assert list(front_lines(front)) == list({**key_lines(split), **commit_lines(split)})


@given(st.lists(st.sampled_from(FRONT_TEXT_LINES + ["tests :", "test_command: x", "runs\u00a0:", "validate:"]),
                max_size=24), st.booleans(), st.integers(0, 50))
@settings(max_examples=300)
def test_key_line_and_body_line_from_the_text_are_those_of_its_lines(lines: list[str], final_newline: bool,
                                                                     index: int) -> None:
    """A story's findings point at the same lines whether its front block was split
    into lines or is searched as text: the first line that is the key, whitespace and
    a colon (or 1), and the body's lines counted after the front block's."""
    import re

    from storykit.actions.check import front_key_line, front_line_count

    front = "\n".join(lines) + ("\n" if final_newline else "")
    split = front.splitlines()
    for key in ("id", "status", "runs", "tests", "test_command", "validate", "missing"):
        expected = next((i + 1 for i, line in enumerate(split) if re.match(rf"{re.escape(key)}\s*:", line)), 1)
        assert front_key_line(front, key) == expected
    assert front_line_count(front) == len(split)
    assert front_line_count(front) + index + 1 == len(split) + index + 1
