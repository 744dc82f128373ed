"""Priority and labels in the front matter and templates, list and next filters
sorted by priority then id, and storykit search (STORY-072)."""

from __future__ import annotations

import json

import yaml

from conftest import Project


def front(text: str) -> dict:
    return yaml.safe_load(text.split("---\n", 2)[1])


def _stories(project: Project) -> None:
    assert project.new(title="Schema", *("--agent", "db-dev", "--label", "db")).exit_code == 0
    assert project.new(title="API", *("--priority", "p1", "--label", "api", "--label", "cli")).exit_code == 0
    assert project.new(title="Crash", *("--priority", "P0", "--label", "api", "--depends", "1")).exit_code == 0
    assert project.new(title="Docs", *("--priority", "p1",)).exit_code == 0


def test_new_takes_priority_and_labels_and_the_header_shows_them(project: Project) -> None:
    _stories(project)
    text = project.story("STORY-002")
    assert (front(text)["priority"], front(text)["labels"]) == ("p1", ["api", "cli"])
    assert "**Time Estimate:** 2-4 hours\n**Priority:** p1\n**Labels:** api, cli\n**Dependencies:** None\n" in text
    plain = project.story("STORY-001")
    assert "priority" not in front(plain) and front(plain)["labels"] == ["db"]
    assert "**Priority:**" not in plain
    assert front(project.story("STORY-003"))["priority"] == "p0"  # normalised
    result = project.run("new", "feature", "--title", "Bad", "--label", "a b")
    assert (result.exit_code, result.stderr) == (
        2, "Error: label 'a b' has a space or a comma; a label is one word such as 'api'\n")


def test_list_sorts_by_priority_then_id_and_filters(project: Project) -> None:
    _stories(project)
    def ids(*args: str) -> list[str]:
        result = project.run("list", "--json", *args)
        assert result.exit_code == 0, result.output
        return [s["id"] for s in json.loads(result.stdout)["stories"]]
    assert ids() == ["STORY-003", "STORY-002", "STORY-004", "STORY-001"]
    assert ids("--label", "api") == ["STORY-003", "STORY-002"]
    assert ids("--label", "api", "--label", "cli") == ["STORY-002"]
    assert ids("--priority", "p1") == ["STORY-002", "STORY-004"]
    assert ids("--priority", "p0", "--priority", "P1") == ["STORY-003", "STORY-002", "STORY-004"]
    assert ids("--agent", "db-dev") == ["STORY-001"]
    assert ids("--status", "not-started", "--agent", "nobody") == []
    doc = json.loads(project.run("list", "--json", "--label", "api").stdout)
    assert doc["filter"] == {"status": None, "label": ["api"], "agent": None, "priority": []}
    first = doc["stories"][0]
    assert (first["priority"], first["labels"]) == ("p0", ["api"])
    table = project.run("list").stdout.splitlines()
    assert table[0].split() == ["ID", "STATUS", "PRI", "TITLE", "TRACK", "AGENT"]
    assert table[1].split()[:4] == ["STORY-003", "not-started", "p0", "Crash"]
    assert table[-1].split()[:4] == ["STORY-001", "not-started", "-", "Schema"]
    bad = project.run("list", "--priority", "urgent")
    assert (bad.exit_code, bad.stderr) == (
        2, "Error: Invalid value for '--priority': priority 'urgent' is not one of p0, p1, p2, p3 (p0 most urgent). "
           "(see 'storykit list --help')\n")


def test_next_sorts_by_priority_and_filters(project: Project) -> None:
    _stories(project)
    result = project.run("next")
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["STORY-002", "STORY-004", "STORY-001"]
    doc = json.loads(project.run("next", "--json", "--label", "api").stdout)
    assert [s["id"] for s in doc["ready"]] == ["STORY-002"]
    assert doc["blocked"] == [{"id": "STORY-003", "waits_for": ["STORY-001"]}]
    assert doc["filter"] == {"status": None, "label": ["api"], "agent": None, "priority": []}
    assert [s["id"] for s in json.loads(project.run("next", "--json", "--agent", "db-dev").stdout)["ready"]] \
        == ["STORY-001"]
    none = project.run("next", "--priority", "p3")
    assert (none.exit_code, none.stdout, none.stderr) == (0, "", "No story is ready to start with priority p3.\n")


def test_search_titles_bodies_and_notes(project: Project) -> None:
    _stories(project)
    assert project.run("note", "4", "The OpenAPI file is generated").exit_code == 0
    result = project.run("search", "openapi")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "STORY-004  Docs  (Handoff Notes: - " + front(project.story("STORY-004"))["created"]
        + " (Test User): The OpenAPI file is generated)"]
    titles = project.run("search", "CRASH").stdout.splitlines()
    assert titles == ["STORY-003  Crash  (title: Crash)"]
    doc = json.loads(project.run("search", "edge cases", "--json").stdout)
    assert (doc["kind"], doc["query"]) == ("search", "edge cases")
    assert [r["id"] for r in doc["results"]] == ["STORY-001", "STORY-002", "STORY-003", "STORY-004"]
    match = doc["results"][0]["matches"][0]
    assert match == {"where": "Tasks (TDD Order)", "line": match["line"],
                     "text": "- [ ] Write tests for edge cases and invalid input"}
    line = project.story("STORY-001").splitlines()[match["line"] - 1]
    assert line == "- [ ] Write tests for edge cases and invalid input"
    nothing = project.run("search", "zebra")
    assert (nothing.exit_code, nothing.stdout, nothing.stderr) == (0, "", "No story mentions 'zebra'.\n")


def test_docs_json_describes_every_field_of_the_new_documents(story: Project) -> None:
    import re
    from pathlib import Path

    assert story.new(title="Second", *("--priority", "p2", "--label", "api")).exit_code == 0
    runs = [("tick", "1", "1"), ("note", "1", "hello"), ("set", "1", "labels=x"),
            ("close", "2", "--as", "duplicate", "--reason", "same", "--of", "1"), ("search", "hello"),
            ("list",), ("next",)]
    docs = []
    for args in runs:
        result = story.run(*args, "--json")
        assert result.exit_code == 0, result.output
        docs.append(json.loads(result.stdout))
    assert [d["kind"] for d in docs] == ["tick", "note", "set", "close", "search", "list", "next"]
    text = (Path(__file__).resolve().parents[2] / "docs" / "json.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+)`", text))

    def keys(value: object) -> set[str]:
        if isinstance(value, dict):
            return set(value).union(*map(keys, value.values()))
        if isinstance(value, list):
            return set().union(*map(keys, value))
        return set()

    found = set().union(*map(keys, docs))
    found -= set(docs[2]["changed"])  # the keys set, not document fields
    assert not found - documented, sorted(found - documented)
    for kind in ("tick", "note", "set", "close", "search"):
        assert f"## `{kind}`" in text and f"| `{kind}` |" in text
