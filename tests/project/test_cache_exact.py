"""A cache entry is encoded without reading it back when its maker proved it JSON-exact
(``cache.Exact``): what ``check`` read with the fast front-matter reader.  Proven: any
front matter the fast reader reads is JSON-exact (hypothesis); an Exact value encodes to
the same bytes as any value; a check with the cache it wrote finds what the cold check
found.  JSON-exact: no infinity or NaN (the cache's encoder writes null), no integer
beyond 64 bits (read back as a float), no lone surrogate."""

from __future__ import annotations

import json
import math
import os
import shutil
import string
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Project as Repo
from storykit.project import cache
from storykit.story import frontmatter, model

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def typed(value: Any) -> Any:
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    return (type(value).__name__, repr(value))


def holds(value: Any) -> bool:
    """Whether every number in ``value`` is one the cache's JSON holds as it is."""
    if isinstance(value, dict):
        return all(holds(k) and holds(v) for k, v in value.items())
    if isinstance(value, list):
        return all(holds(v) for v in value)
    if type(value) is float:
        return math.isfinite(value)
    if type(value) is int:
        return -2**63 <= value < 2**64
    return not isinstance(value, str) or value.encode("utf-8", "surrogatepass").decode("utf-8", "ignore") == value


def exact(value: Any) -> bool:
    return holds(value) and typed(json.loads(json.dumps(value, ensure_ascii=False))) == typed(value)


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
    {"a": 1, "b": [1.5, "x", None, True, {}], "c": {"d": "\U0001f534", "e": -2**63, "f": 2**64 - 1}}, {}, {"z": []},
])
def test_an_exact_value_encodes_as_any_value_does(value: dict[str, Any]) -> None:
    assert cache.Exact(value) == value
    assert cache.as_json(cache.Exact(value)) == cache.as_json(value) == json.dumps(
        value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@pytest.mark.parametrize("value", [
    {"a": (1, 2)},  # a tuple reads back as a list
    {1: "a"},  # a number key reads back as text
    {"a": float("inf")}, {"a": [float("-inf")]}, {"a": float("nan")},  # written as null
    {"a": 2**64}, {"a": -2**63 - 1},  # beyond 64 bits: read back as a float
    {"a": "\udc80"},  # a lone surrogate is no UTF-8
])
def test_a_value_that_does_not_read_back_is_not_encoded_unless_marked_exact(value: dict[str, Any]) -> None:
    assert cache.as_json(value) is None


AN_HOUR_AGO = time.time_ns() - 3600 * 10**9


def cold_then_warm(repo: Repo, text: str | None = None) -> dict[str, Any]:
    """Check with no cache, then with the cache it wrote: the same output; the story's entry."""
    entry = kept(repo, text).get(repo.story_path().name)
    assert entry is not None
    assert isinstance(entry[2], dict)
    return entry[2]  # type: ignore[no-any-return]


def kept(repo: Repo, text: str | None = None) -> dict[str, Any]:
    """Check with no cache, then with the cache it wrote: the same output; the entries kept."""
    if text is not None:
        repo.story_path().write_text(text, encoding="utf-8")
    for path in [repo.story_path(), repo.root / "STORY_TRACKER.md"]:
        os.utime(path, ns=(AN_HOUR_AGO, AN_HOUR_AGO))  # old enough for the cache to keep
    shutil.rmtree(repo.root / ".storykit" / "cache", ignore_errors=True)
    cold = repo.sk("check", "--json")
    warm = repo.sk("check", "--json")
    assert (warm.exit_code, warm.stdout) == (cold.exit_code, cold.stdout)
    entries = {}
    for shard in (repo.root / ".storykit" / "cache").glob("check-*.json"):
        entries.update(json.loads(shard.read_text(encoding="utf-8")).get("entries", {}))
    return entries


def test_check_marks_what_the_fast_reader_read_exact_and_it_reads_back_equal(story: Repo) -> None:
    entry = cold_then_warm(story)
    assert entry["usable"] is True and entry["meta"]["id"] == "STORY-001"


def test_a_story_pyyaml_read_is_kept_in_the_cache_and_checked_warm_as_cold(story: Repo) -> None:
    text = story.story().replace("created: '", "created: ").replace("'\ntrack", "\ntrack", 1)
    assert "\ncreated: 20" in text
    assert cold_then_warm(story, text)["meta"]["created"] == text.split("\ncreated: ")[1].split("\n")[0]


def test_a_story_with_findings_and_odd_values_is_exact_and_reads_back_equal(story: Repo) -> None:
    text = story.story().replace("min_tests:", "custom: 1.5e+300\nother: -1\nmin_tests:", 1).replace(
        "## Context", "## Contxt", 1)
    entry = cold_then_warm(story, text)
    assert entry["findings"] and entry["meta"]["custom"] == 1.5e300 and entry["meta"]["other"] == -1


def test_a_story_holding_an_infinity_is_not_kept_and_is_checked_warm_as_cold(story: Repo) -> None:
    text = story.story().replace("min_tests:", "custom: 1.0e+999\nmin_tests:", 1)
    assert story.story_path().name not in kept(story, text)  # (no JSON holds it: read again each time)
    assert "SK105 warning: unknown key 'custom'" in story.sk("check").stdout  # its findings, every time


JSONISH = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**65, max_value=2**65), st.floats(),
                                 st.text(max_size=8)),
                       lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner,
                                                                                         max_size=3)), max_leaves=12)


@SETTINGS
@given(st.dictionaries(st.text(max_size=4), JSONISH, max_size=3))
def test_a_value_is_encoded_only_when_it_reads_back_exactly(value: dict[str, Any]) -> None:
    data = cache.as_json(value)
    if not exact(value):
        assert data is None
        return
    assert data is not None and typed(json.loads(data)) == typed(value)
