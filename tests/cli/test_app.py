"""Bad input (issue 3): every mistake gets one line on stderr, the right exit code,
and leaves every file byte for byte as it was.  One test per line of the issue's list."""

from __future__ import annotations

import os
import re
import subprocess
import venv
from pathlib import Path

import pytest

from conftest import Project

STORY = "stories/STORY-001-add-feature.md"


def refused(project: Project, *args: str, code: int, message: str | re.Pattern[str]) -> None:
    """Run storykit; assert the exit code, that stderr is exactly ``message`` (or matches
    it, for wording that comes from a library) on one line, no traceback, and that no
    file changed."""
    before = project.snapshot()
    result = project.run(*args)
    assert result.exit_code == code, result.output
    if isinstance(message, re.Pattern):
        assert message.fullmatch(result.stderr), result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
    else:
        assert result.stderr == message + "\n", result.stderr
    assert "Traceback" not in result.output
    assert project.snapshot() == before



def rel(path: Path) -> str:
    """A project file as storykit names it in a message: relative to the project root
    (each file these tests name is one folder below it)."""
    return path.relative_to(path.parents[1]).as_posix()


def edit(project: Project, old: str, new: str, rel: str = STORY) -> Path:
    path = project.root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


# -- project and story references -----------------------------------------------------------

def test_not_a_project(bare: Project) -> None:
    root = bare.root.resolve()
    refused(bare, "list", code=2,
            message=f"Error: {root} is not in a storykit project (no storykit.toml or [tool.storykit] in "
                    f"pyproject.toml); run 'storykit init' at the repository root to start one")


def test_unknown_story_id(story: Project) -> None:
    refused(story, "run-tests", "STORY-042", code=2,
            message="Error: no story STORY-042 in stories/; run 'storykit list' to see the stories")


def test_not_an_id(story: Project) -> None:
    refused(story, "show", "STORY-x1", code=2,
            message="Error: 'STORY-x1' is not a story id; use STORY-001, 001 or 1")


@pytest.mark.parametrize("ref", ["../..", "stories/../pyproject.toml", "../../etc/passwd.md",
                                 "stories/../../STORY-001-add-feature.md"])
def test_reference_leaving_the_stories_folder(story: Project, ref: str) -> None:
    refused(story, "run-tests", ref, code=2,
            message=f"Error: '{ref}' is not a story file in stories/; "
                    f"give a story id such as STORY-001, or a file in the stories folder")


def test_id_leaving_the_stories_folder(story: Project) -> None:
    refused(story, "new", "feature", "--title", "Escape", "--id", "../../x", code=2,
            message="Error: '../../x' is not a story id; use STORY-001, 001 or 1")


# -- templates ------------------------------------------------------------------------------

def test_unknown_template(project: Project) -> None:
    refused(project, "new", "featur", "--title", "X", code=2,
            message="Error: unknown template 'featur'; did you mean 'feature'? (see 'storykit templates')")


def test_template_with_jinja_syntax_error(project: Project) -> None:
    path = project.write("templates/broken.md.j2", "# {{ id }}\n\nline two\n{% if title %}\nno endif\n")
    # Jinja's own wording (and the order of the tags it lists) is Jinja's: match around it.
    refused(project, "new", "broken", "--title", "X", code=2,
            message=re.compile(re.escape(f"Error: {rel(path)}:5: template syntax error: Unexpected end of template. ")
                               + r".*'endif'.*; fix the template and run again\n"))


def test_template_with_syntax_error_in_the_middle(project: Project) -> None:
    path = project.write("templates/broken.md.j2", "# {{ id }}\n\n{{ title | }}\n")
    refused(project, "new", "broken", "--title", "X", code=2,
            message=re.compile(re.escape(f"Error: {rel(path)}:3: template syntax error: ") + r".+\n"))


def test_template_included_part_with_syntax_error(project: Project) -> None:
    project.write("templates/outer.md.j2", "# {{ id }}\n{% include '_part.md.j2' %}\n")
    part = project.write("templates/_part.md.j2", "one\ntwo\n{% for x in %}\n")
    refused(project, "new", "outer", "--title", "X", code=2,
            message=re.compile(re.escape(f"Error: {rel(part)}:3: template syntax error: ") + r".+\n"))


# -- the story's front matter ---------------------------------------------------------------

def test_malformed_yaml_front_matter(story: Project) -> None:
    path = edit(story, "title: Add feature\n", "title: [Add feature\n")
    # PyYAML words the problem differently with and without libyaml.
    refused(story, "run-tests", "1", code=2,
            message=re.compile(re.escape(f"Error: {rel(path)}:4: malformed YAML front matter (") + r"[^\n]*"
                               + re.escape("expected ',' or ']'") + r"[^\n]*"
                               + re.escape("); fix the YAML between the two '---' lines\n")))


def test_malformed_yaml_front_matter_is_named_by_listing_too(story: Project) -> None:
    edit(story, "status: not-started\n", "status: not-started\n  bad indent: [\n")
    result = story.run("list")
    assert result.exit_code == 0  # one bad story is one finding, never an outage (issue 10)
    assert re.fullmatch(re.escape(f"warning: {STORY}:") + r"\d+: malformed YAML front matter \(.+\); "
                        + re.escape("fix the YAML between the two '---' lines\n"), result.stderr)


def test_no_front_matter(story: Project) -> None:
    path = story.root / STORY
    path.write_text(path.read_text(encoding="utf-8").split("---\n", 2)[2], encoding="utf-8")
    refused(story, "show", "1", code=2,
            message=f"Error: {rel(path)}:1: no YAML front matter (the file must start with a '---' line); "
                    f"recreate the story with 'storykit new' or restore its front matter from git")


def test_unclosed_front_matter(story: Project) -> None:
    path = story.root / STORY
    path.write_text("---\nid: STORY-001\ntitle: x\n", encoding="utf-8")
    refused(story, "show", "1", code=2,
            message=f"Error: {rel(path)}:1: the front matter is never closed; add a '---' line after its last key")


def test_unknown_status(story: Project) -> None:
    path = edit(story, "status: not-started\n", "status: gren\n")
    refused(story, "run-tests", "1", code=2,
            message=f"Error: {rel(path)}: unknown status 'gren'; did you mean 'green'?")


def test_wrong_type(story: Project) -> None:
    path = edit(story, "dependencies: []\n", "dependencies: 5\n")
    refused(story, "run-tests", "1", code=2,
            message=f"Error: {rel(path)}: front matter 'dependencies' must be a list of strings, not int (5); "
                    f"write it as dependencies: [\"...\"] or as '- item' lines")


def test_missing_required_key(story: Project) -> None:
    path = edit(story, "title: Add feature\n", "")
    refused(story, "show", "1", code=2,
            message=f"Error: {rel(path)}: front matter has no 'title'; add 'title:' to the front matter")


def test_unknown_key_is_a_warning_with_did_you_mean(story: Project) -> None:
    path = edit(story, "min_tests: 2\n", "min_tests: 2\nmin_test: 3\n")
    before = story.snapshot()
    result = story.run("show", "1")
    assert result.exit_code == 0, result.output
    assert result.stderr == (f"warning: {rel(path)}: unknown key 'min_test' in front matter "
                             "(did you mean 'min_tests'?)\n")
    assert story.snapshot() == before


def test_unknown_key_warned_by_run_tests_and_kept(story: Project) -> None:
    path = edit(story, "min_tests: 2\n", "min_tests: 2\ndependancies: []\n")
    story.tests_file("feature", failing=2)
    result = story.run("run-tests", "1")
    assert result.exit_code == 0, result.output
    assert result.stderr == (f"warning: {rel(path)}: unknown key 'dependancies' in front matter "
                             f"(did you mean 'dependencies'?)\n")
    assert "dependancies: []\n" in story.story()  # the user's key is kept, not dropped


def test_unknown_key_warned_by_complete(story: Project) -> None:
    story.tests_file("feature", failing=2)
    assert story.run("run-tests", "1").exit_code == 0
    story.tests_file("feature", passing=2)
    assert story.run("run-tests", "1").exit_code == 0
    path = edit(story, "min_tests: 2\n", "min_tests: 2\nreviewer: ana\n")
    before = story.snapshot()
    result = story.run("complete", "1")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"warning: {rel(path)}: unknown key 'reviewer' in front matter"
    assert result.stderr.splitlines()[1].startswith("Refused: STORY-001 has ")
    assert story.snapshot() == before


# -- storykit's own regions, edited by hand --------------------------------------------------

SECTIONS_FOUND = ("Context, Tasks (TDD Order), Acceptance Criteria, Results, Expected Outputs, Handoff Notes, "
                  "Known Issues / Risks, Related Stories, Completion Checklist")


def test_owned_section_renamed(story: Project) -> None:
    edit(story, "## Test Results (MANDATORY)\n", "## Results\n")
    story.tests_file("feature", failing=2)
    refused(story, "run-tests", "1", code=2,
            message=f"Error: STORY-001 has no '## Test Results' section (found: {SECTIONS_FOUND}); "
                    f"restore the heading '## Test Results (MANDATORY)' (storykit writes the test evidence "
                    f"under it) from git or the template, then run again")


def test_owned_section_deleted(story: Project) -> None:
    path = story.root / STORY
    text = path.read_text(encoding="utf-8")
    start = text.index("## Test Results (MANDATORY)")
    end = text.index("## Expected Outputs")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    story.tests_file("feature", failing=2)
    found = SECTIONS_FOUND.replace("Results, ", "")
    refused(story, "run-tests", "1", code=2,
            message=f"Error: STORY-001 has no '## Test Results' section (found: {found}); "
                    f"restore the heading '## Test Results (MANDATORY)' (storykit writes the test evidence "
                    f"under it) from git or the template, then run again")


def test_unclosed_block_in_test_results_is_refused(story: Project) -> None:
    """A fence opened by hand in Test Results would make that section reach to the end
    of the file; rewriting it would delete every section after it."""
    edit(story, "### TDD Cycle Evidence\n", "### TDD Cycle Evidence\n\n````\n")
    story.tests_file("feature", failing=2)
    refused(story, "run-tests", "1", code=2,
            message="Error: STORY-001: in its '## Test Results' section the block opened by '````' is never closed, "
                    "and storykit rewrites that whole section; close the block before the next section (or restore "
                    "the section from git), then run again")


def test_comment_hiding_sections_in_test_results_is_refused(story: Project) -> None:
    edit(story, "### TDD Cycle Evidence\n", "### TDD Cycle Evidence\n\n<!-- draft\n")
    edit(story, "## Handoff Notes\n", "-->\n\n## Handoff Notes\n")
    story.tests_file("feature", failing=2)
    refused(story, "run-tests", "1", code=2,
            message="Error: STORY-001: in its '## Test Results' section '## Expected Outputs' is hidden inside a code "
                    "block or HTML comment, and storykit rewrites that whole section; close the block before the "
                    "next section (or restore the section from git), then run again")


def test_status_line_deleted(story: Project) -> None:
    edit(story, "**Status:** 🔴 Not Started\n", "")
    story.tests_file("feature", failing=2)
    refused(story, "run-tests", "1", code=2,
            message="Error: STORY-001 has no '**Status:**' line; restore the line '**Status:** ...' "
                    "(see the template) and run again")


def test_completion_field_deleted_is_caught_before_the_run(story: Project) -> None:
    story.tests_file("feature", failing=2)
    assert story.run("run-tests", "1").exit_code == 0
    story.tests_file("feature", passing=2)
    assert story.run("run-tests", "1").exit_code == 0
    story.tick_all()
    edit(story, "**Completed By:** [Agent name]\n", "")
    refused(story, "complete", "1", code=2,
            message="Error: STORY-001 has no '**Completed By:**' line; restore the line '**Completed By:** ...' "
                    "(see the template) and run again")
    assert not (story.root / ".storykit/logs/STORY-001-refused.log").exists()  # no test ran


# -- configuration and options ---------------------------------------------------------------

def test_config_unknown_key(project: Project) -> None:
    edit(project, "min_tests = 1\n", "min_tests = 1\nstories_dri = \"docs\"\n", rel="storykit.toml")
    refused(project, "list", code=2,
            message="Error: storykit.toml: unknown storykit setting 'stories_dri'; did you mean 'stories_dir'?")


def test_config_unknown_key_in_pyproject(bare: Project) -> None:
    bare.write("pyproject.toml", "[project]\nname = \"x\"\n\n[tool.storykit]\ntimout = 5\n")
    refused(bare, "list", code=2,
            message="Error: pyproject.toml: unknown storykit setting 'timout'; did you mean 'timeout'?")


def test_config_wrong_type(project: Project) -> None:
    edit(project, "min_tests = 1\n", "min_tests = \"three\"\n", rel="storykit.toml")
    refused(project, "list", code=2,
            message="Error: storykit.toml: storykit setting 'min_tests' must be int, not str ('three'); "
                    "fix it in the [tool.storykit] table")


def test_config_invalid_toml(project: Project) -> None:
    edit(project, "min_tests = 1\n", "min_tests = = 1\n", rel="storykit.toml")
    refused(project, "list", code=2,
            message=re.compile(r"Error: storykit\.toml: invalid TOML \(.+\); fix the file and run again\n"))


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_config_timeout_not_finite(project: Project, value: str) -> None:
    edit(project, "min_tests = 1\n", f"min_tests = 1\ntimeout = {value}\n", rel="storykit.toml")
    refused(project, "list", code=2,
            message="Error: storykit.toml: storykit setting 'timeout' must be a positive number of seconds")


@pytest.mark.parametrize(("value", "why"), [
    ("abc", "'abc' is not a number of seconds"),
    ("0", "0 is not a positive number of seconds"),
    ("-5", "-5 is not a positive number of seconds"),
    ("nan", "'nan' is not a number of seconds"),
    ("inf", "'inf' is not a number of seconds"),
])
@pytest.mark.parametrize("command", ["run-tests", "complete", "validate", "verify"])
def test_bad_timeout(story: Project, value: str, why: str, command: str) -> None:
    refused(story, command, "1", "--timeout", value, code=2,
            message=f"Error: Invalid value for '--timeout': {why}. (see 'storykit {command} --help')")


@pytest.mark.parametrize("value", ["nokey", "1x=3", "=3"])
def test_bad_var(project: Project, value: str) -> None:
    refused(project, "new", "feature", "--title", "X", "--var", value, code=2,
            message=f"Error: Invalid value for --var: '{value}' is not KEY=VALUE (KEY: letters, digits, _). "
                    f"(see 'storykit new --help')")


def test_missing_option_is_one_line(project: Project) -> None:
    refused(project, "new", "feature", code=2,
            message="Error: Missing option '--title'. (see 'storykit new --help')")


# -- the test command ------------------------------------------------------------------------

def test_project_python_without_pytest(story: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_dir = tmp_path / "nopytest"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    probe = subprocess.run([str(python), "-c", "import pytest"], capture_output=True, text=True)
    assert probe.returncode == 1 and "No module named 'pytest'" in probe.stderr
    monkeypatch.setenv("PATH", f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}")
    story.tests_file("feature", failing=2)
    refused(story, "run-tests", "1", code=2,
            message=f"Error: the project's Python ({python}) has no pytest; install it there "
                    f"('{python} -m pip install pytest'), or activate the environment that has it")


def test_configured_test_command_not_found(story: Project) -> None:
    edit(story, "min_tests = 1\n", "min_tests = 1\ntest_command = \"no-such-runner {tests} --junit {junit}\"\n",
         rel="storykit.toml")
    story.tests_file("feature", failing=2)
    refused(story, "run-tests", "1", code=2,
            message="Error: the test command 'no-such-runner' was not found; install it, or fix test_command "
                    "in the config")


def test_configured_test_command_not_executable(story: Project) -> None:
    script = story.write("run.sh", "echo hi\n")
    script.chmod(0o644)
    edit(story, "min_tests = 1\n", "min_tests = 1\ntest_command = \"./run.sh {tests}\"\n", rel="storykit.toml")
    story.tests_file("feature", failing=2)
    refused(story, "run-tests", "1", code=2,
            message="Error: the test command './run.sh' is not executable; make it executable (chmod +x), "
                    "or fix test_command in the config")


# -- --debug ---------------------------------------------------------------------------------

def test_debug_shows_the_traceback(story: Project) -> None:
    plain = story.sk("show", "STORY-042")
    assert plain.exit_code == 2
    assert plain.stderr == "Error: no story STORY-042 in stories/; run 'storykit list' to see the stories\n"
    debug = story.sk("--debug", "show", "STORY-042")
    assert debug.exit_code != 0
    assert "Traceback (most recent call last)" in debug.stderr
    assert "StorykitError: no story STORY-042 in stories/" in debug.stderr
