"""The README's test line runs the suite on every core, and CI names the slowest tests.

A test cannot assert how fast the suite is on some machine; these assert what makes it
fast (pytest-xdist from the `test` extra, enabled by addopts; one template project per
session, copied per test) and that CI shows where the time goes."""

from __future__ import annotations

import re
import shlex
import subprocess
import tomllib
from pathlib import Path

from conftest import PYCACHE_IGNORED, Project

ROOT = Path(__file__).resolve().parent.parent


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_test_extra_brings_xdist_and_addopts_use_it() -> None:
    config = pyproject()
    extra = [re.split(r"[<>=!~\[ ;]", spec, maxsplit=1)[0]
             for spec in config["project"]["optional-dependencies"]["test"]]
    assert "pytest-xdist" in extra, f"the test extra is {extra}"
    addopts = shlex.split(config["tool"]["pytest"]["ini_options"]["addopts"])
    workers = [addopts[i + 1] for i, arg in enumerate(addopts[:-1]) if arg in ("-n", "--numprocesses")]
    assert workers in (["auto"], ["logical"]) or (len(workers) == 1 and workers[0].isdigit()), addopts


def test_ci_runs_the_readme_line_and_prints_the_ten_slowest_tests() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    install, run = quick_start[1].split(" && ")
    assert (install, run) == ('pip install ".[test]"', "python -m pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    (line,) = [line for line in ci if f" && {run}" in line]
    assert line.replace("pip install -q ", "pip install ") == f"{install} && {run} --durations=10"


def test_the_template_project_is_what_storykit_init_makes(project: Project, tmp_path: Path) -> None:
    """`project` is a copy of one project built per session: the same files, git config and
    history as `git init` + a first commit + `storykit init` + a commit make in a new repository."""
    fresh = Project(tmp_path / "fresh" / "repo")
    fresh.root.mkdir(parents=True)
    fresh.git("init", "-q")
    fresh.write("README.md", "# sample\n")
    fresh.write(".gitignore", PYCACHE_IGNORED)
    fresh.git("add", "-A")
    fresh.git("commit", "-q", "-m", "initial")
    assert fresh.run("init").exit_code == 0
    fresh.git("add", "-A")
    fresh.git("commit", "-q", "-m", "storykit init")
    assert project.snapshot() == fresh.snapshot()
    assert project.git("ls-files", "--stage") == fresh.git("ls-files", "--stage")
    assert project.git("log", "--format=%s") == fresh.git("log", "--format=%s") == "storykit init\ninitial\n"
    assert project.git("status", "--porcelain") == fresh.git("status", "--porcelain") == ""

    def local_config(p: Project) -> str:
        return p.git("config", "--local", "--list").replace(str(p.root), "<root>")

    assert local_config(project) == local_config(fresh)
    assert (project.root / ".git" / "hooks").is_dir() and project.git("rev-parse", "--show-toplevel").strip() == \
        str(project.root)


def test_each_test_gets_its_own_copy(project: Project, tmp_path: Path) -> None:
    assert project.root.is_relative_to(tmp_path)
    project.write("stories/mine.txt", "only here\n")
    other = subprocess.run(["git", "status", "--porcelain"], cwd=project.root, capture_output=True, text=True)
    assert other.stdout == "?? stories/mine.txt\n"
