"""Stories whose tests are chosen by @pytest.mark.story(ID), through storykit and
through plain pytest with storykit installed (the pytest11 entry point)."""

from __future__ import annotations


import yaml

from conftest import Project

SHOP_TESTS = """\
import pytest

from shop import Cart


@pytest.mark.story("STORY-001")
def test_add_item():
    cart = Cart()
    cart.add("apple", 2)
    assert cart.items == {"apple": 2}


@pytest.mark.story("1")
def test_total():
    cart = Cart()
    cart.add("apple", 2)
    assert cart.total({"apple": 3}) == 6


@pytest.mark.story("STORY-002")
def test_checkout():
    assert Cart().checkout() == "paid"


def test_unmarked():
    assert False, "never selected by a story"
"""

MORE_TESTS = """\
import pytest

from shop import Cart


@pytest.mark.story("001", "STORY-002")
def test_empty_cart():
    assert Cart().total({}) == 0
"""

STUB = "class Cart:\n    def __init__(self):\n        self.items = {}\n\n" \
       "    def add(self, name, n):\n        pass\n\n" \
       "    def total(self, prices):\n        return 0\n\n    def checkout(self):\n        return None\n"
IMPLEMENTATION = """\
class Cart:
    def __init__(self):
        self.items = {}

    def add(self, name, n):
        self.items[name] = self.items.get(name, 0) + n

    def total(self, prices):
        return sum(prices[name] * n for name, n in self.items.items())

    def checkout(self):
        return None
"""
STORY_1_TESTS = ["tests/test_more.py::test_empty_cart", "tests/test_shop.py::test_add_item",
                 "tests/test_shop.py::test_total"]


def front(text: str) -> dict:
    return yaml.safe_load(text.split("---\n", 2)[1])


def shop(project: Project) -> Project:
    project.write("shop.py", STUB)
    project.write("tests/test_shop.py", SHOP_TESTS)
    project.write("tests/test_more.py", MORE_TESTS)
    return project


def test_marked_story_runs_exactly_its_tests_red_then_green(project: Project) -> None:
    shop(project)
    for title in ("Cart", "Checkout"):
        created = project.run("new", "feature", "--title", title, "--min-tests", "1")
        assert created.exit_code == 0, created.output
    assert "tests" not in front(project.story()) or front(project.story())["tests"] == []

    red = project.sk("run-tests", "STORY-001")
    assert red.exit_code == 0, red.output
    assert "STORY-001 is red: 2 of 3 tests fail" in red.stdout
    from storykit.story.model import load

    run = load(project.story_path()).runs["red"]
    assert sorted(run["tests"]) == STORY_1_TESTS  # STORY-002's and unmarked tests never ran
    assert run["tests"]["tests/test_more.py::test_empty_cart"] == "passed"
    assert run["command"] == "python -m pytest --story STORY-001"
    assert "tests marked `@pytest.mark.story`" in project.story()

    project.write("shop.py", IMPLEMENTATION)
    green = project.sk("run-tests", "1")
    assert green.exit_code == 0, green.output
    assert "STORY-001 is green: 3 of 3 tests pass" in green.stdout
    run = load(project.story_path()).runs["green"]
    assert run["tests"] == {node: "passed" for node in STORY_1_TESTS}

    other = project.sk("run-tests", "2")  # the other story: its own two tests, one still failing
    assert other.exit_code == 0, other.output
    assert "STORY-002 is red: 1 of 2 tests fail" in other.stdout
    assert load(project.story_path("STORY-002")).runs["red"]["tests"] == {
        "tests/test_more.py::test_empty_cart": "passed",
        "tests/test_shop.py::test_checkout": "failed AssertionError",
    }


def test_story_with_no_marked_test_is_refused_with_the_reason(project: Project) -> None:
    shop(project)
    project.run("new", "feature", "--title", "Cart", "--id", "7")
    before = project.snapshot()
    result = project.run("run-tests", "7")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Refused: no test is marked @pytest.mark.story(\"STORY-007\") (pytest exit 5: nothing selected): "
        "mark the story's tests, or list them under 'tests:' in its front matter")
    assert project.snapshot() == before


