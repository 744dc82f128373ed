"""A folder in a story's ``tests`` stands for every file git tracks or would track
under it, whatever the language; ``check`` flags a change to any of them (issue 15)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import Project
from storykit.story import evidence

NODE_COMMAND = ("node --test --test-reporter=junit --test-reporter-destination={junit} "
                "tests/unit/x.test.ts")
X_TEST = """\
const test = require('node:test');
const assert = require('node:assert');
const { add } = require('../../src/math.js');

test('adds', () => { assert.strictEqual(add(2, 3), 5); });
test('adds zero', () => { assert.strictEqual(add(0, 0), 0); });
"""


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_a_folder_covers_every_file_git_would_track(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "tests" / "unit").mkdir(parents=True)
    git(root, "init", "-q")
    (root / ".gitignore").write_text("tests/unit/.cache/\n")
    (root / "tests" / "unit" / "x.test.ts").write_text("test('a', () => {});\n")
    (root / "tests" / "unit" / "fixtures.json").write_text("{}\n")
    git(root, "add", "tests/unit/x.test.ts")  # one tracked, one untracked: both count
    assert evidence.folder_files(root, "tests/unit/") == ["tests/unit/fixtures.json", "tests/unit/x.test.ts"]
    before = evidence.digest(root, ["tests/unit/"])

    (root / "tests" / "unit" / ".cache").mkdir()
    (root / "tests" / "unit" / ".cache" / "run.bin").write_bytes(b"\0")  # ignored: not a test file
    (root / "tests" / "unit" / "__pycache__").mkdir()
    (root / "tests" / "unit" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")  # bytecode: never
    assert evidence.digest(root, ["tests/unit/"]) == before

    (root / "tests" / "unit" / "x.test.ts").write_text("test('a', () => { throw 1; });\n")
    changed = evidence.digest(root, ["tests/unit/"])
    assert changed != before
    (root / "tests" / "unit" / "y.test.js").write_text("test('b', () => {});\n")  # a new file counts
    assert evidence.digest(root, ["tests/unit/"]) not in (before, changed)


def test_outside_git_the_folder_is_walked(tmp_path: Path) -> None:
    (tmp_path / "spec" / "deep").mkdir(parents=True)
    (tmp_path / "spec" / "a.spec.ts").write_text("1\n")
    (tmp_path / "spec" / "deep" / "b.spec.rb").write_text("2\n")
    (tmp_path / "spec" / "__pycache__").mkdir()
    (tmp_path / "spec" / "__pycache__" / "c.pyc").write_bytes(b"\0")
    assert evidence.folder_files(tmp_path, "spec") == ["spec/a.spec.ts", "spec/deep/b.spec.rb"]
    before = evidence.digest(tmp_path, ["spec"])
    (tmp_path / "spec" / "deep" / "b.spec.rb").write_text("3\n")
    assert evidence.digest(tmp_path, ["spec"]) != before


def test_check_flags_a_node_story_whose_ts_tests_changed_after_green(project: Project) -> None:
    config = project.root / "storykit.toml"
    config.write_text(config.read_text() + f'test_command = "{NODE_COMMAND}"\n')
    project.write("src/math.js", "exports.add = () => { throw new Error('not implemented'); };\n")
    project.write("tests/unit/x.test.ts", X_TEST)
    assert project.new(tests="tests/unit/").exit_code == 0
    red = project.run("run-tests", "1")
    assert red.exit_code == 0, red.output
    project.write("src/math.js", "exports.add = (a, b) => a + b;\n")
    green = project.run("run-tests", "1")
    assert green.exit_code == 0, green.output
    assert project.run("check").exit_code == 0

    project.write("tests/unit/x.test.ts", X_TEST.replace("add(2, 3), 5", "add(2, 2), 4"))
    stale = project.run("check")
    assert stale.exit_code == 1
    assert stale.stdout.startswith("stories/STORY-001-add-feature.md:4: SK601 test files (tests/unit) changed "
                                   "since the passing run recorded at ")
    assert stale.stdout.endswith("; run 'storykit run-tests STORY-001' to record them again\n")
    project.write("tests/unit/x.test.ts", X_TEST)  # put back: the recorded evidence holds again
    assert project.run("check").exit_code == 0
