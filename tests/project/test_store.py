"""A project's story files: found by id or by file, never outside the stories folder;
listed in id order (a folder of files in tmp_path, no git, no CLI)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from storykit.errors import StorykitError
from storykit.project import config
from storykit.project.store import Project


def project_with(tmp_path: Path, *names: str) -> Project:
    (tmp_path / "stories").mkdir()
    for name in names:
        story_id = name.rsplit("-", 1)[0] if name.count("-") == 1 else "-".join(name.split("-")[:2])
        (tmp_path / "stories" / name).write_text(
            f"---\nid: {story_id}\ntitle: {name}\nstatus: not-started\ntemplate: feature\ncreated: '2026-01-01'\n"
            f"dependencies: {['STORY-002'] if story_id == 'STORY-010' else []}\n---\n\n# {story_id}\n",
            encoding="utf-8")
    return Project(config.from_mapping(tmp_path, {}))


def test_a_story_is_found_by_id_in_every_form_and_by_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = project_with(tmp_path, "STORY-001-a.md", "STORY-010-b.md")
    expected = tmp_path.resolve() / "stories" / "STORY-010-b.md"
    assert [project.find(ref).resolve() for ref in ("STORY-010", "010", "10")] == [expected] * 3
    monkeypatch.chdir(tmp_path)
    assert project.find("stories/STORY-010-b.md") == expected


@pytest.mark.parametrize(("ref", "message"), [
    ("42", "no story STORY-042 in stories/; run 'storykit list' to see the stories"),
    ("../x.md", "'../x.md' is not a story file in stories/; give a story id such as STORY-001, or a file in the "
                "stories folder"),
    ("stories/STORY-009-none.md", "no story file 'stories/STORY-009-none.md'; run 'storykit list' to see the stories"),
])
def test_what_is_not_a_story_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ref: str, message: str) -> None:
    project = project_with(tmp_path, "STORY-001-a.md")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StorykitError) as info:
        project.find(ref)
    assert str(info.value) == message


def test_two_files_of_one_id_are_named(tmp_path: Path) -> None:
    project = project_with(tmp_path, "STORY-005-a.md", "STORY-005-b.md")
    with pytest.raises(StorykitError) as info:
        project.find("5")
    assert str(info.value) == ("STORY-005 is used by 2 files (STORY-005-a.md, STORY-005-b.md); give one of them a "
                               "new id with 'storykit renumber'")


def test_entries_are_in_id_order_with_derived_blocks(tmp_path: Path) -> None:
    project = project_with(tmp_path, "STORY-010-c.md", "STORY-002-b.md", "STORY-001-a.md")
    assert [e.id for e in project.entries()] == ["STORY-001", "STORY-002", "STORY-010"]
    assert project.blocks("STORY-002") == ["STORY-010"] and project.blocks("STORY-010") == []
    assert project.titles() == {"STORY-001": "STORY-001-a.md", "STORY-002": "STORY-002-b.md",
                                "STORY-010": "STORY-010-c.md"}
    assert project.file_id("STORY-7-x.md") == "STORY-007" and project.file_id("notes.md") is None


def test_no_stories_folder_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StorykitError) as info:
        Project(config.from_mapping(tmp_path, {})).entries()
    assert str(info.value) == ("the stories folder stories/ does not exist; run 'storykit init' to create it, or fix "
                               "stories_dir in the config")


def test_a_message_naming_a_file_inside_the_project_is_made_relative(tmp_path: Path) -> None:
    project = Project(config.from_mapping(tmp_path, {}))
    inside = f"{tmp_path}/stories/STORY-001-a.md:7: git merge conflict markers"
    assert project.relative_text(inside) == "stories/STORY-001-a.md:7: git merge conflict markers"
    elsewhere = f"{tmp_path.parent}/other/x.md: not UTF-8"
    assert project.relative_text(elsewhere) == elsewhere  # outside the project: left as it is
    assert project.relative_text(f"--tests '/abs.py' is outside the project ({tmp_path})") == \
        f"--tests '/abs.py' is outside the project ({tmp_path})"  # only a leading path changes


def test_what_entries_read_is_frozen_before_the_collector_is_back(tmp_path: Path) -> None:
    """The stories are read with the cyclic collector paused; what was read is frozen
    before it is back, so no collection walks it (the first one after the pause walked
    everything read during it: 30 ms at 10,000 stories)."""
    project = project_with(tmp_path, *(f"STORY-{n:03d}-s.md" for n in range(1, 301)))
    walked: list[bool] = []  # per collection started while reading: whether it walked a story read

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            walked.append(any(type(o) is dict and o.get("id") == "STORY-150"
                              for generation in range(info["generation"] + 1) for o in gc.get_objects(generation)))

    gc.collect()
    gc.callbacks.append(seen)
    try:
        entries = project.entries()
        [object() for _ in range(10_000)]  # allocations enough for the collector to run
    finally:
        gc.callbacks.remove(seen)
        gc.unfreeze()
    assert len(entries) == 300
    assert not any(walked), walked


def test_the_story_files_are_the_paths_folder_slash_name_gives(tmp_path: Path) -> None:
    project = project_with(tmp_path, "STORY-001-with spaces.md", "STORY-002-é ✅ 😀.md", "STORY-003-back\\slash.md",
                           "STORY-004--dash.md", "STORY-005-..dots.md")
    (tmp_path / "stories" / "notes.txt").write_text("not a story", encoding="utf-8")
    files = project.story_files()
    folder = project.config.stories_path
    wanted = [folder / path.name for path in sorted((tmp_path / "stories").glob("*.md"))]
    assert files == wanted and [hash(p) for p in files] == [hash(p) for p in wanted]
    assert [(str(p), p.parts, p.name, p.stem, p.suffix, p.parent) for p in files] == \
        [(str(p), p.parts, p.name, p.stem, p.suffix, p.parent) for p in wanted]
    assert all(p.is_file() for p in files) and len(files) == 5
