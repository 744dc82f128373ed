"""The demo: a throwaway git repository taken through the whole storykit cycle.

init -> new -> red -> green -> complete, each step a real ``storykit`` process and a
real pytest run; then check and verify, and the resulting story, tracker and commits.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

TESTS = '''\
"""Tests for the tags table migration (written first, before tagstore.py works)."""
import sqlite3

import pytest

import tagstore


@pytest.fixture
def db():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, tags TEXT)")
    conn.execute("INSERT INTO notes (body, tags) VALUES ('first', 'a,b'), ('second', 'b')")
    yield conn
    conn.close()


def columns(conn, table):
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def test_creates_tags_table(db):
    tagstore.migrate(db)
    assert columns(db, "tags") == ["id", "name", "created_at"]


def test_creates_note_tags_table(db):
    tagstore.migrate(db)
    assert columns(db, "note_tags") == ["note_id", "tag_id"]


def test_tag_names_are_unique(db):
    tagstore.migrate(db)
    tagstore.add_tag(db, "urgent")
    with pytest.raises(sqlite3.IntegrityError):
        tagstore.add_tag(db, "urgent")


def test_index_on_tag_name(db):
    tagstore.migrate(db)
    indexes = [row[1] for row in db.execute("PRAGMA index_list(tags)")]
    assert "by_name" in indexes


def test_migrates_existing_tags(db):
    tagstore.migrate(db)
    assert tagstore.tags_of(db, 1) == ["a", "b"]
    assert tagstore.tags_of(db, 2) == ["b"]


def test_migration_is_idempotent(db):
    tagstore.migrate(db)
    tagstore.migrate(db)
    assert db.execute("SELECT COUNT(*) FROM tags").fetchone()[0] == 2


def test_old_column_still_works(db):
    tagstore.migrate(db)
    tagstore.tag_note(db, 2, "new")
    assert db.execute("SELECT tags FROM notes WHERE id = 2").fetchone()[0] == "b,new"


def test_rollback_drops_new_tables(db):
    tagstore.migrate(db)
    tagstore.rollback(db)
    assert columns(db, "tags") == []
'''

STUB = '''\
"""Tags for notes: a schema migration (not implemented yet)."""


def migrate(conn):
    raise NotImplementedError


def add_tag(conn, name):
    raise NotImplementedError


def tags_of(conn, note_id):
    raise NotImplementedError


def tag_note(conn, note_id, name):
    raise NotImplementedError


def rollback(conn):
    raise NotImplementedError
'''

IMPLEMENTATION = '''\
"""Tags for notes: moves the comma-separated notes.tags column into real tables,
keeping the old column written too (dual-write) while readers move over."""


def migrate(conn):
    conn.execute("CREATE TABLE IF NOT EXISTS tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
                 " created_at TEXT DEFAULT CURRENT_TIMESTAMP)")
    conn.execute("CREATE INDEX IF NOT EXISTS by_name ON tags (name)")
    conn.execute("CREATE TABLE IF NOT EXISTS note_tags (note_id INTEGER, tag_id INTEGER,"
                 " PRIMARY KEY (note_id, tag_id))")
    for note_id, tags in conn.execute("SELECT id, tags FROM notes").fetchall():
        for name in filter(None, (tags or "").split(",")):
            _link(conn, note_id, name)


def add_tag(conn, name):
    return conn.execute("INSERT INTO tags (name) VALUES (?)", (name,)).lastrowid


def _link(conn, note_id, name):
    conn.execute("INSERT OR IGNORE INTO tags (name) VALUES (?)", (name,))
    tag_id = conn.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()[0]
    conn.execute("INSERT OR IGNORE INTO note_tags VALUES (?, ?)", (note_id, tag_id))


def tags_of(conn, note_id):
    rows = conn.execute("SELECT t.name FROM tags t JOIN note_tags n ON n.tag_id = t.id"
                        " WHERE n.note_id = ? ORDER BY t.name", (note_id,))
    return [name for (name,) in rows]


def tag_note(conn, note_id, name):
    _link(conn, note_id, name)
    old = conn.execute("SELECT tags FROM notes WHERE id = ?", (note_id,)).fetchone()[0]
    conn.execute("UPDATE notes SET tags = ? WHERE id = ?", (",".join(filter(None, [old, name])), note_id))


def rollback(conn):
    conn.execute("DROP TABLE IF EXISTS note_tags")
    conn.execute("DROP TABLE IF EXISTS tags")
'''


def _tick_all(path: Path) -> int:
    """Tick every box in the story, as the team does once it has verified each item."""
    text = path.read_text(encoding="utf-8")
    ticked, count = re.subn(r"^(\s*- )\[ \]", r"\1[x]", text, flags=re.M)
    path.write_text(ticked, encoding="utf-8")
    return count


def run_demo(directory: Path | None, say: Callable[[str], None]) -> int:
    """Run the demo in ``directory`` (default: a new temporary folder); 0 on success."""
    root = Path(directory or tempfile.mkdtemp(prefix="storykit-demo-")).resolve()
    root.mkdir(parents=True, exist_ok=True)
    if any(root.iterdir()):
        say(f"Error: {root} is not empty; give the demo an empty or new folder")
        return 2
    env = dict(os.environ)
    # The demo project's tests run with the Python storykit runs on (it has pytest).
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.pop("PYTHONPATH", None)

    def sh(*args: str, show: bool = True) -> subprocess.CompletedProcess[str]:
        shown = " ".join(args).replace(sys.executable + " -m storykit", "storykit")
        if show:
            say(f"\n$ {shown}")
        proc = subprocess.run(list(args), cwd=root, env=env, text=True, capture_output=True, encoding="utf-8")
        output = (proc.stdout + proc.stderr).rstrip()
        if show and output:
            say(output)
        return proc

    def storykit(*args: str) -> subprocess.CompletedProcess[str]:
        return sh(sys.executable, "-m", "storykit", *args)

    def step(title: str) -> None:
        say(f"\n{'=' * 78}\n{title}\n{'=' * 78}")

    def expect(proc: subprocess.CompletedProcess[str], code: int = 0) -> None:
        if proc.returncode != code:
            raise SystemExit(f"demo failed: '{' '.join(proc.args)}' exited {proc.returncode}, expected {code}")

    step(f"1. A throwaway git repository: {root}")
    expect(sh("git", "init", "-q", "-b", "main"))
    expect(sh("git", "config", "user.name", "Demo Agent"))
    expect(sh("git", "config", "user.email", "demo@example.com"))
    (root / "tagstore.py").write_text(STUB, encoding="utf-8")
    (root / "tests").mkdir()
    expect(storykit("init"))
    expect(storykit("templates"))
    expect(sh("git", "add", "-A"))
    expect(sh("git", "commit", "-q", "-m", "chore: start the notes project"))

    step("2. A story from the schema-migration template")
    expect(storykit("new", "schema-migration", "--title", "Add tags table", "--tests", "tests/test_tags.py",
                    "--var", "feature=tags on notes", "--var", "capability=filtering notes by tag"))
    story = next((root / "stories").glob("STORY-001-*.md"))

    step("3. Tests first: a run in which nothing fails is refused")
    (root / "tests" / "test_tags.py").write_text("def test_placeholder():\n    assert True\n", encoding="utf-8")
    say("\n(wrote tests/test_tags.py with one test that passes without any implementation)")
    expect(storykit("run-tests", "1", "--", "-q"), 1)
    (root / "tests" / "test_tags.py").write_text(TESTS, encoding="utf-8")
    say("\n(rewrote tests/test_tags.py: 8 real tests against the unimplemented tagstore.py)")

    step("4. Red: storykit runs the tests, records the real failing output, and commits the tests")
    expect(storykit("run-tests", "STORY-001", "--commit", "--", "-q", "--tb=line"))

    step("5. Implement, then green: the real passing output is recorded")
    (root / "tagstore.py").write_text(IMPLEMENTATION, encoding="utf-8")
    say("\n(implemented tagstore.py)")
    expect(storykit("run-tests", "STORY-001", "--", "-q"))

    step("6. Complete: re-run, check the checklists, record, commit")
    expect(storykit("complete", "STORY-001"), 1)  # refused: boxes a person must tick
    count = _tick_all(story)
    say(f"\n(the team ticks the {count} checklist items it has verified)")
    expect(sh("git", "add", "tagstore.py", "tests/test_tags.py"))
    expect(storykit("complete", "STORY-001", "--actual", "1.5h"))

    step("7. The result: state, the CI gate, and the evidence replayed from git")
    expect(storykit("show", "STORY-001"))
    expect(storykit("list"))
    expect(storykit("tracker", "--check"))
    expect(storykit("check"))
    expect(storykit("verify", "STORY-001"))
    say(f"\n$ cat {story.relative_to(root)}   (Test Results section)")
    text = story.read_text(encoding="utf-8")
    start = text.index("## Test Results")
    say(text[start: text.index("\n## ", start + 1)].rstrip())
    say("\n$ cat STORY_TRACKER.md")
    say((root / "STORY_TRACKER.md").read_text(encoding="utf-8").rstrip())
    expect(sh("git", "log", "--stat", "--format=%h %s%n%n%b"))
    say(f"\nDemo complete. The repository is at {root}")
    return 0
