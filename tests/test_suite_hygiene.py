"""Tests assert behaviour, not call structure: none patches storykit (or the processes it
starts), none reaches for a private name.  A refactoring that keeps every behaviour keeps
every test green."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
PATCHERS = {"setattr", "delattr", "setitem", "delitem"}
# Patching these from a test replaces what storykit runs, instead of running it.
RUNNERS = {"subprocess", "storykit"}


def storykit_names(tree: ast.Module) -> set[str]:
    """Local names bound to storykit modules or objects by the file's imports."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "storykit":
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names
                         if alias.name.split(".")[0] in RUNNERS)
    return names


def root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def findings(path: Path, base: Path = TESTS.parent) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    ours = storykit_names(tree)
    where = path.relative_to(base).as_posix()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "storykit":
            found += [f"{where}:{node.lineno}: imports the private name {a.name} from {node.module}"
                      for a in node.names if private(a.name)]
        elif isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [f"{node.module}.{a.name}" for a in node.names]
            found += [f"{where}:{node.lineno}: imports {m}: assert behaviour instead of mocking"
                      for m in modules if m.split(".")[0] == "mock" or m.startswith("unittest.mock")]
        elif isinstance(node, ast.Attribute) and private(node.attr) and root_name(node) in ours:
            found.append(f"{where}:{node.lineno}: reaches into {ast.unparse(node)}, a private name of storykit")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in PATCHERS
              and root_name(node.func) in ("monkeypatch", "mp") and node.args):
            target = node.args[0]
            if root_name(target) in ours or (isinstance(target, ast.Constant) and isinstance(target.value, str)
                                             and target.value.split(".")[0] in RUNNERS):
                found.append(f"{where}:{node.lineno}: monkeypatch.{node.func.attr}({ast.unparse(target)}, ...) "
                             f"patches storykit or the processes it runs; drive the real thing and assert what "
                             f"it did")
    return found


def test_no_test_patches_storykit_or_subprocess() -> None:
    found = [f for path in sorted(TESTS.rglob("*.py")) for f in findings(path) if "patches storykit" in f]
    assert not found, "\n".join(found)


def test_no_test_reaches_for_private_names_or_mocks() -> None:
    found = [f for path in sorted(TESTS.rglob("*.py")) for f in findings(path) if "patches storykit" not in f]
    assert not found, "\n".join(found)


def test_the_checker_sees_what_it_forbids(tmp_path: Path) -> None:
    sample = tmp_path / "tests" / "test_sample.py"
    sample.parent.mkdir()
    sample.write_text("import subprocess\nfrom unittest import mock\nfrom storykit.project import tracker\n"
                      "from storykit.runners.runner import _Window\n\n"
                      "def test_x(monkeypatch):\n"
                      "    monkeypatch.setattr(tracker, 'write', None)\n"
                      "    monkeypatch.setattr(subprocess, 'run', None)\n"
                      "    monkeypatch.setattr('storykit.git.run', None)\n"
                      "    monkeypatch.setenv('HOME', '/tmp')\n"
                      "    return tracker._cell(1), mock\n", encoding="utf-8")
    found = findings(sample, tmp_path)
    assert sorted(f.split(": ", 1)[0] for f in found) == [f"tests/test_sample.py:{n}" for n in (11, 2, 4, 7, 8, 9)]
