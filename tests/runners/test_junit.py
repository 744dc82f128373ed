"""Reading JUnit XML from any runner (pure parsing: no runner is started)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storykit.runners.junit import read_junit
from storykit.runners.runner import RunResult
from storykit.core.workflow import broken_run


def parse(tmp_path: Path, xml: str, *, cwd: Path | None = None, exit_code: int = 1) -> RunResult:
    path = tmp_path / "junit.xml"
    path.write_text(xml, encoding="utf-8")
    result = RunResult(command=["runner"], exit_code=exit_code, duration=0.1, runner="junit")
    read_junit(path, result, cwd=cwd)
    return result


def test_testsuites_root_with_failure_error_skipped(tmp_path: Path) -> None:
    result = parse(tmp_path, """<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="all" tests="4" failures="1" errors="1">
  <testsuite name="pkg/math" tests="4" failures="1" errors="1" skipped="1">
    <testcase classname="pkg/math" name="TestAdd" time="0.01"/>
    <testcase classname="pkg/math" name="TestSub"><failure message="1 != 2"
        type="AssertionError">trace</failure></testcase>
    <testcase classname="pkg/math" name="TestDiv"><error message="boom" type="ZeroDivisionError"/></testcase>
    <testcase classname="pkg/math" name="TestMul"><skipped message="later"/></testcase>
  </testsuite>
</testsuites>""")
    assert result.report == "complete"
    assert result.tests == {
        "pkg/math::TestAdd": ("passed", None),
        "pkg/math::TestSub": ("failed", "AssertionError: 1 != 2"),
        "pkg/math::TestDiv": ("error", "ZeroDivisionError: boom"),
        "pkg/math::TestMul": ("skipped", None),
    }
    assert result.collect_errors == []


def test_bare_testsuite_root_names_its_cases(tmp_path: Path) -> None:
    result = parse(tmp_path, """<testsuite name="pytest" tests="2">
  <testcase classname="tests.test_a" name="test_one" file="tests/test_a.py"/>
  <testcase classname="tests.test_a" name="test_two" file="tests/test_a.py"><failure>x</failure></testcase>
</testsuite>""")
    assert result.tests == {
        "tests/test_a.py::pytest::tests.test_a::test_one": ("passed", None),
        "tests/test_a.py::pytest::tests.test_a::test_two": ("failed", None),
    }


def test_nested_suites_and_cases_straight_under_the_root(tmp_path: Path) -> None:
    """Node's runner: cases under <testsuites>, describe blocks as nested suites."""
    result = parse(tmp_path, """<testsuites>
  <testcase name="adds" classname="test"/>
  <testsuite name="group" tests="2" failures="0" skipped="1">
    <testsuite name="inner"><testcase name="deep" classname="test"/></testsuite>
    <testcase name="todo one" classname="test"><skipped type="todo" message="true"/></testcase>
  </testsuite>
</testsuites>""")
    assert result.tests == {
        "test::adds": ("passed", None),
        "group::inner::test::deep": ("passed", None),
        "group::test::todo one": ("skipped", None),
    }


def test_vitest_style_file_and_classname_equal_are_not_repeated(tmp_path: Path) -> None:
    result = parse(tmp_path, """<testsuites name="vitest tests">
  <testsuite name="src/a.test.ts"><testcase classname="src/a.test.ts" name="math &gt; adds"/></testsuite>
</testsuites>""")
    assert list(result.tests) == ["src/a.test.ts::math > adds"]


def test_repeated_names_are_all_kept(tmp_path: Path) -> None:
    result = parse(tmp_path, """<testsuites>
  <testcase name="same" classname="test"/>
  <testcase name="same" classname="test"><failure/></testcase>
  <testcase name="same" classname="test"/>
</testsuites>""")
    assert result.tests == {"test::same": ("passed", None), "test::same #2": ("failed", None),
                            "test::same #3": ("passed", None)}


def test_failure_outranks_skipped_and_namespaces_are_ignored(tmp_path: Path) -> None:
    result = parse(tmp_path, """<ns:testsuites xmlns:ns="urn:x"><ns:testsuite name="s">
  <ns:testcase name="t"><ns:skipped/><ns:failure type="Boom"/></ns:testcase>
</ns:testsuite></ns:testsuites>""")
    assert result.tests == {"s::t": ("failed", "Boom")}


def test_absolute_paths_under_cwd_become_relative(tmp_path: Path) -> None:
    result = parse(tmp_path, f"""<testsuites>
  <testcase name="adds" classname="test" file="{tmp_path}/test/a.test.js"/>
</testsuites>""", cwd=tmp_path)
    assert list(result.tests) == ["test/a.test.js::test::adds"]


def test_a_test_file_that_cannot_load_is_a_collection_error_not_a_failure(tmp_path: Path) -> None:
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "broken.test.js").write_text("syntax error(\n")
    (tmp_path / "test" / "empty.test.js").write_text("// no tests\n")
    result = parse(tmp_path, f"""<testsuites>
  <testcase name="{tmp_path}/test/broken.test.js" classname="test"><failure type="testCodeFailure"/></testcase>
  <testcase name="{tmp_path}/test/empty.test.js" classname="test"/>
  <testcase name="real" classname="test"><failure type="testCodeFailure"
      message="expected 3&#10;got 4"/></testcase>
</testsuites>""", cwd=tmp_path)
    # The message's first line; the empty file is no test.
    assert result.tests == {"test::real": ("failed", "testCodeFailure: expected 3")}
    assert result.collect_errors == ["test/broken.test.js"]
    assert broken_run(result, None) == ("1 test file(s) could not be collected (test/broken.test.js): fix them first")


def test_failures_declared_but_carried_by_no_case_are_reported(tmp_path: Path) -> None:
    """jest-junit and others: a suite that crashed before its tests ran."""
    result = parse(tmp_path, """<testsuites><testsuite name="math.test.js" tests="1" failures="0" errors="1">
  <testcase classname="math" name="adds"/>
</testsuite></testsuites>""", exit_code=1)
    assert result.collect_errors == ["math.test.js (1 failure(s) outside any test)"]
    assert "could not be collected (math.test.js (1 failure(s) outside any test))" in broken_run(result, None)


@pytest.mark.parametrize(("content", "report"), [
    (None, "missing"),
    ("", "missing"),
    ("<testsuites><testsuite name='x'><testcase name='a'/>", "corrupt"),
    ("not xml at all", "corrupt"),
    ("<html><body>error page</body></html>", "corrupt"),
])
def test_missing_or_corrupt_files_are_never_a_pass(tmp_path: Path, content: str | None, report: str) -> None:
    path = tmp_path / "junit.xml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = RunResult(command=["runner"], exit_code=0, duration=0.1, runner="junit")
    read_junit(path, result)
    assert result.report == report
    assert result.tests == {}
    problem = broken_run(result, None)
    expected = {"missing": "the test command exited 0 without writing JUnit XML to {junit}",
                "corrupt": "the test command exited 0 and its JUnit XML is unreadable"}[report]
    assert problem is not None and problem.startswith(expected)


def test_other_runners_exit_codes_are_not_read_as_pytests() -> None:
    result = RunResult(command=["node"], exit_code=2, duration=0.1, runner="junit", tests={"a": ("passed", None)})
    assert broken_run(result, None) == "the test command exited 2, which is neither a pass (0) nor failing tests (1)"
    pytest_result = RunResult(command=["python"], exit_code=2, duration=0.1, tests={"a": ("passed", None)})
    assert broken_run(pytest_result, None).startswith("pytest was interrupted or could not collect the tests (exit 2)")


