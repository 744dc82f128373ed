"""complete in every git state (issue 3): each problem a clear message, nothing
half-done — the story never claims done without its commit, the index is left as
the user had it, and only what the user staged or storykit wrote is committed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import Project


def status_of(project: Project) -> str:
    return yaml.safe_load(project.story().split("---\n", 2)[1])["status"]


@pytest.fixture
def green(project: Project) -> Project:
    """STORY-001 green for real, its boxes ticked, everything committed: ready to complete."""
    assert project.new().exit_code == 0
    project.tests_file("feature", failing=2)
    assert project.run("run-tests", "1").exit_code == 0
    project.tests_file("feature", passing=2)
    assert project.run("run-tests", "1").exit_code == 0
    tick_people(project)
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "green")
    return project


def tick_people(project: Project) -> None:
    """Tick what a person ticks; the boxes tagged <!-- storykit:... --> are storykit's."""
    path = project.story_path()
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line if "<!-- storykit:" in line else line.replace("- [ ]", "- [x]") for line in lines),
                    encoding="utf-8")


def git_state(project: Project) -> tuple[str, str, str]:
    """HEAD, the index (every entry and stage) and the work tree's status."""
    return (project.git("rev-parse", "HEAD"), project.git("ls-files", "--stage"),
            project.git("status", "--porcelain", "--untracked-files=all"))


def refused(project: Project, message: str, *args: str, code: int = 1) -> None:
    before, state = project.snapshot(), git_state(project)
    result = project.run("complete", "1", *args)
    assert result.exit_code == code, result.output
    assert result.stderr == message + "\n"
    assert project.snapshot() == before
    assert git_state(project) == state
    assert status_of(project) == "green"


def test_not_a_repository_completes_without_committing(tmp_path: Path) -> None:
    plain = Project(tmp_path / "plain")
    plain.root.mkdir()
    assert plain.run("init").exit_code == 0
    assert plain.new().exit_code == 0
    plain.tests_file("feature", failing=2)
    assert plain.run("run-tests", "1").exit_code == 0
    plain.tests_file("feature", passing=2)
    assert plain.run("run-tests", "1").exit_code == 0
    tick_people(plain)
    result = plain.run("complete", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("Not committed (not a git repository).\n")
    assert status_of(plain) == "done"
    assert "- [ ] Committed with message" in plain.story()  # not ticked: nothing was committed


def test_detached_head(green: Project) -> None:
    green.git("checkout", "-q", "--detach")
    refused(green, "Refused: cannot commit STORY-001: HEAD is detached: check out a branch first "
                   "(git switch -c NAME); or pass --no-commit")


def test_detached_head_with_no_commit_completes(green: Project) -> None:
    green.git("checkout", "-q", "--detach")
    head = green.git("rev-parse", "HEAD")
    result = green.run("complete", "1", "--no-commit")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("Not committed (--no-commit).\n")
    assert status_of(green) == "done" and green.git("rev-parse", "HEAD") == head


def conflict(project: Project, command: list[str]) -> None:
    """Leave a merge or rebase stopped on a conflict in notes.txt."""
    project.write("notes.txt", "base\n")
    project.git("add", "notes.txt")
    project.git("commit", "-q", "-m", "notes")
    project.git("checkout", "-q", "-b", "other")
    project.write("notes.txt", "theirs\n")
    project.git("commit", "-q", "-am", "theirs")
    project.git("checkout", "-q", "main")
    project.write("notes.txt", "ours\n")
    project.git("commit", "-q", "-am", "ours")
    if command[0] == "rebase":
        project.git("checkout", "-q", "other")
    proc = project.git(*command, check=False)
    assert "CONFLICT" in proc or (project.root / ".git" / "MERGE_HEAD").exists() or \
        (project.root / ".git" / "rebase-merge").exists()


def test_merge_in_progress(green: Project) -> None:
    conflict(green, ["merge", "-q", "other"])
    assert (green.root / ".git" / "MERGE_HEAD").exists()
    refused(green, "Refused: cannot commit STORY-001: a merge is in progress: finish or abort it first; "
                   "or pass --no-commit")


def test_rebase_in_progress(green: Project) -> None:
    conflict(green, ["rebase", "main"])
    assert (green.root / ".git" / "rebase-merge").exists()
    refused(green, "Refused: cannot commit STORY-001: a rebase is in progress: finish or abort it first; "
                   "or pass --no-commit")


def test_no_git_identity(green: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))  # conftest pins an identity; take it away
    monkeypatch.delenv("EMAIL", raising=False)
    assert green.git("config", "user.name", check=False) == ""
    refused(green, "Refused: cannot commit STORY-001: git has no user.name: set it with "
                   "git config --global user.name \"Your Name\"; or pass --no-commit")


def test_no_git_email(green: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    only_name = tmp_path / "name.gitconfig"
    only_name.write_text("[user]\n\tname = Someone\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(only_name))
    monkeypatch.delenv("EMAIL", raising=False)
    refused(green, "Refused: cannot commit STORY-001: git has no user.email: set it with "
                   "git config --global user.email \"you@example.com\"; or pass --no-commit")


def test_failing_pre_commit_hook_leaves_the_story_not_done(green: Project) -> None:
    hook = green.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'lint: 3 problems found' >&2\nexit 1\n")
    hook.chmod(0o755)
    green.write("src.py", "x = 1\n")
    green.git("add", "src.py")  # the user's staged work stays staged, not committed
    green.write("README.md", "# sample\nunstaged edit\n")
    refused(green, "Error: git commit failed: lint: 3 problems found; the story was left as it was; "
                   "fix this and run complete again")
    assert green.git("diff", "--cached", "--name-only") == "src.py\n"


def test_hook_that_edits_the_story_then_fails(green: Project) -> None:
    """A formatter hook rewrites the files it is given and fails: storykit puts back
    the story and tracker exactly as they were before complete."""
    hook = green.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nfor f in $(git diff --cached --name-only); do echo formatted >> \"$f\"; done\n"
                    "echo 'files were modified by this hook' >&2\nexit 1\n")
    hook.chmod(0o755)
    refused(green, "Error: git commit failed: files were modified by this hook; the story was left as it was; "
                   "fix this and run complete again")


def test_ignored_stories_folder(green: Project) -> None:
    """Nothing to commit storykit may add: the message says why, not git's hints."""
    green.write(".gitignore", "stories/\nSTORY_TRACKER.md\n")
    green.git("rm", "-r", "-q", "--cached", "stories", "STORY_TRACKER.md")
    green.git("add", ".gitignore")
    green.git("commit", "-q", "-m", "ignore stories")
    refused(green, "Error: git add failed: The following paths are ignored by one of your .gitignore files: "
                   "STORY_TRACKER.md stories; the story was left as it was; "
                   "fix this and run complete again")


def test_commits_only_staged_files_and_its_own(green: Project) -> None:
    green.write("staged.py", "a = 1\n")
    green.git("add", "staged.py")
    green.write("README.md", "# sample\nnot staged\n")
    green.write("untracked.txt", "left alone\n")
    green.write("half.py", "one\n")
    green.git("add", "half.py")
    green.write("half.py", "one\ntwo (not staged)\n")
    result = green.run("complete", "1")
    assert result.exit_code == 0, result.output
    committed = sorted(green.git("show", "--name-only", "--format=", "HEAD").split())
    assert committed == ["STORY_TRACKER.md", "half.py", "staged.py", "stories/STORY-001-add-feature.md"]
    assert green.git("show", "HEAD:half.py") == "one\n"  # the staged version, not the work tree's
    assert green.git("status", "--porcelain") == " M README.md\n M half.py\n?? untracked.txt\n"
    assert status_of(green) == "done"
    assert "- [x] Committed with message" in green.story()
