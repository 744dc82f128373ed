"""Nothing the repository says writes outside it (issue 10): ids from the command line and
from front matter, config paths, ``id_prefix`` and test paths stay inside the project or
are refused with exit 2 and one line, changing nothing; ids are bounded; titles and
header fields are one line.  Real processes and a real git repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Project
from frozen_state import state

STORY = "stories/STORY-001-add-feature.md"


def refused(project: Project, *args: str, message: str, code: int = 2, cwd: Path | None = None) -> None:
    """``storykit ARGS`` in a real process exits ``code`` with the one line ``message``
    and leaves every file and the index as they were."""
    before = state(project.root)
    proc = subprocess.run([sys.executable, "-m", "storykit", *args], cwd=cwd or project.root, capture_output=True,
                          text=True)
    assert (proc.returncode, proc.stderr) == (code, message + "\n"), proc.stdout
    assert state(project.root) == before


def set_config(project: Project, line: str) -> None:
    """Set one key of [tool.storykit], the file's last table (replacing the key's line if there is one)."""
    path = project.root / "pyproject.toml"
    key = line.split(" = ", 1)[0]
    kept = [old for old in path.read_text(encoding="utf-8").splitlines() if not old.startswith(f"{key} = ")]
    path.write_text("\n".join(kept + [line]) + "\n", encoding="utf-8")


@pytest.fixture
def config_project(bare: Project) -> Project:
    """A project configured in pyproject.toml's [tool.storykit], its last table."""
    bare.write("pyproject.toml", "[project]\nname = \"x\"\n")
    assert bare.run("init").exit_code == 0
    bare.git("add", "-A")
    bare.git("commit", "-q", "-m", "init")
    return bare


@pytest.mark.parametrize("key", ["stories_dir", "tracker", "log_dir", "templates_dir"])
@pytest.mark.parametrize("value", ["../outside", "/tmp/outside", "stories/../../outside", ""])
def test_config_paths_outside_the_project_are_refused(config_project: Project, key: str, value: str) -> None:
    set_config(config_project, f'{key} = "{value}"')
    what = "is empty" if not value else "leaves the project"
    refused(config_project, "list", message=f"Error: pyproject.toml: storykit setting '{key}' ('{value}') {what}; "
                                            "give a path relative to the project root, inside it")


@pytest.mark.parametrize("prefix", ["../", "a/b-", "x\\\\y-", ".."])
def test_id_prefix_that_could_name_a_path_is_refused(config_project: Project, prefix: str) -> None:
    set_config(config_project, f'id_prefix = "{prefix}"')
    shown = prefix.replace("\\\\", "\\")
    refused(config_project, "list", message=f"Error: pyproject.toml: storykit setting 'id_prefix' ('{shown}') "
                                            "may hold only letters, digits, '-' and '_'; fix it in the config")


def test_both_config_sources_are_an_error_naming_both(config_project: Project) -> None:
    config_project.write("storykit.toml", 'stories_dir = "stories"\n')
    refused(config_project, "list", message="Error: both storykit.toml and [tool.storykit] in pyproject.toml "
                                             "configure storykit; keep one of them")


def test_init_with_an_invalid_pyproject_appends_nothing(bare: Project) -> None:
    bare.write("pyproject.toml", "[project\nname = 1\n")
    bare.git("add", "-A")
    bare.git("commit", "-q", "-m", "broken pyproject")
    before = state(bare.root)
    proc = subprocess.run([sys.executable, "-m", "storykit", "init"], cwd=bare.root, capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith("Error: pyproject.toml: invalid TOML (") and proc.stderr.count("\n") == 1
    assert state(bare.root) == before


def test_front_matter_id_leaving_the_folder_is_refused(story: Project) -> None:
    path = story.root / STORY
    path.write_text(path.read_text(encoding="utf-8").replace("id: STORY-001", "id: ../../../evil", 1),
                    encoding="utf-8")
    story.tests_file("feature", failing=2)
    message = (f"Error: {STORY}: front matter 'id' must be a story id such as STORY-001, not '../../../evil'; "
               "give it the id its file name starts with")
    refused(story, "run-tests", STORY, message=message)
    found = story.sk("check")
    assert found.exit_code == 1 and f"{STORY}:2: SK103 front matter 'id' must be a story id" in found.stdout


@pytest.mark.parametrize("ref", ["99999999999999999999999", "STORY-1000000000"])
def test_ids_are_bounded(story: Project, ref: str) -> None:
    refused(story, "new", "feature", "--title", "Huge", "--id", ref,
            message=f"Error: '{ref}' is not a story id (at most 9 digits); use STORY-001, 001 or 1")
    refused(story, "show", ref, message=f"Error: '{ref}' is not a story id (at most 9 digits); use STORY-001, 001 or 1")


def test_test_path_is_taken_relative_to_where_it_was_typed(project: Project) -> None:
    (project.root / "sub" / "deeper").mkdir(parents=True)
    proc = subprocess.run([sys.executable, "-m", "storykit", "new", "feature", "--title", "From below", "--tests",
                           "../../tests/test_a.py", "--tests", "../x_test.py::test_one"],
                          cwd=project.root / "sub" / "deeper", capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "stories/STORY-001-from-below.md\n"
    assert "tests:\n- tests/test_a.py\n- sub/x_test.py::test_one\n" in project.story()


@pytest.mark.parametrize("where", ["absolute", "relative"])
def test_test_path_outside_the_project_is_refused(project: Project, tmp_path: Path, where: str) -> None:
    outside = tmp_path / "outside.py"
    typed = str(outside) if where == "absolute" else os.path.relpath(outside, project.root)
    refused(project, "new", "feature", "--title", "Out", "--tests", typed,
            message=f"Error: --tests '{typed}' is outside the project ({project.root}); give a test path inside it")


def test_front_matter_test_path_outside_is_refused_before_the_run(story: Project) -> None:
    path = story.root / STORY
    path.write_text(path.read_text(encoding="utf-8").replace("- tests/test_feature.py", "- /etc/hostname", 1),
                    encoding="utf-8")
    refused(story, "run-tests", "1", message="Error: STORY-001: test path '/etc/hostname' is outside the project; "
                                             "list the story's tests as paths inside the project")


@pytest.mark.parametrize("option", ["--title", "--track", "--agent", "--estimate"])
def test_header_fields_are_one_line(project: Project, option: str) -> None:
    value = "Fine\n**Status:** ✅ Done"
    args = ["new", "feature", "--title", "T", option, value] if option != "--title" else ["new", "feature",
                                                                                         "--title", value]
    refused(project, *args, message=f"Error: {option} must be one line of text, not {value!r}; "
                                    "put details in the story's body")


SAFE = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=SAFE)
def test_any_title_round_trips_or_is_refused(project: Project, title: str) -> None:
    import yaml

    result = project.run("new", "feature", "--title", title, "--tests", "tests/test_x.py", "--dry-run")
    if result.exit_code != 0:
        assert result.exit_code == 2 and result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
        return
    front, body = result.stdout.split("\n---\n", 1)
    assert yaml.safe_load(front.removeprefix("---\n"))["title"] == title.strip()
    assert body.count("**Status:**") == 1
    assert f"# STORY-001: {title.strip()}\n" in body
