"""A broken story file (conflict markers, not UTF-8, malformed YAML) is named in
``list --json`` and ``next --json`` (``unreadable``), and every single-story command that
meets it — or a warning about it — names it relative to the project, never by its
absolute path, in one line (issue 10).  Real git repositories, real processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Project, copy_of, prepared
from frozen_state import state

CONFLICT = "stories/STORY-001-conflict.md"
LATIN = "stories/STORY-002-latin.md"
YAML = "stories/STORY-003-yaml.md"
GOOD = "stories/STORY-004-good.md"
MESSAGES = {
    CONFLICT: (7, "git merge conflict markers; resolve the conflict (keep one side and delete the "
                  "<<<<<<< ======= >>>>>>> lines), then run again"),
    LATIN: (3, "not UTF-8 (byte 0xe9); save the file as UTF-8"),
    YAML: (8, "malformed YAML front matter (did not find expected ',' or ']'); fix the YAML between the two "
              "'---' lines"),
}


def _build(project: Project) -> None:
    for title in ("Conflict", "Latin", "Yaml", "Good"):
        assert project.new(title=title).exit_code == 0
    conflict = project.root / CONFLICT
    conflict.write_text(conflict.read_text(encoding="utf-8").replace(
        "track: General", "<<<<<<< HEAD\ntrack: General\n=======\ntrack: Other\n>>>>>>> theirs", 1), encoding="utf-8")
    latin = project.root / LATIN
    latin.write_bytes(latin.read_bytes().replace(b"title: Latin", b"title: Caf\xe9", 1))
    broken = project.root / YAML
    broken.write_text(broken.read_text(encoding="utf-8").replace("track: General", "track: [unclosed", 1),
                      encoding="utf-8")


@pytest.fixture(scope="module")
def broken_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepared(tmp_path_factory, _build)


@pytest.fixture
def broken(broken_template: Path, tmp_path: Path) -> Project:
    return copy_of(broken_template, tmp_path)


UNREADABLE = [{"id": f"STORY-00{n}", "path": path, "line": MESSAGES[path][0], "error": MESSAGES[path][1]}
              for n, path in enumerate((CONFLICT, LATIN, YAML), start=1)]


@pytest.mark.parametrize("args", [["list", "--json"], ["list", "--json", "--status", "done"], ["next", "--json"]],
                         ids=["list", "list-filtered", "next"])
def test_json_listings_name_the_unreadable_files(broken: Project, args: list[str]) -> None:
    result = broken.sk(*args)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["unreadable"] == UNREADABLE
    listed = document["stories"] if args[0] == "list" else document["ready"]
    assert [s["path"] for s in listed] == ([] if "--status" in args else [GOOD])


COMMANDS = [["show", "{id}"], ["show", "{id}", "--json"], ["run-tests", "{id}"], ["complete", "{id}"],
            ["validate", "{id}"], ["verify", "{id}"], ["tick", "{id}", "1"], ["note", "{id}", "a note"],
            ["set", "{id}", "track=Other"], ["close", "{id}", "--as", "obsolete", "--reason", "gone"],
            ["start", "{id}"], ["renumber", "{id}", "--dry-run"]]


@pytest.mark.parametrize("path", [CONFLICT, LATIN, YAML], ids=["conflict", "latin-1", "yaml"])
def test_single_story_errors_name_the_file_relative_to_the_project(broken: Project, path: str) -> None:
    story_id = path.split("/")[1][:9]
    line, message = MESSAGES[path]
    before = state(broken.root)
    for args in COMMANDS:
        result = broken.run(*[a.format(id=story_id) for a in args])
        assert result.exit_code == 2, (args, result.output)
        errors = [text for text in result.stderr.splitlines() if not text.startswith("warning: ")]
        assert errors == [f"Error: {path}:{line}: {message}"], (args, result.stderr)
        if "--json" in args:
            assert json.loads(result.stdout)["reason"] == f"{path}:{line}: {message.split('; ')[0]}"
    assert state(broken.root) == before


def test_paths_are_relative_to_the_project_from_a_subfolder(broken: Project) -> None:
    result = broken.sk("-C", "stories", "show", "3")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {YAML}:8: {MESSAGES[YAML][1]}\n"


def test_warnings_about_the_story_name_it_relative_to_the_project(broken: Project) -> None:
    good = broken.root / GOOD
    good.write_text(good.read_text(encoding="utf-8").replace("track: General", "track: General\nmin_test: 3", 1),
                    encoding="utf-8")
    wanted = f"warning: {GOOD}: unknown key 'min_test' in front matter (did you mean 'min_tests'?)"
    shown = broken.sk("show", "4")
    assert shown.exit_code == 0 and wanted in shown.stderr.splitlines(), shown.stderr
    document = json.loads(broken.sk("show", "4", "--json").stdout)
    assert document["story"]["warnings"] == [wanted[len("warning: "):]]
    broken.tests_file("feature", failing=2)
    ran = broken.sk("run-tests", "4")
    assert ran.exit_code == 0 and wanted in ran.stderr.splitlines(), ran.stderr
    assert str(broken.root) not in ran.stderr
