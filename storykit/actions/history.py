"""Commits at a phase of a story's cycle (``run-tests --commit``).

A red commit holds the story's failing tests (and the story and tracker, and what
the user had staged) but not the implementation, so ``storykit verify`` can check
out that commit later and watch the tests fail again.  Every such commit carries
the trailers ``Story: ID`` and ``Phase: red|green`` (``complete`` adds
``Phase: done``).  Nothing outside the story's tests, the story, the tracker and
the user's own staged changes is ever committed.  The commit itself is made by the
save transaction (storykit.actions.save), which undoes it with every write when
anything fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from storykit import git
from storykit.story import evidence
from storykit.errors import Refused

if TYPE_CHECKING:
    from storykit.project.store import Project
    from storykit.runners.result import RunResult
    from storykit.story.model import Story

MESSAGES = {"red": "test: failing tests for {id}", "green": "feat: tests pass for {id}"}


def require_committable(project: Project, story_id: str) -> None:
    """Refuse before any test runs when a commit could not be made here."""
    blocker = git.commit_blockers(project.root)
    if blocker:
        raise Refused(f"cannot commit {story_id}: {blocker}", hint="fix that, or run without --commit")


def test_files(project: Project, story: Story, result: RunResult, digest_before: str | None) -> list[Path]:
    """The files holding the story's tests, as they ran: its ``tests`` paths (node ids
    reduced to their file) or, for a story of marked tests, the files they are in."""
    declared = list(story.meta.get("tests") or [])
    if declared and evidence.digest(project.root, declared) != digest_before:
        raise Refused(f"{story.id}'s test files changed while its tests ran, so the commit would not hold "
                      f"the tests that ran", hint="run the tests again")
    names = declared or list(result.tests)
    files = [project.root / name for name in dict.fromkeys(n.split("::", 1)[0] for n in names)]
    files = [f for f in files if f.exists()]
    if not files:
        raise Refused(f"cannot tell which files hold {story.id}'s tests, so they cannot be committed",
                      hint="list them under 'tests:' in its front matter, or run without --commit")
    return files


def left_out(project: Project, story: Story, files: list[Path]) -> list[str]:
    """Changed or untracked files the commit just made does not hold."""
    return git.uncommitted(project.root, [story.path, project.config.tracker_path, *files])


def support_files(root: Path, tests: list[str]) -> list[str]:
    """``tests`` (paths relative to ``root``; a folder stands for its files) and what
    pytest runs with them from the tests' own folders: the modules their Python files
    import from their folder or a folder above it inside the project (followed
    transitively; the project's own package, imported from the root, is the
    implementation, not the tests), and the ``conftest.py`` files of those folders and
    of the root.  The files a replay of the story needs exactly as they ran."""
    import ast

    files: list[str] = []
    for test in tests:
        path = test.split("::", 1)[0]
        files += evidence.folder_files(root, path) if (root / path).is_dir() else [path]
    found = dict.fromkeys(files)
    queue = [f for f in files if f.endswith(".py")]
    conftests = {"conftest.py"}
    while queue:
        rel = queue.pop()
        folders = [p.as_posix() for p in Path(rel).parents if p.as_posix() != "."]
        conftests.update(f"{folder}/conftest.py" for folder in folders)
        try:
            tree = ast.parse((root / rel).read_bytes())
        except (OSError, SyntaxError, ValueError):
            continue  # a file that does not parse imports nothing the run could use
        for name in _imported(tree, rel):
            for folder in folders:
                module = _module_file(root, folder, name)
                if module is not None:
                    if module not in found:
                        found[module] = None
                        queue.append(module)
                    break
    found.update(dict.fromkeys(sorted(c for c in conftests if (root / c).is_file())))
    return list(found)


def _imported(tree: object, rel: str) -> list[str]:
    """The module names an ``ast`` tree imports, relative imports as paths from the project
    root (``./`` prefixed); ``from a import b`` also names ``a.b`` (b may be a module)."""
    import ast

    names: list[str] = []
    for node in ast.walk(tree):  # type: ignore[arg-type]
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parents = Path(rel).parents
                if node.level >= len(parents):
                    continue  # from the project root or above it: not the tests' folder
                base = parents[node.level - 1].as_posix()
                module = "/".join([base, *(node.module or "").split(".")]).strip("/")
                names += [f"./{module}"] + [f"./{module}/{alias.name}" for alias in node.names]
            elif node.module:
                names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def _module_file(root: Path, folder: str, name: str) -> str | None:
    """The file of module ``name`` found in ``folder`` (``name`` starting ``./``: a path from
    the root, for a relative import), or None."""
    stem = name[2:] if name.startswith("./") else f"{folder}/{name.replace('.', '/')}"
    if name.startswith("./") and (not stem or stem == "."):
        return None
    for candidate in (f"{stem}.py", f"{stem}/__init__.py"):
        if (root / candidate).is_file():
            return candidate
    return None


def require_tests_committable(project: Project, story: Story) -> None:
    """Refuse, before any test runs, to complete a story whose test files (and what
    its tests import from their folders, and their conftest.py files) have changes a
    commit would not hold: the completion commit must hold the tests that ran, or
    ``storykit verify`` replays other tests."""
    tests = evidence.test_files(story.meta, story.runs.get("green"))
    left = git.not_committable(project.root, support_files(project.root, tests))
    if left:
        listed = ", ".join(f"{path} ({why})" for path, why in left[:5])
        more = f" (and {len(left) - 5} more)" if len(left) > 5 else ""
        raise Refused(f"{story.id}'s test files have changes the completion commit would not hold: {listed}{more}",
                      hint="'git add' them (the tests that ran must be committed), then run complete again",
                      story=story.id)
