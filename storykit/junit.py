"""Results of any test runner that writes JUnit XML (``{junit}`` in test_command)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storykit.runner import RunResult


def read_junit(path: Path, result: RunResult) -> None:
    """Fill ``result.tests`` from a JUnit XML file; mark a missing or corrupt one."""
    if not path.exists() or path.stat().st_size == 0:
        result.report = "missing"
        return
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        result.report = "corrupt"
        return
    for case in root.iter("testcase"):
        classname = case.get("classname") or case.get("file") or ""
        name = case.get("name") or "?"
        nodeid = f"{classname}::{name}" if classname else name
        outcome, exc = "passed", None
        for child in case:
            if child.tag == "failure":
                outcome, exc = "failed", child.get("type") or None
            elif child.tag == "error":
                outcome, exc = "error", child.get("type") or None
            elif child.tag == "skipped":
                outcome = "skipped"
        while nodeid in result.tests:  # runners may repeat a name; keep every case
            nodeid += "'"
        result.tests[nodeid] = (outcome, exc)
