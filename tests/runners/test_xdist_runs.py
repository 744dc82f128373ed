"""pytest-xdist runs through `storykit run-tests` are recorded exactly like serial runs.

Real runs: storykit runs the project's pytest with xdist's workers (`-- -n 2`, or
`addopts = -n auto` in the project's pytest.ini) and the run it records (the
`run-tests --json` document) must hold the same per-test outcomes as a serial run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Project, copy_of, prepared


@pytest.fixture(autouse=True)
def autoload_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """xdist reaches pytest through its entry point: the suite's speed-up that turns plugin
    autoloading off (tests/conftest.py) would make ``-n`` an unknown option here."""
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)


# Every outcome the plugin tells apart, on more tests than one worker takes.
MIXED = '''import pytest


@pytest.fixture
def broken():
    raise RuntimeError("the fixture cannot be set up")


@pytest.fixture
def bad_teardown():
    yield
    raise OSError("the fixture cannot be torn down")


def test_passes_0():
    assert True


def test_passes_1():
    assert True


def test_fails():
    assert 1 == 2


def test_raises():
    raise KeyError("missing")


def test_skipped():
    pytest.skip("not on this platform")


@pytest.mark.xfail(reason="known bug")
def test_xfailed():
    assert False


@pytest.mark.xfail(reason="fixed already")
def test_xpassed():
    assert True


@pytest.mark.xfail(strict=True, reason="must fail")
def test_xpassed_strict():
    assert True


def test_setup_error(broken):
    assert True


def test_teardown_error(bad_teardown):
    assert True


@pytest.mark.parametrize("n", range(6))
def test_many(n):
    assert n >= 0
'''

EXPECTED = {
    "tests/test_feature.py::test_passes_0": ("passed", None),
    "tests/test_feature.py::test_passes_1": ("passed", None),
    "tests/test_feature.py::test_fails": ("failed", "AssertionError"),
    "tests/test_feature.py::test_raises": ("failed", "KeyError"),
    "tests/test_feature.py::test_skipped": ("skipped", None),
    "tests/test_feature.py::test_xfailed": ("xfailed", "AssertionError"),
    "tests/test_feature.py::test_xpassed": ("xpassed", None),
    "tests/test_feature.py::test_xpassed_strict": ("failed", None),
    "tests/test_feature.py::test_setup_error": ("error", "RuntimeError"),
    "tests/test_feature.py::test_teardown_error": ("error", "OSError"),
    **{f"tests/test_feature.py::test_many[{n}]": ("passed", None) for n in range(6)},
}


def _build(project: Project) -> None:
    project.write("tests/test_feature.py", MIXED)
    assert project.new().exit_code == 0


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepared(tmp_path_factory, _build)


@pytest.fixture
def mixed(template: Path, tmp_path: Path) -> Project:
    return copy_of(template, tmp_path)


def _run(project: Project, *extra: str) -> dict:  # type: ignore[type-arg]
    result = project.sk("run-tests", "STORY-001", "--json", *extra)
    document = json.loads(result.stdout)
    assert result.exit_code == 0, result.output
    return document


def _outcomes(document: dict) -> dict[str, tuple[str, str | None]]:  # type: ignore[type-arg]
    return {test["id"]: (test["outcome"], test["detail"]) for test in document["run"]["tests"]}


def test_serial_run_records_every_outcome(mixed: Project) -> None:
    document = _run(mixed)
    assert (document["phase"], document["status"]) == ("red", "red")
    assert _outcomes(document) == EXPECTED


def test_n_2_run_records_what_a_serial_run_records(mixed: Project) -> None:
    document = _run(mixed, "--", "-n", "2")
    assert "corrupt" not in document["reason"]
    assert (document["phase"], document["status"]) == ("red", "red")
    assert _outcomes(document) == EXPECTED
    assert document["run"]["collect_errors"] == []


def test_addopts_n_auto_in_pytest_ini_records_what_a_serial_run_records(mixed: Project) -> None:
    mixed.write("pytest.ini", "[pytest]\naddopts = -n auto\n")
    document = _run(mixed)
    assert (document["phase"], document["status"]) == ("red", "red")
    assert _outcomes(document) == EXPECTED


def test_red_then_green_under_xdist(project: Project) -> None:
    project.tests_file("feature", failing=4)
    assert project.new().exit_code == 0
    project.write("pytest.ini", "[pytest]\naddopts = -n 2\n")
    red = _run(project)
    assert (red["phase"], red["status"], red["run"]["counts"]) == ("red", "red", {"failed": 4})
    project.tests_file("feature", passing=4)
    green = _run(project)
    assert (green["phase"], green["status"], green["run"]["counts"]) == ("green", "green", {"passed": 4})
    assert sorted(_outcomes(green)) == [f"tests/test_feature.py::test_feature_{i}" for i in range(4)]


def test_collection_error_under_xdist_is_reported_once(project: Project) -> None:
    project.write("tests/test_feature.py", "import no_such_module_anywhere\n\ndef test_a():\n    assert True\n")
    assert project.new().exit_code == 0
    result = project.sk("run-tests", "STORY-001", "--json", "--", "-n", "2")
    document = json.loads(result.stdout)
    assert result.exit_code == 1, result.output
    assert document["kind"] == "error" and document["error"] == "refused"
    assert document["run"]["collect_errors"] == ["tests/test_feature.py"]
    assert "corrupt" not in document["reason"]


def test_a_test_that_kills_its_worker_is_recorded_as_failed(project: Project) -> None:
    project.write("tests/test_feature.py", "import os\n\n\ndef test_a():\n    assert True\n\n\n"
                  "def test_b():\n    assert True\n\n\ndef test_dies():\n    os._exit(3)\n")
    assert project.new().exit_code == 0
    document = _run(project, "--", "-n", "2")
    assert (document["phase"], document["status"]) == ("red", "red")
    assert _outcomes(document) == {"tests/test_feature.py::test_a": ("passed", None),
                                   "tests/test_feature.py::test_b": ("passed", None),
                                   "tests/test_feature.py::test_dies": ("failed", "worker crashed")}
