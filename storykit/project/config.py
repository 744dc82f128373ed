"""Project configuration: ``[tool.storykit]`` in pyproject.toml, else storykit.toml.

The project root is the nearest directory, from the working directory upwards, that
holds a ``storykit.toml`` or a pyproject.toml with a ``[tool.storykit]`` table.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storykit.errors import StorykitError

PYPROJECT = "pyproject.toml"
STORYKIT_TOML = "storykit.toml"


@dataclass(frozen=True)
class Config:
    """Settings of one project; every path is relative to ``root``."""

    root: Path
    source: Path | None = None
    stories_dir: str = "stories"
    templates_dir: str = "templates"
    tracker: str = "STORY_TRACKER.md"
    # {tests} is replaced by the story's tests, {junit} by a path for JUnit XML.
    # Unset means the zero-config default: the project's `python -m pytest`.
    test_command: str | None = None
    min_tests: int = 1
    timeout: float | None = None
    commit_message: str = "feat: {title} ({id})"
    id_prefix: str = "STORY-"
    id_width: int = 3
    allow_skips: bool = False
    validate: tuple[str, ...] = ()
    generated: tuple[str, ...] = ()  # globs of generated files left out of Step 3
    log_dir: str = ".storykit/logs"
    output_lines: int = 200
    whole_suite: bool = True
    # The whole suite's command ({junit}); unset: the default pytest command without paths.
    suite_command: str | None = None
    guard: str = "strict"  # the agent hooks' edit guard: strict | warn | off
    # check: a run record's commit must be in HEAD's history: strict (error) | warn | off
    run_commits: str = "strict"
    # Before/after measurements (docs/benchmarks.md): run with the red and the green run.
    benchmarks: tuple[str, ...] = ()
    benchmark_repeats: int = 5
    benchmark_statistic: str = "median"  # median | mean | min
    benchmark_margin: float = 10.0  # percent worse that is still noise

    @property
    def stories_path(self) -> Path:
        return self.root / self.stories_dir

    @property
    def templates_path(self) -> Path:
        return self.root / self.templates_dir

    @property
    def tracker_path(self) -> Path:
        return self.root / self.tracker

    @property
    def state_path(self) -> Path:
        """storykit's private folder (logs, lock, cache); git-ignored by ``init``."""
        return self.root / ".storykit"

    @property
    def log_path(self) -> Path:
        return self.root / self.log_dir


# key -> (accepted types, description); the description feeds `storykit init` and the docs.
_SETTINGS: dict[str, tuple[tuple[type, ...], str]] = {
    "stories_dir": ((str,), "folder of the story files"),
    "templates_dir": ((str,), "folder of the project's own templates"),
    "tracker": ((str,), "path of the generated tracker"),
    "test_command": ((str,), "command that runs a story's tests ({tests}, {junit})"),
    "min_tests": ((int,), "default minimum number of passing tests for green"),
    "timeout": ((int, float), "default test-run timeout in seconds"),
    "commit_message": ((str,), "message of the completion commit ({title}, {id})"),
    "id_prefix": ((str,), "prefix of story ids"),
    "id_width": ((int,), "digits in a story id"),
    "allow_skips": ((bool,), "let skipped story tests count towards green"),
    "validate": ((list,), "validation commands run before done"),
    "generated": ((list,), "globs of generated files left out of a story's Step 3"),
    "log_dir": ((str,), "folder of full test logs (git-ignored)"),
    "output_lines": ((int,), "lines of test output kept in a story"),
    "whole_suite": ((bool,), "complete also runs the whole test suite"),
    "suite_command": ((str,), "command that runs the whole suite ({junit}); needed with a custom test_command"),
    "guard": ((str,), "agent hooks' edit guard: strict (deny), warn (allow with a message) or off"),
    "run_commits": ((str,), "check: a run record's commit must be in HEAD's history: strict (error), warn or off "
                            "(for merges that rewrite commits: squash, rebase)"),
    "benchmarks": ((list,), "benchmark commands measured with the red and the green run (NAME: VALUE UNIT, {json})"),
    "benchmark_repeats": ((int,), "runs of each benchmark command per measurement"),
    "benchmark_statistic": ((str,), "statistic of a benchmark's repeats: median, mean or min"),
    "benchmark_margin": ((int, float), "percent a measurement may get worse before it is flagged"),
}
GUARDS = ("strict", "warn", "off")
RUN_COMMITS = ("strict", "warn", "off")


def find_root(start: Path) -> tuple[Path, Path] | None:
    """The project root and its config file, searching ``start`` and its parents."""
    for directory in (start, *start.parents):
        candidate = directory / STORYKIT_TOML
        pyproject = directory / PYPROJECT
        in_pyproject = pyproject.is_file() and _has_storykit_table(pyproject)
        if candidate.is_file():
            if in_pyproject:  # one source of config: neither silently wins
                raise StorykitError(f"both {STORYKIT_TOML} and [tool.storykit] in {PYPROJECT} configure storykit",
                                    hint="keep one of them")
            return directory, candidate
        if in_pyproject:
            return directory, pyproject
    return None


def _has_storykit_table(pyproject: Path) -> bool:
    # A cheap text test first: most pyproject.toml files never mention storykit.
    text = pyproject.read_text(encoding="utf-8", errors="replace")
    return "storykit" in text and "storykit" in _parse(pyproject, text).get("tool", {})


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StorykitError(f"{path.name}: invalid TOML ({exc})", hint="fix the file and run again") from None


def parse_toml(path: Path, text: str) -> dict[str, Any]:
    """A TOML file's data; invalid TOML is one line naming the file (exit 2)."""
    return _parse(path, text)


def load(start: Path | None = None) -> Config:
    """The configuration of the project containing ``start`` (default: the cwd)."""
    start = (start or Path.cwd()).resolve()
    found = find_root(start)
    if found is None:
        raise StorykitError(
            f"{start} is not in a storykit project (no storykit.toml or [tool.storykit] in pyproject.toml)",
            hint="run 'storykit init' at the repository root to start one",
        )
    root, source = found
    data = _parse(source, source.read_text(encoding="utf-8"))
    table = data.get("tool", {}).get("storykit", {}) if source.name == PYPROJECT else data
    if source.name == STORYKIT_TOML and "tool" in table and "storykit" in table.get("tool", {}):
        table = table["tool"]["storykit"]
    return from_mapping(root, table, source)


def from_mapping(root: Path, table: dict[str, Any], source: Path | None = None) -> Config:
    """Validate a config table (keys, types) and build the Config."""
    where = source.name if source else "config"
    values: dict[str, Any] = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in _SETTINGS:
            import difflib

            close = difflib.get_close_matches(name, _SETTINGS, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(_SETTINGS)}"
            raise StorykitError(f"{where}: unknown storykit setting '{key}'", hint=hint)
        types, _ = _SETTINGS[name]
        if isinstance(value, bool) and bool not in types or not isinstance(value, types):
            wanted = " or ".join(t.__name__ for t in types)
            raise StorykitError(
                f"{where}: storykit setting '{key}' must be {wanted}, not {type(value).__name__} ({value!r})",
                hint="fix it in the [tool.storykit] table",
            )
        values[name] = value
    for key in _PATH_KEYS:
        if key in values:
            _require_inside(where, root, key, values[key])
    prefix = values.get("id_prefix", "STORY-")
    if not re.fullmatch(r"[A-Za-z0-9_-]{0,32}", prefix):
        raise StorykitError(f"{where}: storykit setting 'id_prefix' ('{prefix}') may hold only letters, digits, "
                            "'-' and '_'", hint="fix it in the config")
    if values.get("id_width", 3) > 9:
        raise StorykitError(f"{where}: storykit setting 'id_width' must be at most 9 (ids have at most 9 digits)")
    if "validate" in values:
        if not all(isinstance(c, str) for c in values["validate"]):
            raise StorykitError(f"{where}: storykit setting 'validate' must be a list of command strings")
        values["validate"] = tuple(values["validate"])
    if "generated" in values:
        if not all(isinstance(g, str) for g in values["generated"]):
            raise StorykitError(f"{where}: storykit setting 'generated' must be a list of glob strings")
        values["generated"] = tuple(values["generated"])
    _benchmark_settings(where, values)
    if values.get("min_tests", 1) < 0 or values.get("id_width", 3) < 1 or values.get("output_lines", 200) < 10:
        raise StorykitError(f"{where}: min_tests, id_width and output_lines must be positive (output_lines ≥ 10)")
    if values.get("guard", "strict") not in GUARDS:
        raise StorykitError(f"{where}: storykit setting 'guard' must be one of {', '.join(GUARDS)}, "
                            f"not {values['guard']!r}", hint="fix it in the [tool.storykit] table")
    if values.get("run_commits", "strict") not in RUN_COMMITS:
        raise StorykitError(f"{where}: storykit setting 'run_commits' must be one of {', '.join(RUN_COMMITS)}, "
                            f"not {values['run_commits']!r}", hint="fix it in the [tool.storykit] table")
    if "timeout" in values and not 0 < values["timeout"] < float("inf"):  # also refuses nan
        raise StorykitError(f"{where}: storykit setting 'timeout' must be a positive number of seconds")
    return Config(root=root, source=source, **values)


_PATH_KEYS = ("stories_dir", "templates_dir", "tracker", "log_dir")


def _benchmark_settings(where: str, values: dict[str, Any]) -> None:
    from storykit.core.measure import STATISTICS

    if "benchmarks" in values:
        if not all(isinstance(c, str) and c.strip() for c in values["benchmarks"]):
            raise StorykitError(f"{where}: storykit setting 'benchmarks' must be a list of command strings")
        values["benchmarks"] = tuple(values["benchmarks"])
    if values.get("benchmark_repeats", 5) < 1:
        raise StorykitError(f"{where}: storykit setting 'benchmark_repeats' must be at least 1",
                            hint="5 or more: a single noisy sample is not evidence")
    if values.get("benchmark_statistic", "median") not in STATISTICS:
        raise StorykitError(f"{where}: storykit setting 'benchmark_statistic' must be one of {', '.join(STATISTICS)}, "
                            f"not {values['benchmark_statistic']!r}", hint="fix it in the [tool.storykit] table")
    margin = values.get("benchmark_margin", 10.0)
    if not 0 <= margin < float("inf"):  # also refuses nan
        raise StorykitError(f"{where}: storykit setting 'benchmark_margin' must be a percentage (0 or more)")
    values["benchmark_margin"] = float(margin)


def _require_inside(where: str, root: Path, key: str, value: str) -> None:
    """A config path must name something inside the project: storykit writes there."""
    import os

    what = None
    if not value.strip():
        what = "is empty"
    elif any(c in value for c in "\0\n\r") or os.path.isabs(value) or value.startswith(("/", "\\")):
        what = "leaves the project"
    else:
        target = os.path.normpath(value)
        if target == ".." or target.startswith(("../", "..\\")) or (key == "tracker" and target == "."):
            what = "leaves the project" if target != "." else "is not a file"
        else:
            try:
                if not (root / value).resolve().is_relative_to(root.resolve()):
                    what = "leaves the project"  # through a symlink
            except (OSError, RuntimeError):
                what = "leaves the project"
    if what:
        raise StorykitError(f"{where}: storykit setting '{key}' ('{value}') {what}",
                            hint="give a path relative to the project root, inside it")


def default_table() -> str:
    """The ``[tool.storykit]`` body that ``init`` writes (only what users change most)."""
    return 'stories_dir = "stories"\ntracker = "STORY_TRACKER.md"\nmin_tests = 1\n'
