"""Before/after measurements: run a story's benchmark commands with its red run
(before the implementation) and its green run (after), and record what they measured.

The commands are the story's front-matter ``benchmarks`` list, else the config's.
Each runs ``benchmark_repeats`` times in the shell from the project root, streamed
live, under the run's timeout (storykit.runners.bench); each metric's value is the
``benchmark_statistic`` of its samples (storykit.core.measure).  A command that
fails, times out, or measures nothing refuses the whole run: nothing is written, and
no value is ever invented.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, BinaryIO

from storykit.core import measure
from storykit.errors import Refused
from storykit.runners import bench
from storykit.story import measurements

if TYPE_CHECKING:
    from storykit.project.store import Project
    from storykit.story.model import Story


def commands(project: Project, meta: dict[str, Any]) -> list[str]:
    """The story's benchmark commands: its own ``benchmarks`` list, else the config's."""
    return list(meta.get("benchmarks") or project.config.benchmarks)


def prepare(story: Story) -> None:
    """Refuse, before any test runs, a story whose measurements region is broken."""
    measurements.require(story.id, story.body)


def run(project: Project, story: Story, *, timeout: float | None,
        echo: BinaryIO | None = None) -> dict[str, Any] | None:
    """Measure: the run record's ``benchmarks`` (None when the story has no commands).
    Raises Refused, naming the command and the run, when one measures nothing."""
    to_run = commands(project, story.meta)
    if not to_run:
        return None
    config = project.config
    log_path = config.log_path / f"{story.id}-benchmarks.log"
    part = config.log_path / f"{story.id}-benchmarks-part.log"
    json_path = config.state_path / "benchmarks" / f"{story.id}.json"
    shown_log = project.rel(log_path)
    found: list[measure.Metric] = []
    log_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with log_path.open("wb") as log:
            for command in to_run:
                samples = []
                for repeat in range(1, config.benchmark_repeats + 1):
                    header = f"$ {command}  (benchmark run {repeat} of {config.benchmark_repeats})\n".encode()
                    if echo is not None:
                        echo.write(header)
                        echo.flush()
                    result = bench.run(command, cwd=project.root, log_path=part, json_path=json_path,
                                       timeout=timeout, output_lines=config.output_lines, echo=echo)
                    log.write(header + part.read_bytes() + f"[exit code {result.exit_code}]\n".encode())
                    log.flush()

                    def refuse(problem: str, repeat: int = repeat, command: str = command) -> Refused:
                        return Refused(f"{story.id}: the benchmark `{command}` {problem} (run {repeat} of "
                                       f"{config.benchmark_repeats}), so nothing was measured or recorded",
                                       hint=f"fix it (its output: {shown_log}) or remove it from benchmarks",
                                       story=story.id)

                    samples.append(_read(result, config.benchmark_statistic, refuse))
                try:
                    found += measure.combine(samples, config.benchmark_statistic)
                except measure.MeasureError as exc:
                    raise Refused(f"{story.id}: the benchmark `{command}`: {exc}, so nothing was measured or "
                                  "recorded", hint=f"make every run print the same metrics (its output: {shown_log})",
                                  story=story.id) from None
    finally:
        part.unlink(missing_ok=True)
        json_path.unlink(missing_ok=True)
    names = [m.name for m in found]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice is not None:
        raise Refused(f"{story.id}: two benchmark commands measure '{twice}', so nothing was measured or recorded",
                      hint="give each metric one name of its own", story=story.id)
    return measure.record(to_run, found, repeats=config.benchmark_repeats, statistic=config.benchmark_statistic,
                          margin=config.benchmark_margin)


def _read(result: bench.BenchRun, statistic: str, refuse: Any) -> list[measure.Sample]:
    """The samples of one run of a command; raises its refusal when it measured nothing."""
    if result.timed_out:
        raise refuse("timed out")
    if result.exit_code != 0:
        raise refuse(f"exited {result.exit_code}")
    try:
        if result.wants_json:
            if result.json_text is None:
                raise refuse(f"wrote no pytest-benchmark JSON to {bench.JSON_TOKEN}")
            try:
                data = json.loads(result.json_text)
            except ValueError:
                raise refuse(f"wrote a {bench.JSON_TOKEN} file that is not JSON") from None
            samples = measure.parse_pytest_benchmark(data, statistic)
        else:
            samples = measure.parse_lines(result.output)
    except measure.MeasureError as exc:
        raise refuse(str(exc)) from None
    if not samples:
        raise refuse("wrote pytest-benchmark JSON with no benchmark in it" if result.wants_json
                     else "printed no `NAME: VALUE UNIT` line")
    return samples

