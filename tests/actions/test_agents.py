"""storykit init --agents (issue 6): the storykit section of AGENTS.md and CLAUDE.md,
between markers, refreshed in place, never touching the rest."""

from __future__ import annotations

from conftest import Project

START = "<!-- storykit:agents:start -->"
END = "<!-- storykit:agents:end -->"


def section(text: str) -> str:
    return text[text.index(START):text.index(END) + len(END)]


def test_init_agents_writes_the_workflow_into_a_new_agents_md(project: Project) -> None:
    result = project.run("init", "--agents")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Initialised storykit in {project.root}: AGENTS.md")
    text = project.read("AGENTS.md")
    assert text.startswith(START + "\n") and text.endswith(END + "\n")
    for needle in ("storykit next --json", "storykit run-tests STORY-ID", "storykit complete STORY-ID",
                   "Write the story's tests first; they must fail", "Never edit a story's `status`",
                   "`STORY_TRACKER.md`", "`stories/`", "docs/json.md"):
        assert needle in text, needle
    assert not (project.root / "CLAUDE.md").exists()  # only updated where one exists


def test_existing_text_is_kept_and_a_second_run_changes_nothing(project: Project) -> None:
    mine = "# Agents\n\nUse tabs. Run `make lint` before pushing.\n"
    project.write("AGENTS.md", mine)
    assert project.run("init", "--agents").exit_code == 0
    text = project.read("AGENTS.md")
    assert text.startswith(mine + "\n" + START)
    before = project.snapshot()
    again = project.run("init", "--agents")
    assert again.exit_code == 0
    assert "nothing to do" in again.stdout
    assert project.snapshot() == before


def test_refresh_replaces_only_the_section(project: Project) -> None:
    head = "# Agents\r\n\r\nBefore the section.\r\n\r\n"
    tail = "\r\n## Deploying\r\n\r\nAfter the section: never touched.\r\n"
    old = f"{START}\r\nan outdated storykit section\r\n{END}\r\n"
    project.write_bytes("AGENTS.md", (head + old + tail).encode())
    project.write_bytes("CLAUDE.md", b"Claude notes, no section yet")
    result = project.run("init", "--agents")
    assert result.exit_code == 0, result.output
    assert "AGENTS.md, CLAUDE.md" in result.stdout
    data = (project.root / "AGENTS.md").read_bytes().decode()
    assert data.startswith(head) and data.endswith(END + "\r\n" + tail)
    assert "outdated" not in data and "storykit next --json" in data
    assert "\n" not in data.replace("\r\n", "")  # CRLF kept throughout
    claude = project.read("CLAUDE.md")
    assert claude.startswith("Claude notes, no section yet\n\n" + START)
    assert section(claude) == section(data.replace("\r\n", "\n"))


def test_broken_markers_are_refused_and_nothing_is_written(project: Project) -> None:
    project.write("AGENTS.md", f"# Agents\n{START}\nhalf a section\n")
    project.write("CLAUDE.md", "fine\n")
    before = project.snapshot()
    result = project.run("init", "--agents")
    assert result.exit_code == 2
    assert result.stderr == (f"Error: AGENTS.md: the storykit markers are not one '{START}' followed by one "
                             f"'{END}'; fix or remove the markers, then run 'storykit init --agents' again\n")
    assert project.snapshot() == before


def test_init_agents_in_a_new_repository_does_everything(bare: Project) -> None:
    result = bare.run("init", "--agents")
    assert result.exit_code == 0, result.output
    assert "storykit.toml" in result.stdout and "AGENTS.md" in result.stdout
    assert (bare.root / "stories").is_dir() and (bare.root / "AGENTS.md").is_file()
