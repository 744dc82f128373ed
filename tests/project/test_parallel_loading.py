"""The first list/check after a clone parses the stories on every core, and finds
exactly what a serial read finds (real projects of 900 stories, real subprocesses)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import Project, copy_of, prepared

from storykit.errors import StorykitError
from storykit.project.cache import SHARDS, MetaCache
from storykit.story.model import load_meta

COUNT = 900  # above the threshold of parallel reading (asserted below)
AN_HOUR_AGO = time.time_ns() - 3600 * 10**9


def _build(project: Project) -> None:
    project.tests_file("feature", passing=2)
    assert project.new().exit_code == 0
    seed = project.story_path()
    text = seed.read_text(encoding="utf-8")
    statuses = ("not-started", "red", "green", "done")
    for number in range(2, COUNT + 1):
        sid = f"STORY-{number:03d}"
        copy = text.replace("STORY-001", sid).replace("Add feature", f"Story number {number}")
        copy = copy.replace("status: not-started", f"status: {statuses[number % 4]}")
        if number % 7 == 0:
            copy = copy.replace("dependencies: []", f"dependencies:\n- STORY-{number - 1:03d}")
        (seed.parent / f"{sid}-story-number-{number}.md").write_text(copy, encoding="utf-8")
    for path in seed.parent.glob("*.md"):
        os.utime(path, ns=(AN_HOUR_AGO, AN_HOUR_AGO))  # old enough for the cache to keep


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepared(tmp_path_factory, _build)


@pytest.fixture
def many(template: Path, tmp_path: Path) -> Project:
    project = copy_of(template, tmp_path)
    shutil.rmtree(project.root / ".storykit" / "cache", ignore_errors=True)
    return project


def _cold(project: Project, *args: str):  # type: ignore[no-untyped-def]
    shutil.rmtree(project.root / ".storykit" / "cache", ignore_errors=True)
    return project.sk(*args)


def test_a_cold_list_lists_what_a_serial_read_finds(many: Project) -> None:
    cold = _cold(many, "list", "--json")
    assert cold.exit_code == 0, cold.stderr
    stories = json.loads(cold.stdout)["stories"]
    assert len(stories) == COUNT
    files = sorted((many.root / "stories").glob("*.md"))
    serial = [load_meta(path) for path in files]
    assert [(s["id"], s["title"], s["status"], s["dependencies"]) for s in stories] == \
        [(m["id"], m["title"], m["status"], m["dependencies"]) for m in serial]
    warm = many.sk("list", "--json")
    assert warm.stdout == cold.stdout
    assert len(list((many.root / ".storykit" / "cache").glob("front-matter-*.json"))) == SHARDS


def test_a_cold_tracker_is_the_warm_tracker(many: Project) -> None:
    assert _cold(many, "tracker").exit_code == 0
    cold = many.read("STORY_TRACKER.md")
    (many.root / "STORY_TRACKER.md").unlink()
    assert many.sk("tracker").exit_code == 0
    assert many.read("STORY_TRACKER.md") == cold
    assert f"| **Total** | **{COUNT}** |" in cold


def test_a_cold_check_reports_what_a_warm_check_reports(many: Project) -> None:
    bad = many.root / "stories" / "STORY-500-story-number-500.md"
    bad.write_text(bad.read_text(encoding="utf-8").replace("status: ", "status: [", 1), encoding="utf-8")
    os.utime(bad, ns=(AN_HOUR_AGO, AN_HOUR_AGO))
    cold = _cold(many, "check")
    warm = many.sk("check")
    assert cold.exit_code == warm.exit_code == 1
    assert cold.stdout == warm.stdout
    assert [line for line in cold.stdout.splitlines() if "STORY-500-" in line] == [
        "stories/STORY-500-story-number-500.md:5: SK101 malformed YAML front matter (did not find expected ',' or "
        "']'); fix the YAML between the two '---' lines"]


def _one_core() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # storykit then reads serially


def _serial(project: Project, *args: str) -> tuple[int, str]:
    shutil.rmtree(project.root / ".storykit" / "cache", ignore_errors=True)
    proc = subprocess.run([sys.executable, "-m", "storykit", *args], cwd=project.root, capture_output=True,
                          text=True, preexec_fn=_one_core, timeout=300)
    return proc.returncode, proc.stdout


def test_a_cold_check_finds_what_a_warm_and_a_serial_check_find_in_every_format(many: Project) -> None:
    """Findings of every kind, located to the line: read on every core with no cache,
    from the cache, and on one core with no cache, the output is the same bytes."""
    folder = many.root / "stories"
    edits = {
        150: ("status: ", "status: [", 1),  # SK101 at its line
        151: ("## Acceptance Criteria", "## Criteria", 1),  # SK201
        152: ("**Status:**", "**State:**", 1),  # SK202
        153: ("dependencies: []", "dependencies:\n- STORY-9999", 1),  # SK401, located to the key's line
        154: ("id: STORY-154", "id: STORY-155", 1),  # SK301 and SK302
        # 161 depends on 160 (every seventh story): a cycle (SK402), found by the rules over all stories
        160: ("dependencies: []", "dependencies:\n- STORY-161", 1),
    }
    for number, (old, new, count) in edits.items():
        path = next(folder.glob(f"STORY-{number}-*.md"))
        text = path.read_text(encoding="utf-8")
        assert old in text, (number, old)
        path.write_text(text.replace(old, new, count), encoding="utf-8")
        os.utime(path, ns=(AN_HOUR_AGO, AN_HOUR_AGO))
    for args in (("check",), ("check", "--json"), ("check", "--format", "github")):
        cold = _cold(many, *args)
        warm = many.sk(*args)
        serial = _serial(many, *args)
        assert cold.exit_code == warm.exit_code == serial[0] == 1
        assert cold.stdout == warm.stdout == serial[1]
    lines = cold.stdout.splitlines()  # the github format's annotations
    for code in ("SK101", "SK201", "SK202", "SK301", "SK302", "SK401", "SK402", "SK501"):
        assert any(f"title={code}::" in line for line in lines), code
    lines = many.sk("check").stdout.splitlines()
    dep = [line for line in lines if "SK401" in line and "STORY-153-" in line]
    assert len(dep) == 1 and dep[0].startswith("stories/STORY-153-story-number-153.md:10: SK401 ")


def test_a_cold_check_finds_a_cycle_and_an_old_tracker_as_a_serial_check_does(many: Project) -> None:
    """Every story readable: the rules over all stories and the tracker's render run side
    by side, and say what they say on one core."""
    path = next((many.root / "stories").glob("STORY-160-*.md"))  # 161 depends on 160: a cycle
    path.write_text(path.read_text(encoding="utf-8").replace("dependencies: []", "dependencies:\n- STORY-161", 1),
                    encoding="utf-8")
    cold = _cold(many, "check")
    serial = _serial(many, "check")
    assert cold.exit_code == serial[0] == 1
    assert cold.stdout == serial[1]
    codes = [line.split(" ")[1] for line in cold.stdout.splitlines()]
    assert "SK402" in codes and codes[-1] == "SK801"  # the tracker, out of date, is the last finding


def test_each_bad_story_is_named_as_a_serial_read_names_it(many: Project) -> None:
    """Read on every core, a bad story is still one finding, never an outage: the
    listing goes on and names each bad file with the error a serial read raises."""
    folder = many.root / "stories"
    for number in (300, 600):
        bad = folder / f"STORY-{number}-story-number-{number}.md"
        bad.write_text(bad.read_text(encoding="utf-8").replace("---\n", "", 1), encoding="utf-8")
    with pytest.raises(StorykitError) as serial:
        load_meta(folder / "STORY-300-story-number-300.md")
    cold = _cold(many, "list")
    assert cold.exit_code == 0
    named = [line for line in cold.stderr.splitlines() if "STORY-300-" in line or "STORY-600-" in line]
    assert len(named) == 2 and "STORY-300-" in named[0] and "STORY-600-" in named[1]
    assert re.sub(r"\S*/stories/", "stories/", str(serial.value)) in named[0]
    assert cold.stdout.count(" unreadable ") == 2


def test_a_fresh_clone_s_cache_is_written_by_the_workers_as_a_serial_read_writes_it(many: Project) -> None:
    files = sorted((many.root / "stories").glob("*.md"))
    ahead = MetaCache(many.root / ".storykit", many.root / "stories")
    ahead.read_ahead(files, load_meta)
    assert [ahead.meta(path, load_meta) for path in files] == [load_meta(path) for path in files]
    ahead.save()
    written = {p.name: p.read_bytes() for p in (many.root / ".storykit" / "cache").glob("*.json")}
    shutil.rmtree(many.root / ".storykit" / "cache")
    serial = MetaCache(many.root / ".storykit", many.root / "stories")
    for path in files:
        serial.meta(path, load_meta)
    serial.save()
    assert {p.name: p.read_bytes() for p in (many.root / ".storykit" / "cache").glob("*.json")} == written
    assert len(written) == SHARDS


def test_a_story_changed_after_the_worker_read_it_is_read_again_by_the_next_pass(many: Project) -> None:
    files = sorted((many.root / "stories").glob("*.md"))
    cache = MetaCache(many.root / ".storykit", many.root / "stories")
    cache.read_ahead(files, load_meta)
    changed = files[5]
    as_read = load_meta(changed)
    changed.write_text(changed.read_text(encoding="utf-8").replace("Story number 6", "Renamed"), encoding="utf-8")
    assert cache.meta(changed, load_meta) == as_read  # this pass: as the worker read it
    assert cache.meta(files[6], load_meta) == load_meta(files[6])
    cache.save()
    assert MetaCache(many.root / ".storykit", many.root / "stories").meta(changed, load_meta)["title"] == "Renamed"


def test_a_cold_check_judges_the_tracker_as_a_serial_check_does_in_every_state(many: Project) -> None:
    """A cold check renders the tracker on another core while it takes the stories'
    results: current, out of date, missing, or not judged at all (a story unreadable,
    so 'storykit tracker' itself would refuse), it says what a check on one core says."""
    tracker = many.root / "STORY_TRACKER.md"
    assert many.sk("tracker").exit_code == 0
    text = tracker.read_text(encoding="utf-8")
    bad = next((many.root / "stories").glob("STORY-400-*.md"))
    story = bad.read_text(encoding="utf-8")

    def unreadable() -> None:
        bad.write_text(story.replace("status: ", "status: [", 1), encoding="utf-8")
        os.utime(bad, ns=(AN_HOUR_AGO, AN_HOUR_AGO))

    states = [
        ("current", lambda: None),
        ("a row edited by hand", lambda: tracker.write_text(text.replace("Story number 7 ", "Story number 8 "),
                                                             encoding="utf-8")),
        ("missing", tracker.unlink),
        ("a story unreadable", unreadable),
    ]
    trackers = []
    for name, change in states:
        change()
        cold = _cold(many, "check")
        serial = _serial(many, "check")
        assert (cold.exit_code, cold.stdout) == serial, name
        trackers.append([line for line in cold.stdout.splitlines() if " SK801 " in line])
    assert trackers[0] == [] and trackers[3] == []  # current; not judged with a story unreadable
    kept = many.root / ".storykit" / "cache"  # (not judged last: nothing kept of the tracker's rule)
    assert (kept / "check-project.json").is_file() and not (kept / "check-tracker.json").exists()
    bad.write_text(story, encoding="utf-8")  # every story readable again, the tracker still missing
    os.utime(bad, ns=(AN_HOUR_AGO, AN_HOUR_AGO))
    cold = _cold(many, "check")
    assert (kept / "check-tracker.json").is_file()  # kept by the worker that judged it
    assert many.sk("check").stdout == cold.stdout == _serial(many, "check")[1]
    assert trackers[1] == ["STORY_TRACKER.md:40: SK801 STORY_TRACKER.md is not what 'storykit tracker' would write "
                           "(first difference at line 40); run 'storykit tracker' and commit it"]
    assert trackers[2] == ["STORY_TRACKER.md:1: SK801 STORY_TRACKER.md does not exist; run 'storykit tracker' and "
                           "commit it"]
