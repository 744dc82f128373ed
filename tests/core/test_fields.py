"""Priority and labels: the owned fields that are more than free text."""

from __future__ import annotations

import pytest

from storykit.core.fields import labels, matches, priority, priority_rank, split_list
from storykit.errors import StorykitError


def test_a_priority_is_written_lower_case_and_an_unknown_one_is_refused() -> None:
    assert priority(" P1 ") == "p1"
    assert priority("p3") == "p3"
    with pytest.raises(StorykitError, match=r"^priority 'p4' is not one of p0, p1, p2, p3 \(p0 most urgent\)$"):
        priority("p4")


def test_labels_are_stripped_kept_once_in_order_and_one_word_each() -> None:
    assert labels([" api", "ui", "api ", "db"]) == ["api", "ui", "db"]
    assert labels([]) == []
    with pytest.raises(StorykitError, match="label 'two words' has a space or a comma"):
        labels(["ok", "two words"])
    with pytest.raises(StorykitError, match="label '' has a space or a comma"):
        labels(["  "])


def test_split_list_splits_on_commas_and_an_empty_text_is_no_items() -> None:
    assert split_list("a, b,c") == ["a", "b", "c"]
    assert split_list("   ") == []
    assert split_list("one") == ["one"]


def test_stories_sort_p0_first_and_those_without_a_known_priority_last() -> None:
    metas = [{"id": "none"}, {"id": "b", "priority": "p2"}, {"id": "odd", "priority": "urgent"},
             {"id": "a", "priority": "p0"}]
    assert [m["id"] for m in sorted(metas, key=priority_rank)] == ["a", "b", "none", "odd"]


def test_filters_need_every_label_any_priority_and_the_exact_status_and_agent() -> None:
    meta = {"status": "red", "labels": ["api", "ui"], "priority": "p1", "agent": "ann"}
    assert matches(meta)
    assert matches(meta, status="red", labels=["api", "ui"], agent="ann", priorities=["p0", "p1"])
    assert not matches(meta, labels=["api", "db"])
    assert not matches(meta, priorities=["p0", "p2"])
    assert not matches(meta, status="green")
    assert not matches(meta, agent="bob")
    assert not matches({"status": "red", "labels": None}, labels=["api"])
