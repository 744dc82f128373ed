"""STORY_TRACKER.md: rendered from the stories' front matter (pure, through tracker.render),
its dependency graph, links, time sums and the ready/blocked lists."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Project
from storykit.project import config, tracker
from storykit.project.store import Entry
from storykit.project.store import Project as Project_


def test_graph_lists_linked_stories_only(project: Project) -> None:
    assert project.new(title="Base").exit_code == 0
    assert project.new("--depends", "1", title="On base").exit_code == 0
    assert project.new(title="Alone").exit_code == 0
    tracker = project.read("STORY_TRACKER.md")
    graph = tracker.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert graph.splitlines() == [
        "graph LR",
        '  STORY_001["STORY-001: Base"]',
        '  STORY_002["STORY-002: On base"]',
        "  STORY_001 --> STORY_002",
    ]


def test_links_lead_from_the_tracker_to_the_stories(project: Project) -> None:
    config = project.read("storykit.toml").replace('tracker = "STORY_TRACKER.md"', 'tracker = "docs/status/TRACKER.md"')
    project.write("storykit.toml", config)
    assert project.new(title="Linked").exit_code == 0
    assert "| [STORY-001](../../stories/STORY-001-linked.md) |" in project.read("docs/status/TRACKER.md")


def render(tmp_path: Path, *metas: dict) -> str:
    """The tracker of stories given as front matter (no files: Project.use_entries)."""
    project = Project_(config.from_mapping(tmp_path, {}))
    project.use_entries([Entry(tmp_path / "stories" / f"{m['id']}-x.md", {"status": "not-started", **m})
                         for m in metas])
    return tracker.render(project)


def row(text: str, story_id: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith(f"| [{story_id}]("))
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]


@settings(max_examples=60)
@given(st.none() | st.text() | st.lists(st.text(), max_size=4) | st.integers() | st.floats(allow_nan=False))
def test_a_cell_is_one_line_with_its_pipes_escaped(value: object) -> None:
    """Whatever the front matter holds, each value is one table cell: whitespace runs
    (newlines too) become one space, '|' is escaped, an empty value shows '—'."""
    with tempfile.TemporaryDirectory() as folder:
        text = render(Path(folder), {"id": "STORY-001", "title": value, "track": value})
    plain = ", ".join(map(str, value)) if isinstance(value, list) else str(value if value is not None else "")
    expected = re.sub(r"\s+", " ", plain).replace("|", "\\|").strip() or "—"
    assert row(text, "STORY-001")[1:3] == [expected, expected]


def test_equal_values_of_other_types_keep_their_own_cells_row_after_row(tmp_path: Path) -> None:
    """Rows repeat their cells (a project's few tracks, agents and estimates), made once
    each: 0, 0.0 and False are equal in Python, and still three different cells."""
    metas = [{"id": f"STORY-00{n}", "title": "t", "track": value, "agent": value, "estimate": value}
             for n, value in enumerate([0, 0.0, False, "0"], start=1)]
    text = render(tmp_path, *metas)
    assert [row(text, f"STORY-00{n}")[2] for n in range(1, 5)] == ["0", "0.0", "False", "0"]
    assert [row(text, f"STORY-00{n}")[5] for n in range(1, 5)] == ["0", "0.0", "False", "0"]


@given(st.text(alphabet="0123456789.-– tohursminwdHMD", max_size=20))
def test_hours_gives_the_same_answer_every_time(text: str) -> None:
    first = tracker.hours(text)
    assert tracker.hours("".join(list(text))) == first  # an equal string, maybe from the cache
    assert first is None or (first[0] >= 0 and first[1] >= 0)


def _set_meta(project: Project, story_id: str, **values: object) -> None:
    path = project.story_path(story_id)
    _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
    meta = yaml.safe_load(front)
    meta.update(values)
    path.write_text("---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n" + body, encoding="utf-8")


def test_tracker_shows_ready_blocked_graph_and_time(project: Project) -> None:
    assert project.run("new", "feature", "--title", "Schema", "--tests", "tests/test_a.py",
                       "--estimate", "1-2 hours").exit_code == 0
    assert project.run("new", "feature", "--title", "API", "--tests", "tests/test_b.py", "--estimate", "3 hours",
                       "--depends", "1").exit_code == 0
    assert project.run("new", "feature", "--title", "UI", "--tests", "tests/test_c.py", "--estimate", "90 min",
                       "--depends", "1", "--depends", "2").exit_code == 0
    assert project.run("new", "bugfix", "--title", "Crash", "--tests", "tests/test_d.py").exit_code == 0
    tracker = project.read("STORY_TRACKER.md")
    assert "- Ready to start: STORY-001, STORY-004\n" in tracker
    assert "- Blocked: STORY-002 (waits for STORY-001); STORY-003 (waits for STORY-001, STORY-002)\n" in tracker
    assert "| All stories | 6.5–7.5 h | — |" in tracker
    mermaid = tracker.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert mermaid == (
        "graph LR\n"
        '  STORY_001["STORY-001: Schema"]\n'
        '  STORY_002["STORY-002: API"]\n'
        '  STORY_003["STORY-003: UI"]\n'
        "  STORY_001 --> STORY_002\n"
        "  STORY_001 --> STORY_003\n"
        "  STORY_002 --> STORY_003\n"
    )
    # The derived Blocks line of STORY-001 names its dependents.
    assert "**Blocks:** STORY-002, STORY-003" in project.story("STORY-001")

    # Once STORY-001 is done (front matter is the tracker's only input), STORY-002 is ready.
    _set_meta(project, "STORY-001", status="done", actual="2.5h")
    assert project.run("tracker").exit_code == 0
    tracker = project.read("STORY_TRACKER.md")
    assert "- Ready to start: STORY-002, STORY-004\n" in tracker
    assert "- Blocked: STORY-003 (waits for STORY-002)\n" in tracker
    assert "| Done stories | 1–2 h | 2.5 h |" in tracker
    assert re.search(r"\| ✅ Done \| 1 \|", tracker)
    again = project.run("tracker")
    assert "already up to date" in again.stdout
    assert project.run("tracker", "--check").exit_code == 0


@pytest.mark.parametrize(("text", "expected"), [
    ("1-2 hours", (1, 2)), ("1.5h", (1.5, 1.5)), ("90 min", (1.5, 1.5)), ("2 days", (16, 16)),
    ("[Time estimate]", None), (None, None),
])
def test_hours(text, expected) -> None:
    assert tracker.hours(text) == expected
