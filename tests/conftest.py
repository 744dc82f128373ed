"""Shared fixtures: real git repositories in tmp_path, isolated from the developer's
own git config, and a small driver for storykit (in-process and as a subprocess)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings


from storykit.cli.app import cli

# Property tests: no deadline (a loaded machine is not a bug) and, unless a test says
# otherwise, as many examples as hypothesis's default. The same examples on every run,
# so the suite's answer never depends on chance (CI runs it once); explore new ones
# with HYPOTHESIS_PROFILE=explore.
settings.register_profile("storykit", deadline=None, derandomize=True)
settings.register_profile("explore", deadline=None, derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "storykit"))

PASSING_TEST = "def test_{name}():\n    assert True\n"
FAILING_TEST = "def test_{name}():\n    assert False, 'not implemented'\n"


@pytest.fixture(autouse=True)
def isolated_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read or write the developer's ~/.gitconfig; identity is pinned."""
    isolate(tmp_path_factory, monkeypatch)


def isolate(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment of ``isolated_git``, for fixtures of a wider scope."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text("[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n"
                         "[commit]\n\tgpgsign = false\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
                "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "PYTHONPATH"):
        monkeypatch.delenv(var, raising=False)
    # The project's `python` (on PATH) is the one running the tests: it has pytest.
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    # The tests' own projects run pytest with storykit's plugin, which storykit names with -p.
    # Loading every installed pytest11 plugin too (hypothesis and xdist, there for this suite)
    # costs a second of CPU per run.  Tests of the real default unset it (tests/e2e/test_cycle.py,
    # and the plugin's entry point in tests/runners/test_pytest_plugin.py).
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class Project:
    """A throwaway project: a git repo with storykit initialised."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def git(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True)
        if check and proc.returncode:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
        return proc.stdout

    def run(self, *args: str) -> Result:
        """storykit in-process (CliRunner), from the project root."""
        from storykit.cli.app import run as run_cli

        runner = CliRunner()
        old = Path.cwd()
        os.chdir(self.root)
        try:
            with runner.isolation() as (out, err, _):
                code = run_cli(list(args))
                stdout, stderr = out.getvalue().decode(), err.getvalue().decode()
        finally:
            os.chdir(old)
        return Result(code, stdout, stderr)

    def sk(self, *args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Result:
        """storykit as a real subprocess (python -m storykit), from the project root."""
        proc = subprocess.run([sys.executable, "-m", "storykit", *args], cwd=self.root, capture_output=True,
                              text=True, env={**os.environ, **(env or {})}, timeout=timeout)
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def write_bytes(self, rel: str, data: bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def story_path(self, story_id: str = "STORY-001") -> Path:
        (path,) = (self.root / "stories").glob(f"{story_id}-*.md")
        return path

    def story(self, story_id: str = "STORY-001") -> str:
        return self.story_path(story_id).read_text(encoding="utf-8")

    def snapshot(self) -> dict[str, bytes]:
        """Every file outside .git and .storykit, for 'nothing changed' assertions."""
        return {str(p.relative_to(self.root)): p.read_bytes() for p in sorted(self.root.rglob("*"))
                if p.is_file() and ".git" not in p.parts and ".storykit" not in p.parts
                and "__pycache__" not in p.parts and ".pytest_cache" not in p.parts}

    def tests_file(self, name: str, passing: int = 0, failing: int = 0, rel: str = "tests/test_feature.py") -> Path:
        """``failing`` failing tests then ``passing`` passing ones, named test_NAME_0, _1, ...
        (the same names whatever they do, as when an implementation makes them pass)."""
        templates = [FAILING_TEST] * failing + [PASSING_TEST] * passing
        return self.write(rel, "".join(t.format(name=f"{name}_{i}") for i, t in enumerate(templates)))

    def new(self, *extra: str, title: str = "Add feature", tests: str = "tests/test_feature.py",
            template: str = "feature") -> Result:
        return self.run("new", template, "--title", title, "--tests", tests, "--min-tests", "2", *extra)

    def tick_all(self, story_id: str = "STORY-001") -> None:
        path = self.story_path(story_id)
        path.write_text(path.read_text(encoding="utf-8").replace("- [ ]", "- [x]"), encoding="utf-8")


def _built(tmp_path_factory: pytest.TempPathFactory, build, base: Path | None = None) -> Path:  # type: ignore[no-untyped-def]
    """A repository built once by ``build(project)`` in the tests' isolated environment,
    from a copy of ``base`` (or from nothing), for tests to take copies of."""
    root = tmp_path_factory.mktemp("template") / "repo"
    with pytest.MonkeyPatch.context() as monkeypatch:
        isolate(tmp_path_factory, monkeypatch)
        if base is None:
            root.mkdir()
        else:
            shutil.copytree(base, root, symlinks=True)
        build(Project(root))
    return root


PYCACHE_IGNORED = "__pycache__/\n"  # as a real Python project has it: the runs' bytecode is not a change


def _initial_commit(project: Project) -> None:
    project.git("init", "-q")
    project.write("README.md", "# sample\n")
    project.write(".gitignore", PYCACHE_IGNORED)
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "initial")


def _storykit_init(project: Project) -> None:
    result = project.run("init")
    assert result.exit_code == 0, result.output
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "storykit init")


def _one_story(project: Project) -> None:
    assert project.new().exit_code == 0
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "story")


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The repositories behind ``bare``, ``project`` and ``story``, built once per session
    (per xdist worker): ``git init`` and ``storykit init`` cost more than a copy."""
    bare = _built(tmp_path_factory, _initial_commit)
    project = _built(tmp_path_factory, _storykit_init, bare)
    return {"bare": bare, "project": project, "story": _built(tmp_path_factory, _one_story, project)}


@pytest.fixture
def bare(templates: dict[str, Path], tmp_path: Path) -> Project:
    """A git repository with one commit, not yet a storykit project."""
    return copy_of(templates["bare"], tmp_path)


@pytest.fixture
def project(templates: dict[str, Path], tmp_path: Path) -> Project:
    """A git repository with storykit initialised and committed."""
    return copy_of(templates["project"], tmp_path)


@pytest.fixture
def story(templates: dict[str, Path], tmp_path: Path) -> Project:
    """A project holding STORY-001 (feature template, min_tests 2, tests in
    tests/test_feature.py), committed."""
    return copy_of(templates["story"], tmp_path)


@pytest.fixture
def invoke():
    """Invoke the click group in-process (for help texts and usage errors)."""
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args))


def children_of(pid: int) -> list[int]:
    """The processes (zombies included) whose parent is ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry))
    return found


@pytest.fixture
def no_worker_left() -> Iterator[None]:
    """Every process a test forked is waited for: none is left running, or a zombie."""
    before = set(children_of(os.getpid()))
    yield
    assert set(children_of(os.getpid())) <= before


def prepared(tmp_path_factory: pytest.TempPathFactory, build) -> Path:  # type: ignore[no-untyped-def]
    """A storykit project in a git repo, built once by ``build(project)`` for a whole
    module (real test runs are the slow part); tests take copies with ``copy_of``."""

    def steps(project: Project) -> None:
        project.git("init", "-q")
        project.write(".gitignore", PYCACHE_IGNORED)
        _storykit_init(project)
        build(project)
        project.git("add", "-A")
        project.git("commit", "-q", "-m", "prepared")

    return _built(tmp_path_factory, steps)


def copy_of(template: Path, tmp_path: Path) -> Project:
    shutil.copytree(template, tmp_path / "repo", symlinks=True)
    return Project(tmp_path / "repo")


def front(text: str) -> dict:
    """A story's front matter, as data."""
    import yaml

    return yaml.safe_load(text.lstrip("\ufeff").split("---\n", 2)[1])


# -- sample projects shared by several test files -------------------------------------------------

CALC_TESTS = "from calc import add\n\n\ndef test_adds():\n    assert add(1, 2) == 3\n\n\n" \
             "def test_zero():\n    assert add(0, 0) == 0\n"
CALC_STUB = "def add(a, b):\n    raise NotImplementedError\n"
CALC_IMPLEMENTATION = "def add(a, b):\n    return a + b\n"

NODE_COMMAND = ("node --test --test-reporter=junit --test-reporter-destination={junit} "
                "--test-reporter=spec --test-reporter-destination=stdout {tests}")
MATH_TESTS = """\
const test = require('node:test');
const assert = require('node:assert');
const { add, mul } = require('../math.js');

test('adds', () => { assert.strictEqual(add(2, 3), 5); });
test.describe('multiplication', () => {
  test.it('multiplies', () => { assert.strictEqual(mul(2, 3), 6); });
});
"""
NODE_STUB = "exports.add = () => { throw new Error('not implemented'); };\nexports.mul = () => 0;\n"
NODE_IMPLEMENTATION = "exports.add = (a, b) => a + b;\nexports.mul = (a, b) => a * b;\n"
