"""storykit's pytest plugin: per-test results for storykit, and the ``story`` marker.

Registered through the ``pytest11`` entry point, and also loaded by storykit with
``-p storykit_pytest`` from a private copy when the project's Python does not have
storykit installed (so this module imports nothing but pytest and the stdlib).  It
is inert unless ``--storykit-report`` or ``--story`` is given.

The report is JSON lines, flushed as tests finish, closed by a ``finish`` record:
a report without one means pytest died before the end.  Node ids and xfail/xpass
are kept, which JUnit XML loses.

Under pytest-xdist only the controller writes the report: its workers run the
tests and send every report to it (``pytest_runtest_logreport`` fires there for
each of them, with the attributes set in the worker's ``makereport``), so the
report holds the same records as a serial run's.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

REPORT_VERSION = 1


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("storykit")
    group.addoption("--storykit-report", default=None, metavar="PATH",
                    help="write each test's node id and outcome to PATH as JSON lines (used by storykit)")
    group.addoption("--story", action="append", default=[], metavar="ID",
                    help="run only the tests marked @pytest.mark.story(ID)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "story(id, ...): the storykit story (or stories) this test belongs to")
    path = config.getoption("storykit_report", None)
    if path:
        config.pluginmanager.register(_ExceptionNamer(), "storykit-exception-namer")
        if not hasattr(config, "workerinput"):  # an xdist worker: its controller writes the report
            config.pluginmanager.register(_Reporter(path), "storykit-reporter")


def _id_key(story_id: str) -> str:
    match = re.match(r"^\s*([A-Za-z_-]*?)-?0*(\d+)\s*$", str(story_id))
    return match.group(2) if match else str(story_id).strip().upper()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = {_id_key(s) for s in config.getoption("story", []) or []}
    if not wanted:
        return
    selected: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    for item in items:
        marked = {_id_key(arg) for mark in item.iter_markers("story") for arg in mark.args}
        (selected if marked & wanted else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


class _ExceptionNamer:
    """Names the exception of a failed phase on its report (where the test ran: in
    an xdist worker the attribute travels to the controller with the report)."""

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
        outcome = yield
        if call.excinfo is not None:
            outcome.get_result().storykit_exc = call.excinfo.typename


class _Reporter:
    def __init__(self, path: str) -> None:
        self._file = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed at session end
        self._outcomes: dict[str, dict[str, Any]] = {}
        self._write({"event": "start", "version": REPORT_VERSION})

    def _write(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record, sort_keys=True) + "\n")
        self._file.flush()

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._write({"event": "collect_error", "nodeid": report.nodeid,
                         "message": str(report.longrepr).strip().splitlines()[-1:] or [""]})

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        state = self._outcomes.setdefault(report.nodeid, {"outcome": "passed", "exc": None})
        exc = getattr(report, "storykit_exc", None)
        xfail = hasattr(report, "wasxfail")
        if report.when == "setup":
            if report.failed:
                state.update(outcome="error", exc=exc)
            elif report.skipped:
                state.update(outcome="xfailed" if xfail else "skipped")
        elif report.when == "call":
            if report.failed:
                state.update(outcome="failed", exc=exc or ("XPASS(strict)" if xfail else None))
            elif report.skipped:
                state.update(outcome="xfailed" if xfail else "skipped", exc=exc if xfail else None)
            elif xfail:
                state.update(outcome="xpassed")
        elif report.when == "teardown":
            if report.failed and state["outcome"] in ("passed", "skipped", "xfailed", "xpassed"):
                state.update(outcome="error", exc=exc)
            self._write({"event": "test", "nodeid": report.nodeid, **self._outcomes.pop(report.nodeid)})
        elif report.failed:  # xdist's report of a test whose worker died ("???"): no teardown follows
            self._outcomes.pop(report.nodeid, None)
            self._write({"event": "test", "nodeid": report.nodeid, "outcome": "failed", "exc": "worker crashed"})

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._write({"event": "finish", "exitstatus": int(exitstatus), "collected": session.testscollected})
        self._file.close()
