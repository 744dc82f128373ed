"""init, list, show, tracker, help texts and usage errors."""

from __future__ import annotations

from conftest import Project
from storykit.cli.app import COMMANDS


def test_init_adds_its_table_to_pyproject_without_touching_the_rest(bare: Project) -> None:
    original = '[project]\nname = "x"  # keep this comment\n\n[tool.other]\nkey = 1\n'
    bare.write("pyproject.toml", original)
    result = bare.run("init")
    assert result.exit_code == 0, result.output
    text = bare.read("pyproject.toml")
    assert text.startswith(original)
    assert text[len(original):] == ('\n[tool.storykit]\nstories_dir = "stories"\n'
                                    'tracker = "STORY_TRACKER.md"\nmin_tests = 1\n')
    assert (bare.root / "stories").is_dir() and (bare.root / "templates" / "README.md").is_file()
    assert bare.read(".storykit/.gitignore") == "*\n"
    assert "# Story Tracker" in bare.read("STORY_TRACKER.md")
    again = bare.run("init")
    assert again.exit_code == 0 and "nothing to do" in again.stdout
    assert bare.read("pyproject.toml") == text


def test_init_writes_storykit_toml_without_pyproject(bare: Project) -> None:
    assert bare.run("init").exit_code == 0
    assert (bare.root / "storykit.toml").is_file()
    assert not (bare.root / "pyproject.toml").exists()


def test_not_a_project_says_how_to_start(bare: Project) -> None:
    before = bare.snapshot()
    result = bare.run("list")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "run 'storykit init' at the repository root to start one" in result.stderr
    assert bare.snapshot() == before


def test_list_and_status_alias(project: Project) -> None:
    project.new(title="First")
    project.new(title="Second")
    listing = project.run("list")
    assert listing.exit_code == 0
    lines = listing.stdout.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "TITLE", "TRACK", "AGENT"]
    assert lines[1].startswith("STORY-001  not-started  First")
    assert project.run("status").stdout == listing.stdout
    assert project.run("list", "--status", "red").stderr == "No stories with status red.\n"
    bad = project.run("list", "--status", "blue")
    assert bad.exit_code == 2 and "'blue' is not one of" in bad.stderr


def test_show_summarises_state_and_evidence(project: Project) -> None:
    project.new()
    project.tests_file("feature", failing=2)
    project.run("run-tests", "1")
    result = project.run("show", "STORY-001")
    assert result.exit_code == 0
    assert "STORY-001: Add feature" in result.stdout
    assert "Status:       ❌ Red (tests failing)" in result.stdout
    assert "Red run:" in result.stdout and "2 failed" in result.stdout
    assert "Next:         implement until the tests pass" in result.stdout


def test_unknown_story_is_a_usage_error(project: Project) -> None:
    result = project.run("show", "42")
    assert result.exit_code == 2
    assert result.stderr == "Error: no story STORY-042 in stories/; run 'storykit list' to see the stories\n"


def test_tracker_is_deterministic_and_checkable(project: Project) -> None:
    project.new(title="A")
    project.new("--depends", "1", title="B")
    first = project.read("STORY_TRACKER.md")
    assert project.run("tracker").stdout == "STORY_TRACKER.md already up to date\n"
    assert project.read("STORY_TRACKER.md") == first
    assert project.run("tracker", "--check").exit_code == 0
    project.write("STORY_TRACKER.md", first + "hand edit\n")
    stale = project.run("tracker", "--check")
    assert stale.exit_code == 1
    assert "out of date" in stale.stderr
    assert project.run("tracker").stdout == "STORY_TRACKER.md updated\n"
    assert project.read("STORY_TRACKER.md") == first
    assert "| [STORY-002](stories/STORY-002-b.md) | B |" in first
    assert "- Ready to start: STORY-001" in first
    assert "- Blocked: STORY-002 (waits for STORY-001)" in first
    assert "STORY_001 --> STORY_002" in first


def test_failing_after_green_moves_back_to_red_keeping_a_true_status(project: Project) -> None:
    project.new()
    project.tests_file("feature", failing=2)
    project.run("run-tests", "1")
    project.tests_file("feature", passing=2)
    assert project.run("run-tests", "1").exit_code == 0
    project.tests_file("feature", failing=1, passing=1)
    result = project.run("run-tests", "1")
    assert result.exit_code == 0
    assert "moved back to red" in result.stdout
    assert "status: red" in project.story()
    assert "```text green" not in project.story()


def test_every_command_has_help(invoke) -> None:
    for name in COMMANDS:
        result = invoke(name, "--help")
        assert result.exit_code == 0, name
        assert "Usage: " in result.output
        doc = result.output.split("\n\n")[1].strip()
        assert doc and not doc.startswith("Options"), name


def test_every_command_is_in_the_readme() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for name in COMMANDS:
        assert f"`storykit {name}" in readme, name


def test_unknown_command_suggests(invoke) -> None:
    result = invoke("run-test", "1")
    assert result.exit_code == 2
    assert "Did you mean 'run-tests'?" in result.output


def test_python_dash_m_and_version(project: Project) -> None:
    result = project.sk("--version")
    assert result.exit_code == 0 and result.stdout.startswith("storykit ")


def test_dash_c_runs_in_another_directory(project: Project, tmp_path) -> None:
    project.new(title="Elsewhere")
    import os

    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        from click.testing import CliRunner

        from storykit.cli.app import cli

        result = CliRunner().invoke(cli, ["-C", str(project.root), "list"])
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    assert "STORY-001  not-started  Elsewhere" in result.output
