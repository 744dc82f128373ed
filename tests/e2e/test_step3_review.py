"""Step 3 tells the reviewer what matters (issue 11): generated files are left out of
"Files modified", and a test file edited between red and green is shown as a diff in the
story and flagged by check as "tests edited after red"."""

from __future__ import annotations

from conftest import Project

RED_TEST = ("from app import total\n\n\ndef test_total():\n    assert total([1, 2]) == 3\n\n\n"
            "def test_empty():\n    assert total([]) == 0\n")
WEAKENED = RED_TEST.replace("== 3", "is not None")


def start(project: Project) -> Project:
    config = project.root / "storykit.toml"
    config.write_text(config.read_text() + 'generated = ["build/out/**"]\n')
    project.write(".gitattributes", (project.root / ".gitattributes").read_text()
                  + "gen/** linguist-generated\n" if (project.root / ".gitattributes").exists()
                  else "gen/** linguist-generated\n")
    project.write("app.py", "def total(items):\n    raise NotImplementedError\n")
    project.write("conftest.py", "import sys, os\nsys.path.insert(0, os.path.dirname(__file__))\n")
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "app")
    assert project.new(tests="tests/test_total.py").exit_code == 0
    project.write("tests/test_total.py", RED_TEST)
    red = project.run("run-tests", "1", "--commit")
    assert red.exit_code == 0, red.output
    return project


def test_generated_files_are_left_out_of_files_modified(project: Project) -> None:
    p = start(project)
    p.write("app.py", "def total(items):\n    return sum(items)\n")
    p.write("gen/api.d.ts", "export type Api = {};\n" * 40)
    p.write("build/out/app.js", "module.exports = 1;\n" * 30)
    green = p.run("run-tests", "1")
    assert green.exit_code == 0, green.output
    story = p.story()
    assert "- Files modified: `app.py`\n" in story
    assert "- Generated files left out: 2 (`gen/api.d.ts`, `build/out/app.js`)" in story or \
        "- Generated files left out: 2 (`build/out/app.js`, `gen/api.d.ts`)" in story
    assert "Tests edited after red" not in story
    check = p.run("check")
    assert check.exit_code == 0 and "SK603" not in check.output


def test_a_test_weakened_between_red_and_green_is_shown_and_flagged(project: Project) -> None:
    p = start(project)
    p.write("app.py", "def total(items):\n    return sum(items) if items else 0\n")
    p.write("tests/test_total.py", WEAKENED)
    green = p.run("run-tests", "1")
    assert green.exit_code == 0, green.output
    story = p.story()
    assert "- ⚠️ Tests edited after red: `tests/test_total.py` (+1 −1); the diff:" in story
    diff = story[story.index("```diff"):]
    diff = diff[:diff.index("\n```\n")]
    assert "-    assert total([1, 2]) == 3" in diff
    assert "+    assert total([1, 2]) is not None" in diff
    check = p.run("check")
    assert check.exit_code == 0, check.output  # a warning, not an error
    assert "SK603 warning: tests edited after red: tests/test_total.py (+1 −1)" in check.output
