"""The front-matter cache (storykit.project.cache): used while a file is unchanged, never stale."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from conftest import Project
from storykit.project import cache
from storykit.project import config
from storykit.project import store as project_mod

OLD = 1_600_000_000_000_000_000  # 2020: far from "just written"


def age(path: Path, ns: int = OLD) -> int:
    """Give ``path`` an old mtime, as a story untouched for a while has."""
    os.utime(path, ns=(ns, ns))
    return ns


def shard_files(project: Project) -> list[Path]:
    return sorted((project.root / ".storykit" / "cache").glob("front-matter-*.json"))


def shard_file(project: Project, name: str) -> Path:
    return project.root / ".storykit" / "cache" / f"front-matter-{cache.shard_of(name):02d}.json"


def cached_names(project: Project) -> set[str]:
    return {name for path in shard_files(project) for name in json.loads(path.read_text(encoding="utf-8"))["entries"]}


def edit_shards(project: Project, change) -> None:  # type: ignore[no-untyped-def]
    for path in shard_files(project):
        data = json.loads(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(json.dumps(data), encoding="utf-8")


def entries(project: Project) -> dict[str, str]:
    """id -> title, through Project.entries() as the commands read them."""
    return {e.id: e.meta["title"] for e in project_mod.Project(config.load(project.root)).entries()}


@pytest.fixture
def stories(project: Project) -> Project:
    for title in ("Add tags", "Add users"):
        assert project.new(title=title).exit_code == 0
    for path in (project.root / "stories").glob("*.md"):
        age(path)
    return project


def test_unchanged_stories_are_not_parsed_again(stories: Project) -> None:
    """Proven by a change no stamp can see: the same size, the mtime put back.  The stored
    front matter is served; parsing the file would have found the new title."""
    assert entries(stories) == {"STORY-001": "Add tags", "STORY-002": "Add users"}
    assert cached_names(stories) == {"STORY-001-add-tags.md", "STORY-002-add-users.md"}
    path = stories.story_path("STORY-001")
    path.write_text(path.read_text(encoding="utf-8").replace("title: Add tags", "title: Add tagz"), encoding="utf-8")
    age(path)
    assert entries(stories) == {"STORY-001": "Add tags", "STORY-002": "Add users"}


def test_an_edit_of_the_same_size_is_seen(stories: Project) -> None:
    entries(stories)
    path = stories.story_path("STORY-001")
    path.write_text(path.read_text(encoding="utf-8").replace("title: Add tags", "title: Add tagz"), encoding="utf-8")
    age(path, OLD + 1)  # one nanosecond later, same size
    assert entries(stories)["STORY-001"] == "Add tagz"
    assert "Add tagz" in stories.run("list").stdout


def test_an_edit_that_kept_the_mtime_but_not_the_size_is_seen(stories: Project) -> None:
    entries(stories)
    path = stories.story_path("STORY-001")
    path.write_text(path.read_text(encoding="utf-8").replace("title: Add tags", "title: Add tags now"),
                    encoding="utf-8")
    age(path)  # the very mtime the cache holds
    assert entries(stories)["STORY-001"] == "Add tags now"


def test_a_story_written_just_now_is_not_stored(stories: Project) -> None:
    """Same size, same mtime_ns, different text: only possible within one clock tick,
    and such a fresh file is never stored, so it cannot be served stale."""
    path = stories.story_path("STORY-002")
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    stamp = path.stat().st_mtime_ns
    assert entries(stories)["STORY-002"] == "Add users"
    assert cached_names(stories) == {"STORY-001-add-tags.md"}
    path.write_text(path.read_text(encoding="utf-8").replace("title: Add users", "title: Add usera"), encoding="utf-8")
    os.utime(path, ns=(stamp, stamp))
    assert entries(stories)["STORY-002"] == "Add usera"


def test_commands_see_what_run_tests_wrote(stories: Project) -> None:
    stories.run("list")
    stories.tests_file("feature", failing=2)
    assert stories.run("run-tests", "STORY-001").exit_code == 0
    listing = stories.run("list", "--status", "red")
    assert listing.exit_code == 0
    assert "STORY-001" in listing.stdout and "STORY-002" not in listing.stdout
    # run-tests regenerated the tracker from the story as it wrote it, not as first read
    assert stories.run("tracker", "--check").exit_code == 0
    assert "| ❌ Red (tests failing) | 1 |" in stories.read("STORY_TRACKER.md")


def test_a_deleted_story_leaves_the_cache(stories: Project) -> None:
    entries(stories)
    stories.story_path("STORY-002").unlink()
    assert entries(stories) == {"STORY-001": "Add tags"}
    assert cached_names(stories) == {"STORY-001-add-tags.md"}


@pytest.mark.parametrize("content", [
    b"\x00\xff not json at all",
    b'{"format": 2, "entries": {',
    b"[1, 2, 3]",
    b'{"format": 999, "storykit": "0", "folder": "x", "entries": {}}',
])
def test_a_corrupt_cache_is_ignored_and_rebuilt(stories: Project, content: bytes) -> None:
    entries(stories)
    for path in shard_files(stories):
        path.write_bytes(content)
    assert entries(stories) == {"STORY-001": "Add tags", "STORY-002": "Add users"}
    assert cached_names(stories) == {"STORY-001-add-tags.md", "STORY-002-add-users.md"}


def test_a_cache_entry_of_the_wrong_shape_is_a_miss(stories: Project) -> None:
    entries(stories)

    def damage(data: dict) -> None:
        found = data["entries"]
        if "STORY-001-add-tags.md" in found:
            found["STORY-001-add-tags.md"][2] = "not a mapping"
        if "STORY-002-add-users.md" in found:
            found["STORY-002-add-users.md"] = [1, 2]

    edit_shards(stories, damage)
    assert entries(stories) == {"STORY-001": "Add tags", "STORY-002": "Add users"}


def test_a_cache_of_another_folder_is_not_used(stories: Project) -> None:
    entries(stories)

    def move(data: dict) -> None:
        data["folder"] = "/elsewhere/stories"
        for entry in data["entries"].values():
            entry[2]["title"] = "From elsewhere"

    edit_shards(stories, move)
    assert entries(stories) == {"STORY-001": "Add tags", "STORY-002": "Add users"}


def test_a_changed_story_rewrites_only_its_shard(project: Project) -> None:
    for number in range(1, 13):
        assert project.new(title=f"Story {number}").exit_code == 0
    paths = sorted((project.root / "stories").glob("*.md"))
    for path in paths:
        age(path)
    entries(project)
    shards = {path.name: path.stat().st_mtime_ns for path in shard_files(project)}
    assert len(shards) > 2  # the stories are spread over several shards
    for path in shard_files(project):
        age(path)
    changed = paths[0]
    changed.write_text(changed.read_text(encoding="utf-8").replace("title: Story 1", "title: Story one"),
                       encoding="utf-8")
    age(changed, OLD + 7)
    assert entries(project)["STORY-001"] == "Story one"
    rewritten = [path.name for path in shard_files(project) if path.stat().st_mtime_ns != OLD]
    assert rewritten == [shard_file(project, changed.name).name]


def test_a_story_too_fresh_to_store_rewrites_nothing(stories: Project) -> None:
    entries(stories)
    for path in shard_files(stories):
        age(path)
    path = stories.story_path("STORY-001")
    path.write_text(path.read_text(encoding="utf-8").replace("title: Add tags", "title: Add more tags"),
                    encoding="utf-8")
    assert entries(stories)["STORY-001"] == "Add more tags"
    assert all(shard.stat().st_mtime_ns == OLD for shard in shard_files(stories))
    assert entries(stories)["STORY-001"] == "Add more tags"  # the stale entry on disk is a miss


def test_front_matter_json_cannot_hold_is_parsed_every_time(stories: Project) -> None:
    path = stories.story_path("STORY-001")
    path.write_text(path.read_text(encoding="utf-8").replace("status:", "due: 2026-01-31\nstatus:", 1),
                    encoding="utf-8")
    age(path)
    assert entries(stories)["STORY-001"] == "Add tags"
    assert cached_names(stories) == {"STORY-002-add-users.md"}
    meta = project_mod.Project(config.load(stories.root)).entries()[0].meta
    assert str(meta["due"]) == "2026-01-31"


def test_the_cache_stays_out_of_git(stories: Project) -> None:
    stories.git("add", "-A")
    stories.git("commit", "-q", "-m", "stories")
    stories.run("list")
    assert shard_files(stories)
    assert stories.git("status", "--porcelain") == ""


def test_a_missing_state_folder_is_recreated_git_ignored(stories: Project) -> None:
    stories.git("add", "-A")
    stories.git("commit", "-q", "-m", "stories")
    for path in sorted((stories.root / ".storykit").rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    (stories.root / ".storykit").rmdir()
    assert stories.run("list").exit_code == 0
    assert shard_files(stories)
    assert stories.git("status", "--porcelain") == ""


def test_an_unwritable_cache_never_fails_a_command(stories: Project) -> None:
    state = stories.root / ".storykit"
    for path in sorted(state.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    state.rmdir()
    state.write_text("a file where the folder should be\n")
    result = stories.run("list")
    assert result.exit_code == 0, result.output
    assert "STORY-001" in result.stdout and "STORY-002" in result.stdout


def test_a_broken_story_is_reported_not_cached(stories: Project) -> None:
    entries(stories)
    path = stories.story_path("STORY-001")
    path.write_text(path.read_text(encoding="utf-8").replace("status: not-started", "status: bogus"), encoding="utf-8")
    age(path, OLD + 5)
    result = stories.run("list")
    assert result.exit_code == 0  # one bad story is one finding, never an outage (issue 10)
    assert "unreadable" in result.stdout and "unknown status 'bogus'" in result.stderr


def test_a_shard_is_compact_json_with_each_entry_written_once(project: Project) -> None:
    """The cache a cold `check` or `list` writes at 10,000 stories is tens of MB: each
    shard is the compact JSON of its content (no separator spaces, entries sorted by
    file name), the same bytes on every run, built from entries encoded once each;
    a title in any script is kept as it is, not escaped."""
    for title in ("Add tags", "Ajouter les étiquettes ✅", 'Quote "this" \\ back'):
        assert project.new(title=title).exit_code == 0
    for path in (project.root / "stories").glob("*.md"):
        age(path)
    assert project.sk("list").exit_code == 0
    assert project.sk("check").exit_code in (0, 1)
    files = sorted((project.root / ".storykit" / "cache").glob("*-[0-9][0-9].json"))
    assert {path.name.split("-")[0] for path in files} == {"front", "check"}
    for path in files:
        data = path.read_bytes()
        loaded = json.loads(data)
        assert list(loaded) == ["format", "storykit", "folder", "salt", "entries"]
        assert list(loaded["entries"]) == sorted(loaded["entries"])
        assert data == json.dumps(loaded, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), path.name
    assert "Ajouter les étiquettes ✅" in {e["title"] for e in entries_of(project)}


def entries_of(project: Project) -> list[dict]:  # type: ignore[type-arg]
    return [entry[2] for path in shard_files(project)
            for entry in json.loads(path.read_text(encoding="utf-8"))["entries"].values()]


def test_a_result_kept_beside_another_is_keyed_on_its_files_and_a_few_more(tmp_path: Path) -> None:
    from storykit.project.cache import ResultCache

    (tmp_path / ".storykit").mkdir()
    old = time.time_ns() - 3600 * 10**9
    stamps = {f"STORY-{n:03d}-x.md": (100 + n, old) for n in range(50)}
    rules = ResultCache(tmp_path / ".storykit", "check-project", stamps, "salt")
    tracker = rules.also("check-tracker", {"\0tracker": (7, old)})
    assert tracker.path.name == "check-tracker.json" and rules.path.name == "check-project.json"
    assert tracker.key != rules.key
    assert tracker.key == ResultCache(tmp_path / ".storykit", "check-project", dict(stamps), "salt").also(
        "check-tracker", {"\0tracker": (7, old)}).key  # the same files: the same key
    assert tracker.key != rules.also("check-tracker", {"\0tracker": (8, old)}).key  # the tracker edited
    assert tracker.key != ResultCache(tmp_path / ".storykit", "check-project", {**stamps, "STORY-000-x.md": (1, old)},
                                      "salt").also("check-tracker", {"\0tracker": (7, old)}).key  # a story edited
    tracker.put(["found"])
    assert tracker.get() == ["found"] and rules.get() is None
    fresh = rules.also("check-tracker", {"\0tracker": (7, time.time_ns())})  # written this very moment
    assert not fresh.storable and tracker.storable
