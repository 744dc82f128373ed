"""Test Results names what ran (issue 11): the passing tests listed from the structured
results, collapsed in a <details> block when there are many; tables in run order."""

from __future__ import annotations

from storykit.story import evidence


def meta(green_tests: dict[str, str]) -> dict:
    red_tests = {"tests/t.py::test_zeta": "failed AssertionError", "tests/t.py::test_alpha": "failed KeyError",
                 "tests/t.py::test_mid": "passed"}
    run = {"at": "2026-11-28T10:00:00Z", "commit": "a" * 40, "command": "pytest", "exit_code": 1,
           "duration": 1.0, "counts": {"failed": 2, "passed": 1}, "total": 3}
    green = {**run, "exit_code": 0, "counts": {"passed": len(green_tests)}, "total": len(green_tests),
             "tests": green_tests}
    return {"id": "STORY-001", "status": "green", "tests": ["tests/t.py"],
            "runs": {"red": {**run, "tests": red_tests}, "green": green}}


def test_the_why_table_is_in_run_order() -> None:
    text = evidence.render(meta({"tests/t.py::test_a": "passed"}), {})
    zeta, alpha = text.index("test_zeta"), text.index("test_alpha")
    assert zeta < alpha
    assert "| `tests/t.py::test_zeta` | failed | AssertionError |" in text


def test_a_few_passing_tests_are_listed_plainly() -> None:
    names = {f"tests/t.py::test_{i}": "passed" for i in range(3)}
    text = evidence.render(meta(names), {})
    assert "- Passed: `tests/t.py::test_0`, `tests/t.py::test_1`, `tests/t.py::test_2`" in text
    assert "<details>" not in text


def test_many_passing_tests_are_collapsed_in_details_in_run_order() -> None:
    names = {f"tests/t.py::test_{i}": "passed" for i in (5, 3, 9, 1, 0, 2, 4, 6, 7, 8, 10, 11)}
    text = evidence.render(meta(names), {})
    block = text[text.index("<details>"):text.index("</details>")]
    assert block.startswith("<details><summary>12 tests passed</summary>\n\n")
    listed = [line for line in block.splitlines() if line.startswith("- ")]
    assert listed == [f"- `tests/t.py::test_{i}`" for i in (5, 3, 9, 1, 0, 2, 4, 6, 7, 8, 10, 11)]


def test_a_long_list_is_bounded_and_names_the_evidence_file() -> None:
    names = {f"tests/t.py::test_{i}": "passed" for i in range(450)}
    text = evidence.render(meta(names), {}, evidence_file="stories/.evidence/STORY-001-x.json")
    listed = [line for line in text.splitlines() if line.startswith("- `tests/t.py::test_")]
    assert len(listed) == 100
    assert "- … and 350 more: every test's outcome is in `stories/.evidence/STORY-001-x.json`" in text


def test_paths_are_said_once_when_outputs_use_the_tokens() -> None:
    text = evidence.render(meta({"tests/t.py::test_a": "passed"}),
                           {"green": "rootdir: <project>\nJUNIT report written to {junit}\n"})
    assert text.count("`<project>` is the project root") == 1
