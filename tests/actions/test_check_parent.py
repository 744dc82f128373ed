"""What ``storykit check`` does after the stories are read (issue 12, the cold check):
each shortcut gives exactly what the general path gives."""

from __future__ import annotations

import gc
import os

import click
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import Project
from storykit.actions import check as checking
from storykit.core import rules as audit
from storykit.project import config
from storykit.project.store import Project as Store
from storykit.story import records


def set_meta(project: Project, story_id: str, **values: object) -> None:
    path = project.story_path(story_id)
    _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
    meta = yaml.safe_load(head)
    meta.update(values)
    path.write_text("---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n" + body,
                    encoding="utf-8")


def forget_caches(project: Project, keep: str = "") -> None:
    """A first run after a clone, but for ``keep`` (a cache file's name)."""
    folder = project.root / ".storykit" / "cache"
    for path in folder.glob("*") if folder.is_dir() else []:
        if path.name != keep:
            path.unlink()


def age(project: Project) -> None:
    """Every story file written an hour ago: stamps a record may trust (none too fresh)."""
    then = (os.path.getmtime(project.root / "stories") - 3600) * 1e9
    for path in (project.root / "stories").glob("*.md"):
        os.utime(path, ns=(int(then), int(then)))


def report(project: Project) -> checking.Report:
    return checking.check(Store(config.load(project.root)))


def test_findings_are_printed_one_line_each_as_each_finding_says(project: Project) -> None:
    for title in ("Add feature", "Add other"):
        assert project.new(title=title).exit_code == 0
    # an escape sequence (click strips them from what is not a terminal), '%', ':' and ',' (escaped for GitHub)
    set_meta(project, "STORY-001", dependencies=["\x1b[31mSTORY-9\x1b[0m", "STORY-8:%,x"])
    set_meta(project, "STORY-002", dependencies=["STORY-7"], colour="red")
    found = report(project).findings
    assert [f.code for f in found] == ["SK401", "SK401", "SK401", "SK105", "SK801"]
    for args, line in ((("check",), checking.Finding.text), (("check", "--format", "github"), checking.Finding.github)):
        forget_caches(project)
        result = project.run(*args)
        assert result.exit_code == 1
        assert result.stdout == "".join(click.unstyle(line(f)) + "\n" for f in found)
        assert "\x1b" not in result.stdout and "\x1b" in found[0].message


def test_a_clean_project_prints_no_finding(project: Project) -> None:
    assert project.new().exit_code == 0
    forget_caches(project)
    result = project.run("check")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "storykit check passed: 1 stories, 0 error(s), 0 warning(s)\n"


def test_the_tracker_proven_current_by_its_record_is_judged_as_a_render_judges_it(project: Project) -> None:
    for title in ("Add feature", "Add other", "Add third"):
        assert project.new(title=title).exit_code == 0
    set_meta(project, "STORY-003", dependencies=["STORY-001"])
    age(project)
    assert project.run("tracker").exit_code == 0  # writes the tracker and its record
    record = project.root / ".storykit" / "cache" / "tracker.json"
    assert record.is_file()
    tracker = project.root / "STORY_TRACKER.md"
    text = tracker.read_text(encoding="utf-8")
    states = [
        ("as written", lambda: None),
        ("edited by hand", lambda: tracker.write_text(text.replace("Add other", "Add 0ther"), encoding="utf-8")),
        ("restored", lambda: tracker.write_text(text, encoding="utf-8")),
        ("a story retitled", lambda: (set_meta(project, "STORY-002", title="Retitled"), age(project))),
        ("the tracker written again", lambda: project.run("tracker")),
        ("a story removed", lambda: project.story_path("STORY-001").unlink()),
        ("the tracker missing", lambda: tracker.unlink()),
    ]
    seen = []
    for name, change in states:
        change()
        outputs = []
        saved = record.read_bytes() if record.exists() else None
        for keep in ("tracker.json", ""):  # with the record, then without it (the full render)
            if saved is not None and not record.exists():
                record.write_bytes(saved)
            forget_caches(project, keep)
            result = project.run("check")
            outputs.append((result.exit_code, result.stdout, result.stderr))
        assert outputs[0] == outputs[1], name
        seen.append(outputs[0][0])
    assert seen == [0, 1, 0, 1, 0, 1, 1]


def test_findings_sort_as_their_fields_do() -> None:
    field = st.sampled_from(["a", "b", "stories/x.md", "stories/X.md", ""])
    findings = st.lists(st.builds(checking.Finding, field, st.integers(0, 3), st.sampled_from(["SK101", "SK2"]),
                                  st.sampled_from(["error", "warning"]), field), max_size=30)

    @settings(max_examples=100, derandomize=True, deadline=None)
    @given(findings)
    def same(items: list[checking.Finding]) -> None:
        assert sorted(items) == sorted(items, key=lambda f: (f.path, f.line, f.code, f.severity, f.message))

    same()


TEST_PATH = st.sampled_from(["tests/test_a.py", "tests", "tests/", "./tests/test_a.py", "tests/../tests/test_a.py",
                             "tests/test_a.py::test_x", "test_a.py", ".", "other/test_b.py"])
NODE = st.sampled_from(["tests/test_a.py::test_x", "tests/test_a.py::test_x[1]", "tests/test_a.py::test_y",
                        "./tests/test_a.py::test_x", "other/test_b.py::t", "test_a.py::t", "tests/test_a.py",
                        "testsuite::case", "other/../tests/test_a.py::t"])


@settings(max_examples=60, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(TEST_PATH, max_size=3), st.dictionaries(st.sampled_from(["red", "green", "final"]),
                                                        st.lists(NODE, max_size=4), min_size=1))
@example(["tests/test_a.py"], {"red": ["tests/test_a.py::test_x"], "green": ["other/test_b.py::t"]})
def test_records_in_the_evidence_file_are_judged_as_the_general_rule_judges_them(
        story: Project, tests: list[str], runs: dict[str, list[str]]) -> None:
    found, general = judged(story, tests, runs)
    assert found == sorted(general)  # check sorts its findings (same line: by message)


def test_a_record_of_another_story_s_test_in_the_evidence_file_is_sk506(story: Project) -> None:
    found, _ = judged(story, ["tests/test_a.py"], {"red": ["tests/test_a.py::test_x"],
                                                   "green": ["tests/test_a.py::x", "other/test_b.py::t"]})
    assert found == [("SK506", "error", "the green run record does not belong to STORY-001: it ran other/test_b.py::t, "
                      "which is not among the story's tests (tests/test_a.py); runs are recorded only by 'storykit "
                      "run-tests STORY-001': restore the story from git")]


def judged(story: Project, tests: list[str], runs: dict[str, list[str]]) -> tuple[list[tuple[str, str, str]],
                                                                                 list[tuple[str, str, str]]]:
    """SK506 of check over a story whose runs' records are in its evidence file, and
    what the general rule (every record through audit._covered) says of them."""
    path = story.story_path()
    evidence = records.evidence_path(path)
    evidence.parent.mkdir(parents=True, exist_ok=True)
    written = records.dump_evidence({p: {"tests": dict.fromkeys(nodes, "passed")} for p, nodes in runs.items()})
    evidence.write_text(written, encoding="utf-8")
    filed = records.parse_evidence(written)
    set_meta(story, "STORY-001", tests=tests, runs={
        p: {"at": "2999-01-01T00:00:00Z", "evidence": records.tests_digest(filed[p])} for p in runs})
    found = [(f.code, f.severity, f.message) for f in report(story).findings if f.code == "SK506"]
    # the general rule: every run's records, each test id judged by audit._covered
    general = audit.ownership_problems({"id": "STORY-001", "tests": tests, "runs": {
        p: {"tests": {t.node: t.legacy() for t in filed[p]}} for p in runs}})
    return found, general


def test_a_cold_check_of_many_stories_in_a_subprocess_prints_what_a_warm_one_does(project: Project) -> None:
    for index in range(3):
        assert project.new(title=f"Story {index}").exit_code == 0
    set_meta(project, "STORY-002", dependencies=["STORY-404"])
    forget_caches(project)
    cold = project.sk("check", "--format", "github")
    warm = project.sk("check", "--format", "github")
    assert cold.exit_code == 1
    assert (cold.exit_code, cold.stdout, cold.stderr) == (warm.exit_code, warm.stdout, warm.stderr)
    assert cold.stdout.count("\n") == 2 and cold.stdout.startswith("::error file=stories/STORY-002-story-1.md,line=10,")
    assert os.path.isdir(project.root / ".storykit" / "cache")


TEXT = st.text(max_size=20) | st.sampled_from(["stories/STORY-001-x.md", "SK401", "error", "warning", 'a "q" \\ b',
                                               "\x00\x1f\x7f\u2028é😀", "\0findings\0"])


@settings(max_examples=150, derandomize=True, deadline=None)
@given(st.lists(st.builds(checking.Finding, TEXT, st.integers(-1, 10**6), TEXT, TEXT, TEXT), max_size=6),
       st.integers(0, 10**5), st.lists(TEXT, max_size=2))
@example([], 0, [])
@example([checking.Finding("a", 1, "SK1", "error", "m")], 1, ["\0findings\0"])
def test_the_json_document_is_what_the_indenting_encoder_writes(found: list[checking.Finding], stories: int,
                                                                notes: list[str]) -> None:
    import json

    from storykit.cli import jsonout
    from storykit.cli.commands.check import document

    report = checking.Report(found, stories, notes)
    general = {"stories": report.stories, "errors": report.errors, "warnings": report.warnings,
               "findings": [f.as_dict() for f in found], "notes": notes}
    assert document(report) == json.dumps(jsonout.document("check", general, ok=not report.errors),
                                          ensure_ascii=False, indent=2)


def test_findings_of_another_type_are_written_by_the_encoder() -> None:
    import json

    from storykit.cli import jsonout
    from storykit.cli.commands.check import document

    report = checking.Report([checking.Finding("a", True, "SK1", "error", "m")], 1)  # type: ignore[arg-type]
    assert '"line": true' in document(report)
    assert document(report) == json.dumps(jsonout.document("check", {
        "stories": 1, "errors": 1, "warnings": 0, "findings": [f.as_dict() for f in report.findings], "notes": []},
        ok=False), ensure_ascii=False, indent=2)


def test_what_a_check_read_is_frozen_before_the_collector_is_back(project: Project) -> None:
    """The rules run with the cyclic collector paused; what they read is frozen before it
    is back, so no collection walks it (the first one after the pause walked everything
    allocated during it: 0.2-0.3 s at 10,000 stories)."""
    assert project.new().exit_code == 0
    seed = project.story_path()
    text = seed.read_text(encoding="utf-8")
    for number in range(2, 201):  # enough that the collector would run as soon as it is back
        (seed.parent / f"STORY-{number:03d}-copy.md").write_text(text.replace("STORY-001", f"STORY-{number:03d}"),
                                                                 encoding="utf-8")
    forget_caches(project)
    store = Store(config.load(project.root))
    walked: list[bool] = []  # per collection started during the check: whether it walked a story it read

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":  # the front matter of STORY-150 (read by the check only) among what it walks
            walked.append(any(type(o) is dict and o.get("id") == "STORY-150"
                              for generation in range(info["generation"] + 1) for o in gc.get_objects(generation)))

    gc.collect()
    gc.callbacks.append(seen)
    try:
        found = checking.check(store)
    finally:
        gc.callbacks.remove(seen)
        gc.unfreeze()
    assert found.stories == 200
    assert not any(walked), walked

