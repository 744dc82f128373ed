"""Before/after measurements end to end (issue 15): real git repositories, real test
runs, real benchmark commands — a plain `NAME: VALUE UNIT` script and pytest-benchmark's
JSON — measured with the red run and the green run and written into the story."""

from __future__ import annotations

import json
import re

import pytest

from conftest import Project, front

TESTS = "import tags\n\n\ndef test_indexed():\n    assert tags.indexed()\n\n\n" \
        "def test_lookup_uses_the_index():\n    assert tags.indexed() and tags.lookup('a') == ['a']\n"
SLOW = "import time\n\n\ndef lookup(tag):\n    time.sleep(0.02)  # the full scan\n    return [tag]\n\n\n" \
       "def indexed():\n    return False\n"
FAST = "def lookup(tag):\n    return [tag]\n\n\ndef indexed():\n    return True\n"
SLOW_AFTER = SLOW.replace("return False", "return True")
FAST_BEFORE = FAST.replace("return True", "return False")
BENCH = "import time\n\nimport tags\n\nstart = time.perf_counter()\ntags.lookup('x')\n" \
        "print(f'lookup by tag: {(time.perf_counter() - start) * 1000:.4f} ms')\n"
PYTEST_BENCH = "import tags\n\n\ndef test_lookup_by_tag(benchmark):\n    benchmark(tags.lookup, 'x')\n"
IMPROVEMENT = r"\(improvement: (\d+(?:\.\d)?)%\)"
PYTEST_BENCH_COMMAND = ("python -m pytest -p pytest_benchmark.plugin -p no:cacheprovider -q benches/bench_tags.py "
                        "--benchmark-min-rounds=3 --benchmark-max-time=0.05 --benchmark-json={json}")


def _configure(project: Project, *lines: str) -> None:
    project.write("storykit.toml", project.read("storykit.toml") + "".join(f"{line}\n" for line in lines))


def _story(project: Project, implementation: str, *, benchmarks: list[str] | None = None) -> None:
    """A schema-migration story whose tests fail against ``implementation``, committed."""
    result = project.run("new", "schema-migration", "--title", "Index tags", "--tests", "tests/test_tags.py",
                         "--min-tests", "2")
    assert result.exit_code == 0, result.output
    if benchmarks is not None:
        path = project.story_path()
        listed = "".join(f"- {json.dumps(b)}\n" for b in benchmarks)
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("min_tests: 2\n", f"min_tests: 2\nbenchmarks:\n{listed}"), encoding="utf-8")
    project.write("tests/test_tags.py", TESTS)
    project.write("tags.py", implementation)
    project.write("bench.py", BENCH)
    project.write("benches/bench_tags.py", PYTEST_BENCH)
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "story and failing tests")


def _region(project: Project) -> str:
    return project.story().split("<!-- storykit:measurements:start -->\n", 1)[1].split(
        "<!-- storykit:measurements:end -->", 1)[0]


def test_a_plain_benchmark_is_measured_before_and_after_and_fills_the_section(project: Project) -> None:
    _configure(project, 'benchmarks = ["python bench.py"]', "benchmark_repeats = 3")
    _story(project, SLOW)
    red = project.run("run-tests", "1")
    assert red.exit_code == 0, red.output
    assert red.stdout.count("$ python bench.py") == 3  # each repeat shown live
    before = front(project.story())["runs"]["red"]["benchmarks"]
    assert before["commands"] == ["python bench.py"] and before["repeats"] == 3
    (metric,) = before["results"]
    assert metric["name"] == "lookup by tag" and metric["unit"] == "ms" and len(metric["samples"]) == 3
    assert min(metric["samples"]) >= 20.0  # really measured: the slow scan sleeps 20 ms
    assert re.search(r"^- lookup by tag: \d+\.\d ms → pending \(measured with the green run\)$", _region(project),
                     re.M)

    project.write("tags.py", FAST)
    green = project.run("run-tests", "1")
    assert green.exit_code == 0, green.output
    story = project.story()
    line = re.search(rf"^- lookup by tag: (\d+\.\d) ms → (\S+) ms {IMPROVEMENT}$", _region(project), re.M)
    assert line, _region(project)
    assert float(line.group(1)) >= 20.0 and float(line.group(2)) < 1.0 and float(line.group(3)) >= 95
    assert "- [x] Query execution time measured <!-- storykit:measured -->" in story
    assert "- [x] No performance degradation <!-- storykit:no-degradation -->" in story
    assert "⚠️" not in _region(project)

    shown = project.run("show", "1")
    assert "  Benchmarks:   python bench.py (the config's; median of 3 runs)\n" in shown.stdout
    assert f"    {line.group(0)[2:]}\n" in shown.stdout
    document = json.loads(project.run("show", "1", "--json").stdout)
    assert document["story"]["benchmarks"] == {"commands": ["python bench.py"], "own": False, "repeats": 3,
                                               "statistic": "median"}
    assert document["story"]["runs"]["green"]["benchmarks"]["results"][0]["name"] == "lookup by tag"
    checked = project.run("check")
    assert checked.exit_code == 0 and "SK604" not in checked.output, checked.output


def test_pytest_benchmark_json_is_measured_before_and_after(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    import pytest_benchmark  # noqa: F401 - in storykit's test extra: the real plugin runs below

    # pytest-benchmark disables itself inside an xdist worker (this suite's, inherited through
    # the environment); a project's own benchmark run has none.
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(name, raising=False)
    _configure(project, "benchmark_repeats = 2")
    _story(project, SLOW, benchmarks=[PYTEST_BENCH_COMMAND])
    red = project.run("run-tests", "1")
    assert red.exit_code == 0, red.output
    (metric,) = front(project.story())["runs"]["red"]["benchmarks"]["results"]
    assert metric["name"] == "test_lookup_by_tag" and metric["unit"] == "s"
    assert min(metric["samples"]) >= 0.02  # pytest-benchmark's median of its rounds, in seconds
    project.write("tags.py", FAST)
    green = project.run("run-tests", "1")
    assert green.exit_code == 0, green.output
    line = re.search(rf"^- test_lookup_by_tag: (\d+\.\d) ms → (\S+) ms {IMPROVEMENT}$", _region(project), re.M)
    assert line, _region(project)
    assert float(line.group(1)) >= 20.0 and float(line.group(3)) >= 95
    checked = project.run("check")
    assert checked.exit_code == 0
    assert re.search(r"SK108 warning: STORY-001 brings its own benchmarks \(python -m pytest .*\): "
                     r"'storykit run-tests' runs them in a shell; review them", checked.stdout)


def test_a_degradation_is_flagged_in_the_story_and_by_check(project: Project) -> None:
    _configure(project, 'benchmarks = ["python bench.py"]', "benchmark_repeats = 3", "benchmark_margin = 25")
    _story(project, FAST_BEFORE)
    assert project.run("run-tests", "1").exit_code == 0
    project.write("tags.py", SLOW_AFTER)
    assert project.run("run-tests", "1").exit_code == 0
    story, region = project.story(), _region(project)
    assert re.search(r"^- lookup by tag: \S+ ms → \d+\.\d ms \(slower: \d+%\)$", region, re.M), region
    assert re.search(r"^- ⚠️ Performance degradation: lookup by tag got \d+% worse \(margin: 25%\)$", region, re.M)
    assert "- [ ] No performance degradation <!-- storykit:no-degradation -->" in story
    assert "- [x] Query execution time measured <!-- storykit:measured -->" in story
    checked = project.run("check")
    assert checked.exit_code == 0  # a warning: a done story's evidence cannot be measured again
    assert re.search(r"^stories/STORY-001-index-tags\.md:\d+: SK604 warning: lookup by tag got \d+% worse between "
                     r"the red and the green run \(beyond the 25% margin\): \S+ ms → \d+\.\d ms$",
                     checked.stdout, re.M), checked.output


FAILS = "python -c \"import sys; print('boom'); sys.exit(2)\""
SAYS_NOTHING = "python -c \"print('benchmark done')\""
NO_JSON = "python -c pass {json}"


@pytest.mark.parametrize(("command", "problem"), [
    (FAILS, "exited 2"),
    (SAYS_NOTHING, "printed no `NAME: VALUE UNIT` line"),
    (NO_JSON, "wrote no pytest-benchmark JSON to {json}"),
], ids=["fails", "prints-nothing-parseable", "writes-no-json"])
def test_a_benchmark_that_measures_nothing_refuses_the_run_and_changes_nothing(project: Project, command: str,
                                                                               problem: str) -> None:
    _configure(project, f"benchmarks = [{json.dumps(command)}]", "benchmark_repeats = 3")
    _story(project, SLOW)
    before = project.snapshot()
    result = project.run("run-tests", "1")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"Refused: STORY-001: the benchmark `{command}` {problem} (run 1 of 3), so nothing was measured or "
        "recorded; fix it (its output: .storykit/logs/STORY-001-benchmarks.log) or remove it from benchmarks")
    assert project.snapshot() == before


def test_a_benchmark_that_breaks_after_the_implementation_refuses_green(project: Project) -> None:
    _configure(project, 'benchmarks = ["python bench.py"]', "benchmark_repeats = 3")
    _story(project, SLOW)
    assert project.run("run-tests", "1").exit_code == 0
    project.write("tags.py", FAST)
    project.write("bench.py", "import tags\nprint('lookup by tag: fast')\n")
    before = project.snapshot()
    result = project.run("run-tests", "1")
    assert result.exit_code == 1
    assert "the benchmark `python bench.py` printed no `NAME: VALUE UNIT` line (run 1 of 3)" in result.stderr
    assert project.snapshot() == before
    assert front(project.story())["status"] == "red"
