"""STORY_TRACKER.md never conflicts: a git merge driver that regenerates it.

``storykit init`` registers the driver: a ``.gitattributes`` line
(``STORY_TRACKER.md merge=storykit-tracker``) and, in the repository's own git config,
the command git runs with the three versions of the tracker whenever both sides of a
merge, rebase or cherry-pick changed it.

git's default merge strategy (ort) merges in memory and writes the work tree only at
the end, so when the driver runs the other side's stories are NOT on disk yet.  The
driver therefore reads the stories from git itself: it identifies the commits being
merged (HEAD; the other side from the ``GITHEAD_<sha>`` variable ``git merge`` and
``git pull`` set, or the commit a rebase or cherry-pick is applying), checks that
their trackers are exactly the versions git handed over, merges the story files of
the three trees as git does (changed on one side: that side; on both: ``git
merge-file``), and renders the tracker from the result.  When the commits cannot be
identified (a single cherry-pick, a criss-cross merge's virtual base) it merges the
trackers' story rows instead: each row is a function of one story file, so the
three-way merge of the rows is the rows of the merged stories.  Either way the
result is what ``storykit tracker`` writes once the merge is done.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storykit import git
from storykit.errors import StorykitError

if TYPE_CHECKING:
    from storykit.project.config import Config
    from storykit.project.store import Entry, Project

DRIVER = "storykit-tracker"
DRIVER_NAME = "storykit: regenerate the story tracker from the merged stories"
_PICK = re.compile(r"^(?:pick|p|reword|r|edit|e|fixup|f|squash|s)\s+([0-9a-fA-F]{4,64})\b")
_LINK = re.compile(r"\[([^\]]+)\]\((.*)\)")
_PIPE = re.compile(r"(?<!\\)\|")


# -- registration ------------------------------------------------------------------

def driver_command() -> str:
    """The command git runs: this very interpreter, so it works under ``python -m
    storykit``, a venv or pipx alike (re-run ``storykit init --merge-driver`` after
    moving storykit to another environment)."""
    return f"{shlex.quote(sys.executable)} -m storykit merge-tracker %O %A %B %P"


def attributes_line(config: Config) -> str:
    """The ``.gitattributes`` line that sends the tracker to the driver (C-quoted if needed)."""
    pattern = config.tracker
    if any(ch.isspace() or ch in '"\\' for ch in pattern):
        pattern = '"' + pattern.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{pattern} merge={DRIVER}"


def register(config: Config) -> tuple[list[str], str | None]:
    """Add the ``.gitattributes`` line and set the repository's git config.

    Returns (what changed, why the git config was not set or None).  Idempotent:
    nothing is written when everything is already in place.
    """
    from storykit.project.files import write_text_atomic

    changed = []
    attributes = config.root / ".gitattributes"
    text = attributes.read_text(encoding="utf-8") if attributes.is_file() else ""
    line = attributes_line(config)
    if line not in (existing.strip() for existing in text.splitlines()):
        newline = "\r\n" if "\r\n" in text else "\n"
        separator = "" if not text or text.endswith(("\n", "\r")) else newline
        write_text_atomic(attributes, text + separator + line + newline)
        changed.append(".gitattributes")
    top = git.toplevel(config.root)
    if top is None:
        return changed, "not a git repository: run 'storykit init --merge-driver' after 'git init'"
    wrote = False
    for key, value in ((f"merge.{DRIVER}.name", DRIVER_NAME), (f"merge.{DRIVER}.driver", driver_command())):
        if git.config_get(top, key) != value:
            git.config_set(top, key, value)
            wrote = True
    if wrote:
        changed.append(f"git config merge.{DRIVER}")
    return changed, None


# -- the driver --------------------------------------------------------------------

@dataclass(frozen=True)
class Sides:
    """The commits of a merge in progress: merge base, ours (HEAD) and theirs."""

    base: str
    ours: str
    theirs: str


def run_driver(base: Path, ours: Path, theirs: Path, rel: str, cwd: Path) -> tuple[int, str]:
    """Resolve the tracker: the merged tracker is written into ``ours`` (git's %A).

    Returns (exit code for git, one line for the user).  If the tracker cannot be
    regenerated, falls back to git's own text merge and says why.
    """
    from storykit.project.files import write_text_atomic

    top = git.toplevel(cwd) or cwd
    try:
        text, how, notes = regenerate(top, base, ours, theirs, rel)
    except StorykitError as exc:
        code = git.merge_file(top, ours, base, theirs)
        state = "with conflicts" if code else "cleanly"
        return code, (f"storykit merge-tracker: {exc}; merged {rel} as text ({state}): "
                      f"run 'storykit tracker' once the merge is done")
    write_text_atomic(ours, text)
    message = f"storykit merge-tracker: regenerated {rel} from the merged {how}"
    return 0, "; ".join([message, *notes])


def regenerate(top: Path, base: Path, ours: Path, theirs: Path, rel: str) -> tuple[str, str, list[str]]:
    """(tracker text, "stories" or "tracker rows", notes) for the merge in progress."""
    from storykit.project import config as config_mod
    from storykit.project import tracker
    from storykit.project.store import Project

    tracker_file = top / rel
    project = Project(config_mod.load(tracker_file.parent))
    if project.config.tracker_path.resolve() != tracker_file.resolve():
        raise StorykitError(f"{rel} is not the tracker of the storykit project at {project.root}")
    sides = find_sides(top, rel, base, ours, theirs)
    notes: list[str] = []
    if sides is not None:
        entries = entries_from_trees(top, project, sides, notes)
        how = "stories"
    else:
        texts = [p.read_bytes().decode("utf-8", errors="replace") for p in (base, ours, theirs)]
        entries = entries_from_rows(project, *texts)
        how = "tracker rows"
    project.use_entries(entries)
    return tracker.render(project), how, notes


def _candidates(top: Path) -> list[tuple[str, str]]:
    """(commit, "merge" or "pick") for each commit that may be the other side."""
    found = [(key[len("GITHEAD_"):], "merge") for key in sorted(os.environ) if key.startswith("GITHEAD_")]
    git_dir = git.git_dir(top)
    for name, kind in (("MERGE_HEAD", "merge"), ("CHERRY_PICK_HEAD", "pick"), ("REBASE_HEAD", "pick")):
        path = git_dir / name
        if path.is_file():
            found += [(line.strip(), kind) for line in path.read_text().splitlines() if line.strip()]
    # A rebase lists the pick in progress last in 'done'; a multi-commit cherry-pick first in 'todo'.
    for path, last in ((git_dir / "rebase-merge" / "done", True), (git_dir / "sequencer" / "todo", False)):
        if path.is_file():
            lines = [line for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
            match = _PICK.match(lines[-1 if last else 0]) if lines else None
            if match:
                found.append((match.group(1), "pick"))
    return found


def find_sides(top: Path, rel: str, base: Path, ours: Path, theirs: Path) -> Sides | None:
    """The three commits of the merge in progress, if they can be identified for sure:
    each one's tracker must be exactly the version git passed to the driver."""
    want_base, want_ours, want_theirs = git.hash_files(top, [base, ours, theirs])
    head = git.resolve(top, "HEAD")
    if head is None or git.resolve(top, f"{head}:{rel}") != want_ours:
        return None
    for rev, kind in _candidates(top):
        commit = git.resolve(top, f"{rev}^{{commit}}")
        if commit is None or git.resolve(top, f"{commit}:{rel}") != want_theirs:
            continue
        if kind == "pick":
            parent = git.resolve(top, f"{commit}^")
            bases = [parent] if parent else []
        else:
            bases = git.merge_bases(top, head, commit)
        if len(bases) != 1:
            continue
        base_blob = git.resolve(top, f"{bases[0]}:{rel}")
        if base_blob == want_base or (base_blob is None and base.stat().st_size == 0):
            return Sides(bases[0], head, commit)
    return None


def entries_from_trees(top: Path, project: Project, sides: Sides, notes: list[str]) -> list[Entry]:
    """The stories as the merge will leave them, read from the three commits."""
    from storykit.project.store import Entry
    from storykit.story.model import parse

    folder = project.config.stories_path.resolve()
    prefix = folder.relative_to(top.resolve()).as_posix()
    trees = [git.tree_files(top, commit, prefix) for commit in (sides.base, sides.ours, sides.theirs)]
    chosen: dict[str, tuple[str | None, str | None, str | None]] = {}
    for path in sorted(set().union(*trees)):
        name = path.rsplit("/", 1)[-1]
        if name.endswith(".md") and not name.startswith("."):
            chosen[path] = (trees[0].get(path), trees[1].get(path), trees[2].get(path))
    blobs = git.read_blobs(top, [b for triple in chosen.values() for b in triple if b])
    entries = []
    for path, (old, mine, other) in chosen.items():
        if mine == other or other == old:
            data = blobs.get(mine) if mine else None
        elif mine == old:
            data = blobs.get(other) if other else None
        elif mine is None or other is None:  # deleted on one side, changed on the other: git keeps it
            data = blobs[mine or other or ""]
        else:
            data = git.merge_texts(top, blobs.get(old, b"") if old else b"", blobs[mine], blobs[other])
            if data is None:
                notes.append(f"{path} conflicts: resolve it, then run 'storykit tracker'")
                data = blobs[mine]
        if data is None:
            continue  # deleted
        target = folder / path.rsplit("/", 1)[-1]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise StorykitError(f"{path} is not UTF-8 text") from None
        entries.append(Entry(target, parse(text, target).meta))
    return entries


# -- the fallback: a three-way merge of the trackers' story rows ---------------------

def _cell(text: str) -> str | None:
    return None if text == "—" else text.replace("\\|", "|")


def tracker_rows(project: Project, text: str) -> dict[str, tuple[Path, dict[str, Any]]]:
    """id -> (story file, the front matter the tracker shows) from a tracker's Stories table."""
    from storykit.core.workflow import LABELS

    status_of = {label: name for name, label in LABELS.items()}
    tracker_dir = project.config.tracker_path.parent
    rows: dict[str, tuple[Path, dict[str, Any]]] = {}
    in_table = seen = False
    for line in text.splitlines():
        if line.startswith("## "):
            in_table = line.strip() == "## Stories"
            seen = seen or in_table
            continue
        cells = [c.strip() for c in _PIPE.split(line)[1:-1]] if in_table and line.startswith("| [") else []
        match = _LINK.fullmatch(cells[0]) if len(cells) == 8 else None
        if not match:
            continue
        story_id, link = match.groups()
        meta = {"id": story_id, "title": _cell(cells[1]), "track": _cell(cells[2]), "agent": _cell(cells[3]),
                "status": status_of.get(cells[4], cells[4]), "estimate": _cell(cells[5]),
                "actual": _cell(cells[6]),
                "dependencies": [] if cells[7] == "None" else (_cell(cells[7]) or "").split(", ")}
        rows[story_id] = (Path(os.path.normpath(tracker_dir / link.replace("%20", " "))), meta)
    if not seen:
        raise StorykitError("a tracker version has no '## Stories' table")
    return rows


def entries_from_rows(project: Project, base: str, ours: str, theirs: str) -> list[Entry]:
    """The rows of the merged stories: per story, the side that changed it; per field
    when both did (ours wins a field both changed, as the story file will conflict)."""
    from storykit.project.store import Entry

    old, mine, other = (tracker_rows(project, t) for t in (base, ours, theirs))
    entries = []
    for story_id in sorted(set(old) | set(mine) | set(other)):
        o, a, b = old.get(story_id), mine.get(story_id), other.get(story_id)
        if a == b or b == o:
            row = a
        elif a == o:
            row = b
        elif a is None or b is None:
            row = a or b
        else:
            base_meta = o[1] if o else {}
            meta = {k: (b[1][k] if a[1][k] == base_meta.get(k) else a[1][k]) for k in a[1]}
            row = (a[0] if a[0] != (o[0] if o else None) else b[0], meta)
        if row is not None:
            entries.append(Entry(row[0], row[1]))
    return entries
