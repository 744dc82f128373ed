"""Story ids, as pure functions: parsing what people type, formatting, numbers, slugs."""

from __future__ import annotations

import pytest

from storykit.core import ids
from storykit.errors import StorykitError


@pytest.mark.parametrize("text", ["STORY-007", "story-007", "007", "7", " 7 "])
def test_ids_are_accepted_in_every_form(text: str) -> None:
    assert ids.parse_id(text) == "STORY-007"


@pytest.mark.parametrize("text", ["../..", "STORY-x", "", "7a", "STORY-../1", "٣"])
def test_bad_ids_are_refused(text: str) -> None:
    with pytest.raises(StorykitError, match="is not a story id"):
        ids.parse_id(text)


def test_slugify() -> None:
    assert ids.slugify("Add tags table!") == "add-tags-table"
    assert ids.slugify("***") == "story"
    assert len(ids.slugify("word " * 40)) <= 50


def test_format_pads_to_the_width_and_keeps_the_prefix() -> None:
    assert ids.format_id(7) == "STORY-007"
    assert ids.format_id(1234) == "STORY-1234"
    assert ids.format_id(7, "TASK-", 5) == "TASK-00007"


def test_parse_with_another_prefix_and_width() -> None:
    assert ids.parse_id("task-7", "TASK-", 5) == "TASK-00007"
    with pytest.raises(StorykitError) as info:
        ids.parse_id("STORY-7", "TASK-", 5)
    assert str(info.value) == "'STORY-7' is not a story id; use TASK-00001, 00001 or 1"


@pytest.mark.parametrize(("text", "number"), [("STORY-007", 7), ("story-12", 12), ("STORY-x", None),
                                              ("TASK-7", None), ("STORY-٣", None), ("STORY-", None)])
def test_id_number(text: str, number: int | None) -> None:
    assert ids.id_number(text) == number


def test_slug_cuts_at_a_word_boundary() -> None:
    assert ids.slugify("Café crème, and a very long title that goes on and on past fifty characters") == \
        "caf-cr-me-and-a-very-long-title-that-goes-on-and"  # not "...-and-o"
    assert ids.slugify("x" * 80) == "x" * 50  # one long word is cut, not dropped
