"""The fast front-matter reader on hand-picked cases (its hypothesis proofs against
PyYAML are in tests/story/test_frontmatter_props.py)."""

from __future__ import annotations

import pytest
import yaml

from storykit.story.frontmatter import load

WRITTEN = """\
id: STORY-007
title: 'Colon: in a title'
status: green
min_tests: 2
timeout: 1.5
draft: false
agent: null
labels:
- api
- ui
depends_on: []
extra: {}
runs:
  red:
    command: python -m pytest tests/test_x.py
    passed: 0
  green:
    passed: 3
"""


def test_what_storykit_writes_is_read_as_pyyaml_reads_it() -> None:
    meta = load(WRITTEN)
    assert meta == yaml.safe_load(WRITTEN)
    assert meta is not None
    assert meta["title"] == "Colon: in a title"
    assert meta["runs"]["green"] == {"passed": 3}
    assert meta["labels"] == ["api", "ui"] and meta["depends_on"] == [] and meta["extra"] == {}


def test_scalars_keep_pyyaml_s_types() -> None:
    meta = load("a: 2\nb: -1.25\nc: true\nd: ~\ne: 'it''s'\nf: 007x\n")
    assert meta == {"a": 2, "b": -1.25, "c": True, "d": None, "e": "it's", "f": "007x"}
    assert type(meta["a"]) is int and type(meta["b"]) is float


def test_a_list_of_mappings_is_read() -> None:
    text = "steps:\n- name: lint\n  command: ruff check\n- name: types\n"
    assert load(text) == yaml.safe_load(text) == {"steps": [{"name": "lint", "command": "ruff check"},
                                                             {"name": "types"}]}


@pytest.mark.parametrize("text", [
    "",
    "created: 2026-01-01\n",  # a date to PyYAML
    "draft: yes\n",  # a boolean to YAML 1.1
    "mode: 017\n",  # octal 15 to YAML 1.1
    'title: "double quoted"\n',
    "# a comment\nid: STORY-001\n",
    "id: STORY-001\n\nstatus: red\n",
    "labels: [a, b]\n",
    "title: a\n  continued\n",
    "size: 1_000\n",
    "id: STORY-001\ttab\n",
])
def test_what_it_is_not_sure_of_is_left_to_pyyaml(text: str) -> None:
    assert load(text) is None


@pytest.mark.parametrize("text", ["custom: 1.0e+999\n", "custom: -1.0e+999\n",
                                  "runs:\n  red:\n    duration: 9.9e+400\n"])
def test_a_decimal_too_large_to_be_finite_is_left_to_pyyaml(text: str) -> None:
    """An infinity is no JSON value: what the fast reader reads is cached as JSON unchecked."""
    assert load(text) is None
    assert load("duration: 1.5e+3\n") == {"duration": 1500.0}  # a large finite one is its own


def test_a_line_read_before_reads_the_same_at_its_own_depth_only() -> None:
    # The reader remembers "  key" heads it has read; the same head must not be taken
    # at another depth, and a text read twice reads the same.
    first = "a: 1\nb:\n  a: 2\n  c:\n    a: 3\n"
    second = "b:\n  c:\n    a: 3\n  a: 2\na: 1\n"
    for text in (first, second, first, second):
        assert load(text) == yaml.safe_load(text)
    nested_first = "x:\n  - a: 1\n    b: 2\n  - a: 3\n"
    assert load(nested_first) == yaml.safe_load(nested_first) == {"x": [{"a": 1, "b": 2}, {"a": 3}]}
    continuation = "a: 1\nb: 2\n  a: 1\n"  # a deeper line where none may be: PyYAML's to refuse
    assert load(continuation) is None
