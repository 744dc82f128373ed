"""storykit's benchmark: each measure of issue 5 side by side with its baseline.

    python benchmarks/bench.py            # the full run: 1,000 and 10,000 stories (~5 min)
    python benchmarks/bench.py --quick    # small sizes, few repeats (CI: well under a minute)
    python benchmarks/bench.py --only "test tax" --before /path/to/other/venv/bin/storykit

Run it with the Python of the virtual environment to measure: it times the
``storykit`` console script next to that Python, as a user runs it.  Each row runs
the baseline and storykit alternately, several times, and reports the median and
the spread (min–max).  A benchmark is not a test: the script exits 0 whatever the
numbers, and non-zero only when a command itself failed.  See README.md here and
docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build  # noqa: E402

TARGET_SIZE = 10_000  # the project size the list/tracker/check targets are set at
FLOOR = "grep -h -m1 '^status:' stories/*.md"
RATIO_TARGETS = {"list": 8.0, "tracker": 12.0, "check": 15.0}
COLD_TARGETS = {"list": 15.0, "check": 25.0}  # the first run after a clone: no cache at all
# storykit's own peak RSS (children excluded), running exactly the console script's main().
RSS_DRIVER = (
    "import os, resource, sys\n"
    "from storykit.__main__ import main\n"
    "code = main(sys.argv[1:])\n"
    "with open(os.environ['STORYKIT_BENCH_RSS'], 'w') as out:\n"
    "    out.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
    "sys.exit(code)\n"
)
# The allocator's caches (storykit.project.allocation), removed for the "no allocator cache" rows.
ALLOCATOR_CACHES = ("history-ids.json", "story-ids.json")
# next_id alone, in the process, after the entries are read (as `new` has them).
NEXT_ID = (
    "import time\nfrom storykit.actions.new import next_id\nfrom storykit.project import config\n"
    "from storykit.project.store import Project\n"
    "project = Project(config.load())\nproject.entries()\n"
    "start = time.perf_counter()\nsid = next_id(project)\n"
    "print(sid, time.perf_counter() - start)\n"
)
SUITE = """import os
import time

import pytest


@pytest.mark.parametrize("step", range({count}))
def test_step(step):
    time.sleep({pause})
    assert os.environ.get("STORYKIT_BENCH_FAIL") != "1"
"""
# A real suite: modules of parametrized tests with fixtures, each test doing a little
# work (as real tests do), 15-20 s in all under bare pytest.  (No skips: green means
# none, unless a project sets allow_skips.)
REAL_FILES = 24
REAL_PER_FILE = 25
REAL_SUITE = """import json
import os
import time

import pytest


@pytest.fixture
def record():
    return {{"module": {index}, "items": list(range(50))}}


@pytest.mark.parametrize("case", range(22))
def test_round_trip(record, case):
    time.sleep(0.025)
    data = json.loads(json.dumps({{**record, "case": case}}))
    assert data["case"] == case and sum(data["items"]) == 1225
    assert os.environ.get("STORYKIT_BENCH_FAIL") != "1"


@pytest.mark.parametrize("word", ["tags", "users"])
def test_words(word):
    time.sleep(0.025)
    assert word.isalpha()


def test_sorting(record):
    time.sleep(0.025)
    assert sorted(record["items"], reverse=True)[0] == 49
"""
PRINTER = """import sys


def test_prints_a_lot():
    block = ("x" * 99 + "\\n") * 10486  # ~1 MB
    for _ in range({megabytes}):
        sys.stdout.write(block)
    sys.stdout.flush()
    assert False, "fails, so the story stays red run after run"
"""


@dataclass
class Row:
    """One line of the table: a measure, its baseline and storykit's numbers."""

    what: str
    baseline: str
    base: list[float] = field(default_factory=list)
    ours: list[float] = field(default_factory=list)
    unit: str = "s"
    target: str = ""
    meets: Callable[[Row], bool] | None = None
    note: str = ""

    def ratio(self) -> float:
        return statistics.median(self.ours) / statistics.median(self.base)


def ratio_at_most(limit: float) -> Callable[[Row], bool]:
    return lambda row: row.ratio() <= limit


def seconds_at_most(limit: float) -> Callable[[Row], bool]:
    return lambda row: statistics.median(row.ours) <= limit


def tax_at_most(factor: float, seconds: float) -> Callable[[Row], bool]:
    return lambda row: statistics.median(row.ours) <= factor * statistics.median(row.base) + seconds


class Bench:
    def __init__(self, quick: bool, workdir: Path, before: str | None = None, cold_only: bool = False) -> None:
        self.quick = quick
        self.before = before  # another storykit (an earlier version), timed beside this one in the test tax
        self.cold_only = cold_only  # --only cold: the no-cache rows of list and check, nothing else
        self.workdir = workdir
        self.bin = Path(sys.executable).parent
        self.storykit = str(self.bin / "storykit")
        self.python = str(self.bin / "python")
        if not Path(self.storykit).exists():
            raise SystemExit(f"no storykit next to {sys.executable}: install it in this venv (pip install .)")
        self.env = build.environment(self.bin, workdir / "home")
        self.rows: list[Row] = []

    # -- running and timing -----------------------------------------------------------

    def time(self, args: list[str] | str, cwd: Path, ok: tuple[int, ...] = (0,),
             env: dict[str, str] | None = None) -> float:
        """Seconds one command takes (a string runs in the shell); raises if it fails."""
        start = time.perf_counter()
        proc = subprocess.run(args, cwd=cwd, env=env or self.env, shell=isinstance(args, str),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
        if proc.returncode not in ok:
            shown = args if isinstance(args, str) else " ".join(args)
            raise RuntimeError(f"{shown} exited {proc.returncode}: {proc.stderr.decode(errors='replace')[-800:]}")
        return elapsed

    def time_uncached(self, args: list[str], root: Path, ok: tuple[int, ...] = (0,)) -> float:
        """A command's time with no cache at all: the first run after a clone."""
        shutil.rmtree(root / ".storykit" / "cache", ignore_errors=True)
        return self.time(args, root, ok=ok)

    @staticmethod
    def side_by_side(repeats: int, *commands: Callable[[], float]) -> list[list[float]]:
        """Run the commands alternately, ``repeats`` times each (machine noise hits all)."""
        times: list[list[float]] = [[] for _ in commands]
        for _ in range(repeats):
            for slot, command in zip(times, commands, strict=True):
                slot.append(command())
        return times

    def has_check(self, root: Path) -> bool:
        proc = subprocess.run([self.storykit, "check", "--help"], cwd=root, env=self.env, capture_output=True)
        return proc.returncode == 0

    def new_story(self, root: Path, title: str, rel: str, source: str) -> str:
        """A story whose tests are the file ``rel`` holding ``source``; returns its id."""
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(source, encoding="utf-8")
        path = build.run([self.storykit, "new", "feature", "--title", title, "--tests", rel, "--min-tests", "1"],
                         root, self.env).strip()
        return re.match(r"STORY-\d+", Path(path).name).group(0)  # type: ignore[union-attr]

    # -- the measures ------------------------------------------------------------------

    def startup(self) -> None:
        here = self.workdir
        base, version, helped = self.side_by_side(
            5 if self.quick else 30,
            lambda: self.time([self.python, "-c", "pass"], here),
            lambda: self.time([self.storykit, "--version"], here),
            lambda: self.time([self.storykit, "--help"], here),
        )
        for what, ours in (("--version", version), ("--help", helped)):
            self.rows.append(Row(f"startup: `storykit {what}`", "`python -c pass`", base, ours, "ms", "≤ 2×",
                                 ratio_at_most(2.0)))

    def listing(self, root: Path, size: int) -> dict[str, float]:
        """list, tracker and check against the grep floor; returns storykit's medians."""
        self.time([self.storykit, "list"], root)  # builds the cache, as any earlier command would have
        commands = {"list": [self.storykit, "list"], "tracker": [self.storykit, "tracker"]}
        if self.has_check(root):
            commands["check"] = [self.storykit, "check"]
        runs = self.side_by_side(0 if self.cold_only else 3 if self.quick else 5, lambda: self.time(FLOOR, root),
                                 *[(lambda c=c: self.time(c, root, ok=(0, 1))) for c in commands.values()])
        medians = {}
        for name, ours in zip(commands, runs[1:], strict=True):
            if not ours:
                continue
            limit = RATIO_TARGETS[name]
            at_target = size == TARGET_SIZE  # smaller projects mostly time start-up
            self.rows.append(Row(f"`storykit {name}`, {size:,} stories", "grep floor", runs[0], ours, "s",
                                 f"≤ {limit:g}×" if at_target else f"(≤ {limit:g}× at {TARGET_SIZE:,})",
                                 ratio_at_most(limit) if at_target else None))
            medians[name] = statistics.median(ours)
        if "check" not in commands:
            self.rows.append(Row(f"`storykit check`, {size:,} stories", "grep floor",
                                 note="not measured: this storykit has no check command"))
        cold_commands = {name: commands[name] for name in COLD_TARGETS if name in commands}
        cold = self.side_by_side(2 if self.quick else 3, lambda: self.time(FLOOR, root),
                                 *[(lambda c=c: self.time_uncached(c, root, ok=(0, 1)))
                                   for c in cold_commands.values()])
        for name, ours in zip(cold_commands, cold[1:], strict=True):
            limit = COLD_TARGETS[name]
            at_target = size == TARGET_SIZE
            self.rows.append(Row(f"`storykit {name}`, {size:,} stories, no cache (first run)", "grep floor",
                                 cold[0], ours, "s",
                                 f"≤ {limit:g}×" if at_target else f"(≤ {limit:g}× at {TARGET_SIZE:,})",
                                 ratio_at_most(limit) if at_target else None))
            medians[f"{name} (no cache)"] = statistics.median(ours)
        self.time([self.storykit, "list"], root)  # leave the caches built
        self.time([self.storykit, "check"], root, ok=(0, 1))
        return medians

    def growth(self, medians: dict[int, dict[str, float]]) -> None:
        small, large = min(medians), max(medians)
        if small == large:
            return
        limit = 1.1 * large / small
        for name in [*RATIO_TARGETS, *(f"{name} (no cache)" for name in COLD_TARGETS)]:
            if name in medians[small] and name in medians[large]:
                command, _, cold = name.partition(" ")
                self.rows.append(Row(f"growth: `storykit {command}`{', ' + cold[1:-1] if cold else ''}, "
                                     f"{small:,} → {large:,} stories", f"{small:,} stories",
                                     [medians[small][name]], [medians[large][name]], "s", f"≤ {limit:g}×",
                                     ratio_at_most(limit)))

    def branches(self, project: Path, layout: str, count: int = 500, target: bool = True,
                 whole_target: bool = False) -> None:
        """New-id allocation with ``count`` branches: next_id in the process, then `new --dry-run`,
        each with no allocator cache (the first `new` after a clone), with it (any later one),
        and after one more branch (the refs moved: only the new commit is walked)."""
        root = self.workdir / f"branches-{layout}-{project.name}"
        shutil.copytree(project, root, symlinks=True)
        first = len(list((root / "stories").glob("*.md"))) + 1
        build.add_branches(root, count, self.env, first, layout)
        repeats = 3 if self.quick else 5
        ids: set[str] = set()

        def forget() -> None:  # the allocator's caches only; the front-matter cache stays
            for name in ALLOCATOR_CACHES:
                (root / ".storykit" / "cache" / name).unlink(missing_ok=True)

        def allocation(cold: bool) -> float:
            if cold:
                forget()
            allocated, seconds = build.run([self.python, "-c", NEXT_ID], root, self.env).split()
            ids.add(allocated)
            return float(seconds)

        dry_run = [self.storykit, "new", "feature", "--title", "Bench", "--tests", build.TESTS, "--dry-run"]

        def whole(cold: bool) -> float:
            if cold:
                forget()
            return self.time(dry_run, root)

        cold_ids, warm_ids, cold_new, warm_new = self.side_by_side(
            repeats, lambda: allocation(True), lambda: allocation(False), lambda: whole(True), lambda: whole(False))
        added = 0

        def after_branch() -> float:
            nonlocal added
            build.add_branches(root, 1, self.env, first + count + added, "loose")
            added += 1
            return self.time(dry_run, root)

        moved = [after_branch() for _ in range(repeats)]
        stories = f"{first - 1:,} stories"
        note = f"allocated {', '.join(sorted(ids))}; the branches hold up to {build.story_id(first + count - 1)}"
        limit = seconds_at_most(0.5)
        what = f"new-id allocation, {count} branches ({layout} objects), {stories}"
        self.rows.append(Row(f"{what}, no allocator cache", "—", [], cold_ids, "s", "(information)", None, note))
        self.rows.append(Row(f"{what}, allocator cache", "—", [], warm_ids, "s",
                             "≤ 0.5 s" if target else "(information)", limit if target else None))
        self.rows.append(Row("`storykit new --dry-run`, same repository (whole command), no allocator cache", "—",
                             [], cold_new, "s", "(information)"))
        self.rows.append(Row("`storykit new --dry-run`, same repository (whole command), allocator cache", "—",
                             [], warm_new, "s", "≤ 0.5 s" if whole_target else "(information)",
                             limit if whole_target else None))
        self.rows.append(Row("`storykit new --dry-run`, same repository, after one more branch each time", "—",
                             [], moved, "s", "(information)"))
        shutil.rmtree(root)

    def test_tax(self, root: Path, seconds: float, repeats: int, target: bool = True) -> None:
        """`storykit run-tests` of a green story (a re-run) against bare pytest on the same file."""
        count = 10 if seconds < 5 else 30
        rel = f"tests/bench/test_suite_{seconds:g}s.py"
        sid = self.new_story(root, f"Suite of {seconds:g} s", rel, SUITE.format(count=count, pause=seconds / count))
        self.time([self.storykit, "run-tests", sid], root, env={**self.env, "STORYKIT_BENCH_FAIL": "1"})  # red
        self.time([self.storykit, "run-tests", sid], root)  # green
        commands = [lambda: self.time([self.python, "-m", "pytest", rel], root),
                    lambda: self.time([self.storykit, "run-tests", sid], root)]
        if self.before:  # the same story in a copy of the project, run by the other storykit
            other = root.parent / f"{root.name}-before-{seconds:g}s"
            shutil.copytree(root, other, symlinks=True)
            shutil.rmtree(other / ".storykit" / "cache", ignore_errors=True)
            # The copy's files have new stamps: refresh git's index as any `git status` in a
            # user's clone does, or every snapshot of the other storykit re-hashes every file.
            build.run(["git", "update-index", "-q", "--refresh"], other, self.env)
            before = self.before
            self.time([before, "run-tests", sid], other)  # its own caches, as after any earlier command
            commands.append(lambda: self.time([before, "run-tests", sid], other))
        base, ours, *earlier = self.side_by_side(repeats, *commands)
        stories = len(list((root / "stories").glob("*.md")))
        if earlier:
            self.rows.append(Row(f"test tax: `storykit run-tests` **before** ({self.before}), {seconds:g} s suite, "
                                 f"{stories:,} stories", "`python -m pytest` same file", base, earlier[0], "s",
                                 "(information)"))
            shutil.rmtree(root.parent / f"{root.name}-before-{seconds:g}s", ignore_errors=True)
        self.rows.append(Row(f"test tax: `storykit run-tests`, {seconds:g} s suite, {stories:,} stories",
                             "`python -m pytest` same file", base, ours, "s",
                             "≤ 1.05× + 0.15 s" if target else "(information)",
                             tax_at_most(1.05, 0.15) if target else None))

    def real_suite(self, root: Path, repeats: int) -> None:
        """`storykit run-tests` of a story owning a generated suite of several hundred tests
        (15-20 s under bare pytest), against bare pytest: serially, then with pytest-xdist."""
        folder = root / "tests" / "realsuite"
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(REAL_FILES):
            (folder / f"test_module_{index:02d}.py").write_text(REAL_SUITE.format(index=index), encoding="utf-8")
        rel = "tests/realsuite"
        path = build.run([self.storykit, "new", "feature", "--title", "A real suite", "--tests", rel,
                          "--min-tests", "1"], root, self.env).strip()
        sid = re.match(r"STORY-\d+", Path(path).name).group(0)  # type: ignore[union-attr]
        self.time([self.storykit, "run-tests", sid], root, env={**self.env, "STORYKIT_BENCH_FAIL": "1"})  # red
        self.time([self.storykit, "run-tests", sid], root)  # green
        tests = REAL_FILES * REAL_PER_FILE
        modes = [("", [])]
        if subprocess.run([self.python, "-c", "import xdist"], env=self.env, capture_output=True).returncode == 0:
            modes.append((", pytest-xdist `-n 2`", ["-n", "2"]))
        else:
            self.rows.append(Row(f"test tax: real suite of {tests} tests, pytest-xdist `-n 2`",
                                 "`python -m pytest -n 2` same tests", note="not measured: no pytest-xdist here"))
        for label, extra in modes:
            base, ours = self.side_by_side(
                repeats,
                lambda extra=extra: self.time([self.python, "-m", "pytest", rel, *extra], root),
                lambda extra=extra: self.time([self.storykit, "run-tests", sid, *(["--", *extra] if extra else [])],
                                              root),
            )
            self.rows.append(Row(f"test tax: real suite of {tests} tests{label}",
                                 f"`python -m pytest{' ' + ' '.join(extra) if extra else ''}` same tests", base, ours,
                                 "s", "≤ 1.05× + 0.15 s", tax_at_most(1.05, 0.15)))

    def memory(self, root: Path, megabytes: int) -> None:
        """storykit's own peak RSS while its test run prints ``megabytes`` MB."""
        rss_file = self.workdir / "rss"
        env = {**self.env, "STORYKIT_BENCH_RSS": str(rss_file)}
        peaks: dict[int, list[float]] = {}
        for size in (0, megabytes):
            sid = self.new_story(root, f"Prints {size} MB", f"tests/bench/test_prints_{size}mb.py",
                                 PRINTER.format(megabytes=size))
            peaks[size] = []
            for _ in range(2 if self.quick else 3):
                self.time([self.python, "-c", RSS_DRIVER, "run-tests", sid, "--", "-s"], root, env=env)
                peaks[size].append(int(rss_file.read_text()) / 1024)
        self.rows.append(Row(f"memory: a run printing {megabytes} MB, storykit's peak RSS", "a run printing 0 MB",
                             peaks[0], peaks[megabytes], "MB", "≤ 60 MB", lambda row: max(row.ours) <= 60))
        shutil.rmtree(root / ".storykit" / "logs", ignore_errors=True)

    # -- the report ----------------------------------------------------------------------

    def report(self) -> str:
        git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        lines = [f"storykit benchmark ({'quick' if self.quick else 'full'}): Python {platform.python_version()}, "
                 f"{git}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
                 f"load average {load:.1f} at the end", "",
                 "| measure | baseline | baseline median (spread) | storykit median (spread) | ratio | target | |",
                 "| --- | --- | --- | --- | --- | --- | --- |"]
        for row in self.rows:
            if not row.ours:
                lines.append(f"| {row.what} | {row.baseline} | — | — | — | | {row.note} |")
                continue
            ratio = f"{row.ratio():.2f}×" if row.base else "—"
            verdict = "" if row.meets is None else ("meets" if row.meets(row) else "**misses**")
            note = f"{'; ' if verdict else ''}{row.note}" if row.note else ""
            lines.append(f"| {row.what} | {row.baseline} | {_stat(row.base, row.unit)} | {_stat(row.ours, row.unit)} "
                         f"| {ratio} | {row.target} | {verdict}{note} |")
        return "\n".join(lines)


def _stat(values: list[float], unit: str) -> str:
    if not values:
        return "—"
    scale, digits = {"ms": (1000.0, 1), "s": (1.0, 3)}.get(unit, (1.0, 1))
    shown = [v * scale for v in values]
    median = statistics.median(shown)
    if len(shown) == 1:
        return f"{median:.{digits}f} {unit}"
    return f"{median:.{digits}f} {unit} ({min(shown):.{digits}f}–{max(shown):.{digits}f})"


def plan(bench: Bench, sizes: list[int], only: list[str] | None = None) -> list[tuple[str, Callable[[], object]]]:
    """The steps of a run, in order, each with what it prints while running (``only``:
    the steps whose label holds one of these texts, and the projects they need)."""

    def wanted(label: str) -> bool:
        return not only or any(text in label for text in only)

    quick, workdir = bench.quick, bench.workdir
    seeds: dict[tuple[str, ...], str] = {}
    built: dict[int, Path] = {}
    medians: dict[int, dict[str, float]] = {}
    near = min(sizes, key=lambda size: abs(size - 1000))  # the project the absolute targets are measured in

    def project(size: int) -> None:
        built[size] = workdir / f"stories-{size}"
        build.build_project(built[size], size, seeds, bench.storykit, bench.env)
        if bench.cold_only or wanted(f"{size:,} stories: list, tracker, check"):
            medians[size] = bench.listing(built[size], size)

    steps: list[tuple[str, Callable[[], object]]] = [] if bench.cold_only else [("start-up", bench.startup)]
    steps += [
        ("seed stories (real red/green/complete cycles)",
         lambda: seeds.update(build.make_seeds(workdir, bench.storykit, bench.env))),
    ]
    steps += [(f"{size:,} stories: build, list, tracker, check", lambda size=size: project(size)) for size in sizes]
    steps.append(("growth", lambda: bench.growth(medians) if medians else None))
    if bench.cold_only:
        return steps
    steps += [(f"500 branches ({layout} objects)", lambda layout=layout: bench.branches(built[near], layout))
              for layout in ("packed", "loose")]
    steps.append(("test tax, 1 s suite", lambda: bench.test_tax(built[near], 1.0, 3 if quick else 7)))
    if not quick:
        steps.append(("test tax, 15 s suite", lambda: bench.test_tax(built[near], 15.0, 3)))
        steps.append(("test tax, a real suite (serial and -n 2)", lambda: bench.real_suite(built[near], 3)))
        largest = max(sizes)
        if largest != near:
            steps.append((f"test tax at {largest:,} stories",
                          lambda: bench.test_tax(built[largest], 1.0, 5)))
            steps.append((f"500 branches at {largest:,} stories",
                          lambda: bench.branches(built[largest], "packed", target=False, whole_target=True)))
    steps.append(("memory", lambda: bench.memory(built[near], 20 if quick else 100)))
    needed = ("seed stories", " stories: build")
    return [(label, step) for label, step in steps if wanted(label) or any(text in label for text in needed)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and few repeats (CI)")
    parser.add_argument("--sizes", help="comma-separated project sizes (default 1000,10000; quick 100,1000)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (its path is printed)")
    parser.add_argument("--only", action="append", metavar="TEXT",
                        help="run only the steps whose label holds TEXT (repeatable), e.g. 'test tax'; the "
                             "projects they need are built (their listing rows only if TEXT names them)")
    parser.add_argument("--before", metavar="STORYKIT",
                        help="another storykit console script (an earlier version in its own venv), timed "
                             "beside this one in the test-tax rows, on a copy of the same project")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([100, 1000] if args.quick else [1000, 10000])
    workdir = Path(tempfile.mkdtemp(prefix="storykit-bench-"))
    bench = Bench(args.quick, workdir, args.before, cold_only=args.only == ["cold"])
    started = time.monotonic()
    code = 0
    try:
        for label, step in plan(bench, sizes, args.only):
            print(f"[{time.monotonic() - started:6.1f} s] {label}", file=sys.stderr, flush=True)
            step()
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"bench: a command failed: {exc}", file=sys.stderr)
        code = 1
    finally:
        print(bench.report())
        kept = f"kept in {workdir}" if args.keep else "removed"
        print(f"[{time.monotonic() - started:6.1f} s] done; work folder {kept}", file=sys.stderr)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
