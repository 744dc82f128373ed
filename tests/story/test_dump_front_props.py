"""dump_front writes the same bytes whichever YAML emitter it uses (libyaml's for
printable ASCII, the pure-Python one otherwise): proven against the pure-Python
emitter with hypothesis, on front matter in the shapes storykit writes."""

from __future__ import annotations

import string
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_frontmatter_props import TITLE, metas

from storykit.story import records
from storykit.story.model import KEYS, dump_front

PRINTABLE = "".join(c for c in string.printable if c.isprintable())
ASCII = st.text(alphabet=PRINTABLE, max_size=80)
LONG_ASCII = st.text(alphabet=PRINTABLE, min_size=900, max_size=1300)  # around the 1,000-column width
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def pure(meta: dict[str, Any]) -> str:
    """The reference: what the pure-Python emitter writes (of the front matter storykit
    keeps: per-test records go to the evidence file)."""
    meta = records.summary_meta(meta)
    ordered = {key: meta[key] for key in KEYS if key in meta}
    ordered.update((key, value) for key, value in meta.items() if key not in ordered)
    text = yaml.dump(ordered, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=1000)
    return f"---\n{text}---\n"


@SETTINGS
@given(metas(ASCII, ASCII))
def test_printable_ascii_front_matter_is_written_as_the_pure_emitter_writes_it(meta: dict[str, Any]) -> None:
    assert dump_front(meta) == pure(meta)


@SETTINGS
@given(metas(LONG_ASCII, ASCII))
def test_long_lines_are_written_as_the_pure_emitter_writes_them(meta: dict[str, Any]) -> None:
    assert dump_front(meta) == pure(meta)


@SETTINGS
@given(metas(TITLE))
def test_any_text_is_written_as_the_pure_emitter_writes_it(meta: dict[str, Any]) -> None:
    assert dump_front(meta) == pure(meta)
    assert dump_front(meta, "\r\n") == pure(meta).replace("\n", "\r\n")


def test_a_run_record_of_hundreds_of_tests_is_written_as_the_pure_emitter_writes_it() -> None:
    tests = {f"tests/realsuite/test_module_{i // 25:02d}.py::test_round_trip[{i}]": "passed" for i in range(600)}
    run = {"at": "2026-11-28T23:00:00Z", "commit": "3a7450feb88ac8d9925e4615bb994b007cb6a15e", "exit_code": 0,
           "duration": 17.25, "counts": {"passed": 600}, "total": 600, "tests": tests}
    meta = {"id": "STORY-001", "title": "A real suite", "status": "green", "template": "feature",
            "created": "2026-11-28", "runs": {"red": {**run, "exit_code": 1}, "green": run}}
    assert dump_front(meta) == pure(meta)
    meta["title"] = "A real suite 🔴"  # beyond U+FFFF: the pure emitter
    assert dump_front(meta) == pure(meta)
    assert "🔴" in dump_front(meta)
