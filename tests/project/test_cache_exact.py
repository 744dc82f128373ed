"""A cache entry is encoded without reading it back when its maker proved it JSON-exact
(``cache.Exact``): what ``check`` read with the fast front-matter reader.  Proven: any
front matter the fast reader reads is JSON-exact (hypothesis); an Exact value encodes to
the same text as before; ``check`` marks only such results Exact, and they read back
equal."""

from __future__ import annotations

import importlib
import json
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Project as Repo
from storykit.project import cache, config
from storykit.project.store import Project
from storykit.story import frontmatter, model

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def typed(value: Any) -> Any:
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    return (type(value).__name__, repr(value))


def exact(value: Any) -> bool:
    return typed(json.loads(json.dumps(value, ensure_ascii=False))) == typed(value)


FRAGMENT = st.sampled_from([
    "a", "k", "1", "-1", "1.5", "1.0e+999", "-1.0e+999", "true", "null", "~", "'q'", "[]", "{}", "x y", "0", "007x",
    "\U0001f534", "é", ": ", ":", "- ", "  ", "2026-11-28",
])
LINE = st.builds(lambda indent, parts: " " * indent + "".join(parts),
                 st.sampled_from([0, 0, 2, 4]), st.lists(FRAGMENT, min_size=1, max_size=4))


@SETTINGS
@given(st.one_of(st.lists(LINE, min_size=1, max_size=8).map(lambda lines: "\n".join(lines) + "\n"),
                 st.text(alphabet=string.printable, max_size=80)))
def test_whatever_the_fast_reader_reads_reads_back_from_json_as_it_is(text: str) -> None:
    meta = frontmatter.load(text)
    if meta is not None:
        assert exact(meta), text


@pytest.mark.parametrize("text", ["1: a\n", "true: x\n", "null: y\n", "1.5: z\n", "a:\n  2: b\n", "a:\n- 1: x\n"])
def test_keys_that_are_not_text_are_left_to_pyyaml(tmp_path: Path, text: str) -> None:
    assert frontmatter.load(text) is None
    meta = model.parse_raw(f"---\n{text}---\n", tmp_path / "x.md")[0]
    assert not exact(meta)


@pytest.mark.parametrize("value", [
    {"a": 1, "b": [1.5, "x", None, True, {}], "c": {"d": "\U0001f534", "e": float("inf")}}, {}, {"z": []},
])
def test_an_exact_value_encodes_as_any_value_does(value: dict[str, Any]) -> None:
    assert getattr(cache, "Exact")(value) == value
    assert cache._encoded(cache.Exact(value)) == cache._encoded(value) == json.dumps(
        value, ensure_ascii=False, separators=(",", ":"))


def _local(repo: Repo, text: str | None = None) -> dict[str, Any]:
    from storykit.actions import check

    if text is not None:
        repo.story_path().write_text(text, encoding="utf-8")
    project = Project(config.load(repo.root))
    return check._local(project, repo.story_path(), project.rel(project.config.stories_path))


def test_check_marks_what_the_fast_reader_read_exact_and_it_reads_back_equal(story: Repo) -> None:
    local = _local(story)
    assert type(local) is cache.Exact
    assert exact(local)


def test_check_leaves_what_pyyaml_read_to_the_read_back(story: Repo) -> None:
    text = story.story().replace("created: '", "created: ").replace("'\ntrack", "\ntrack", 1)
    assert "\ncreated: 20" in text
    local = _local(story, text)
    assert type(local) is dict
    assert cache._encoded(local) is not None


def test_a_story_with_findings_and_odd_values_is_exact_and_reads_back_equal(story: Repo) -> None:
    text = story.story().replace("min_tests:", "custom: 1.0e+999\nother: -1\nmin_tests:", 1).replace(
        "## Context", "## Contxt", 1)
    local = _local(story, text)
    assert local["findings"], local
    assert type(local) is cache.Exact
    assert exact(local)
