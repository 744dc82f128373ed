"""The default runner: the project's ``python -m pytest`` with storykit's plugin,
whose report (one JSON line per test) gives each test's outcome.

The plugin (storykit.runners.pytest_plugin) is copied into the run's private folder
and put on PYTHONPATH, so it loads even in a project Python without storykit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from storykit.errors import StorykitError
from storykit.runners.result import RunResult

PLUGIN_MODULE = "storykit_pytest"


def project_python(search: str | None = None) -> str:
    """The project's Python: ``python`` on PATH (the active environment), else
    ``python3``; ``search`` is the PATH to look in (default: this process's)."""
    for name in ("python", "python3"):
        found = shutil.which(name, path=search)
        if found:
            return found
    raise StorykitError("no 'python' or 'python3' on PATH",
                        hint="activate the project's virtual environment, or set test_command in the config")


def environment_root(search: str | None = None) -> Path | None:
    """The virtual environment the run's ``python`` belongs to (the folder above its
    ``bin``, holding a ``pyvenv.cfg``), or None for a system Python or none at all."""
    try:
        found = project_python(search)
    except StorykitError:
        return None
    root = Path(found).parent.parent
    return root if (root / "pyvenv.cfg").is_file() else None


def plugin_name(paths: list[str]) -> str:
    """The name storykit's pytest plugin is loaded under for a run whose path starts
    with ``paths``.

    A project that holds a ``storykit`` package of its own (storykit's own history,
    replayed by verify, or any checkout of it) shadows the installed one, so the
    installed entry point (``storykit.runners...``) would be imported from that code
    and fail; the private copy is then loaded under a name of its own (the entry
    point's name is blocked)."""
    shadowed = any((Path(p) / "storykit" / "__init__.py").is_file() for p in paths)
    return "storykit_pytest_replay" if shadowed else PLUGIN_MODULE


def pytest_command(tests: list[str], extra: list[str], report: Path, color: bool,
                   plugin: str = PLUGIN_MODULE, search: str | None = None) -> list[str]:
    """The default command: the project's ``python -m pytest`` with storykit's plugin.

    ``plugin`` other than ``PLUGIN_MODULE``: the private copy is loaded under that
    name and the installed entry point is blocked (a replay of storykit's own history,
    where the checkout's ``storykit`` package shadows the one the entry point names)."""
    blocked = ["-p", f"no:{PLUGIN_MODULE}"] if plugin != PLUGIN_MODULE else []
    command = [project_python(search), "-m", "pytest", *tests, *blocked, "-p", plugin, f"--storykit-report={report}"]
    if color:
        command.append("--color=yes")
    return command + extra


def plugin_dir(workdir: Path, plugin: str = PLUGIN_MODULE) -> Path:
    """A folder holding a copy of the plugin, for a project Python without storykit."""
    target = workdir / "plugin"
    target.mkdir()
    shutil.copyfile(Path(__file__).with_name("pytest_plugin.py"), target / f"{plugin}.py")
    return target


def read_report(path: Path, result: RunResult) -> None:
    import json

    if not path.exists():
        result.report = "missing"
        return
    finished = False
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                record = json.loads(line)
                event = record.get("event")
                if event == "test":
                    result.tests[record["nodeid"]] = (record["outcome"], record.get("exc"))
                elif event == "collect_error":
                    result.collect_errors.append(record.get("nodeid") or "<session>")
                elif event == "finish":
                    finished = True
    except (ValueError, KeyError, UnicodeDecodeError):
        result.report = "corrupt"
        return
    if not finished:
        result.report = "truncated"


def require_pytest(python: str, result: RunResult) -> None:
    """Raise when the project's Python turned out to have no pytest.

    Told from the run itself (exit 1, no report, Python's own message), not from a
    probe before it: a probe would cost a second interpreter start on every run.
    """
    if result.exit_code == 1 and result.report == "missing" and "No module named pytest" in result.excerpt:
        raise StorykitError(
            f"the project's Python ({python}) has no pytest",
            hint=f"install it there ('{python} -m pip install pytest'), or activate the environment that has it",
        )
