"""Results of any test runner that writes JUnit XML (``{junit}`` in test_command).

JUnit XML has no single standard, so this reads what the common writers produce:
a ``<testsuites>`` root or a bare ``<testsuite>``, suites nested in suites
(describe blocks), ``<testcase>`` elements straight under the root (Node's
runner), ``classname`` and ``file`` present or not, and ``<failure>``,
``<error>``, ``<skipped>`` children.  A test's id is built from its file, the
names of its enclosing suites, its classname and its name, joined with ``::``
(a part equal to an earlier one is dropped), so it stays the same from run to run.

What cannot be trusted is reported, never counted: a missing or empty file is
``missing``, unparseable XML or a non-JUnit root is ``corrupt``, and failures a
suite declares in its attributes but no test case carries (a suite that crashed
before its tests ran) become collection errors, as does a "test case" that is a
test file failing to load (Node reports those under the file's path).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storykit.runners.result import RunResult

_OUTCOMES = {"failure": "failed", "error": "error", "skipped": "skipped"}


def read_junit(path: Path, result: RunResult, cwd: Path | None = None) -> None:
    """Fill ``result.tests`` (and ``collect_errors``) from a JUnit XML file.

    ``cwd`` is the directory the tests ran in: absolute paths under it are shown
    relative to it, so ids do not depend on where the project is checked out.
    """
    if not path.exists() or path.stat().st_size == 0:
        result.report = "missing"
        return
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, UnicodeDecodeError, ValueError):
        result.report = "corrupt"
        return
    if _local(root.tag) not in ("testsuites", "testsuite"):
        result.report = "corrupt"
        return
    prefix = f"{cwd}/" if cwd is not None else None
    top_suites = [root] if _local(root.tag) == "testsuite" else [c for c in root if _local(c.tag) == "testsuite"]
    for suite in top_suites:
        _check_declared(suite, result)
    # A bare <testsuite> root is itself the outermost suite of its cases.
    _walk(root, [root.get("name") or ""] if _local(root.tag) == "testsuite" else [], result, prefix, cwd)


def _local(tag: str) -> str:
    """A tag without its XML namespace."""
    return tag.rsplit("}", 1)[-1]


def _relative(text: str, prefix: str | None) -> str:
    return text[len(prefix):] if prefix and text.startswith(prefix) else text


def _walk(element: ET.Element, suites: list[str], result: RunResult, prefix: str | None, cwd: Path | None) -> None:
    for child in element:
        tag = _local(child.tag)
        if tag == "testsuite":
            _walk(child, [*suites, child.get("name") or ""], result, prefix, cwd)
        elif tag == "testcase":
            _add_case(child, suites, result, prefix, cwd)


def _add_case(case: ET.Element, suites: list[str], result: RunResult, prefix: str | None, cwd: Path | None) -> None:
    name = _relative(case.get("name") or "?", prefix)
    file = _relative(case.get("file") or "", prefix)
    classname = _relative(case.get("classname") or "", prefix)
    outcome, exc = "passed", None
    for child in case:
        kind = _OUTCOMES.get(_local(child.tag))
        # failure/error outrank skipped; the first failure's type is the "why".
        if kind and (outcome == "passed" or (outcome == "skipped" and kind != "skipped")):
            outcome = kind
            exc = _why(child) if kind != "skipped" else None
    if cwd is not None and not file and _is_file(cwd, name):
        # Node reports a test file that has no tests (a pass) or cannot load (a
        # failure) as a "test case" named after the file: neither is a test.
        if outcome in ("failed", "error"):
            result.collect_errors.append(name)
        return
    parts: list[str] = []
    for part in (file, *suites, classname, name):
        if part and part not in parts:
            parts.append(part)
    nodeid = "::".join(parts) or "?"
    if nodeid in result.tests:  # runners may repeat a name; keep every case
        number = 2
        while f"{nodeid} #{number}" in result.tests:
            number += 1
        nodeid = f"{nodeid} #{number}"
    result.tests[nodeid] = (outcome, exc)


def _why(element: ET.Element) -> str | None:
    """The failure's type and the first line of its message: the "why" of the story's table."""
    kind = (element.get("type") or "").strip()
    lines = (element.get("message") or "").strip().splitlines()
    message = lines[0].strip()[:100] if lines else ""
    return ": ".join(part for part in (kind, message) if part) or None


def _is_file(cwd: Path, name: str) -> bool:
    if "/" not in name and "\\" not in name and "." not in name:
        return False
    try:
        return (cwd / name).is_file()
    except (OSError, ValueError):
        return False


def _check_declared(suite: ET.Element, result: RunResult) -> None:
    """A suite that declares more failures than its test cases show crashed outside them."""
    declared = 0
    for key in ("failures", "errors"):
        try:
            declared += int(suite.get(key) or 0)
        except ValueError:
            continue
    if not declared:
        return
    shown = sum(1 for case in suite.iter() if _local(case.tag) == "testcase"
                and any(_local(c.tag) in ("failure", "error") for c in case))
    if declared > shown:
        name = suite.get("name") or "a test suite"
        result.collect_errors.append(f"{name} ({declared - shown} failure(s) outside any test)")
