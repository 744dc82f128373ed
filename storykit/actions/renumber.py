"""Give a story a new id: its front matter, its ``# ID: title`` heading, its file
name, and every reference to it in other stories' dependencies (front matter and
their Dependencies line), ``duplicate_of`` (and Closed line) and derived Blocks
lines; then the tracker.

The tool for the duplicate a merge can still produce (two branches that both chose
``--id 7``): ``storykit renumber stories/STORY-007-theirs.md`` moves one of them to
the next free id.  Every new text is computed before anything is written; the
writes happen in one save transaction (storykit.actions.save) and are undone
together if one fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from storykit import git
from storykit.actions import save
from storykit.errors import StorykitError
from storykit.project.store import Entry, Project
from storykit.story import records, regions
from storykit.story.markdown import Document, set_field, split_lines
from storykit.story.model import Story, load


@dataclass
class Renumbered:
    old_id: str
    new_id: str
    old_path: Path
    path: Path
    updated: list[Path] = field(default_factory=list)  # other stories rewritten
    notes: list[str] = field(default_factory=list)
    written: bool = False


def _mention(story_id: str) -> re.Pattern[str]:
    """``story_id`` as a whole id (STORY-001 but not STORY-0012 or XSTORY-001)."""
    return re.compile(rf"(?<![\w-]){re.escape(story_id)}(?!\d)")


def _locate(project: Project, ref: str) -> Path:
    if not (ref.endswith(".md") or "/" in ref or "\\" in ref):
        story_id = project.parse_id(ref)
        matches = [p for p in project.story_files() if project.file_id(p.name) == story_id]
        if len(matches) > 1:
            raise StorykitError(
                f"{story_id} is used by {len(matches)} files ({', '.join(p.name for p in matches)})",
                hint=f"name the one to renumber by its file: storykit renumber "
                     f"{project.rel(matches[-1])} [NEW]")
    return project.find(ref).resolve()


def _retitle(body: str, old_id: str, new_id: str) -> str | None:
    """The body with its ``# OLD: title`` heading renamed; None when it has none."""
    doc = Document(body)
    for heading in doc.headings:
        if heading.level == 1 and re.match(rf"{re.escape(old_id)}(?::|\s|$)", heading.title):
            line = doc.lines[heading.line]
            lines = list(doc.lines)
            lines[heading.line] = _mention(old_id).sub(new_id, line, count=1)
            return "".join(lines)
    return None


def _file_name(project: Project, name: str, new_id: str, title: str) -> str:
    from storykit.core.ids import slugify

    match = re.match(re.escape(project.config.id_prefix) + r"\d+(?=-|\.md$)", name, re.I)
    return new_id + name[match.end():] if match else f"{new_id}-{slugify(title)}.md"


def plan(project: Project, old_ref: str, new_ref: str | None = None) -> tuple[Renumbered, dict[Path, Story]]:
    """What renumbering changes: the result and every file's new Story, unwritten."""
    from storykit.actions.new import next_id

    config = project.config
    path = _locate(project, old_ref)
    story = load(path)
    old_id = story.id
    entries = project.entries()
    new_id = project.parse_id(new_ref) if new_ref else next_id(project, entries)
    free = f"leave NEW out to take the next free id ({next_id(project, entries)})"
    if new_id == old_id:
        raise StorykitError(f"{project.rel(path)} already has the id {old_id}", hint=free)
    taken = [e.path for e in entries if e.id == new_id] + [
        p for p in project.story_files() if project.file_id(p.name) == new_id]
    if taken:
        raise StorykitError(f"{new_id} already exists ({project.rel(taken[0])})", hint=free)
    elsewhere = [rel for rel in git.files_in_all_refs(project.root, config.stories_dir)
                 if project.file_id(Path(rel).name) == new_id]
    if elsewhere:
        raise StorykitError(f"{new_id} is taken on another branch or earlier in history ({elsewhere[0]})",
                            hint=free)

    new_path = config.stories_path.resolve() / _file_name(project, path.name, new_id, story.title)
    result = Renumbered(old_id, new_id, path, new_path)
    story.meta["id"] = new_id
    body = _retitle(story.body, old_id, new_id)
    if body is None:
        result.notes.append(f"no '# {old_id}: ...' heading in {path.name} to rename")
    else:
        story.body = body
    try:  # the pending-run hint in Test Results names the id
        story.body = regions.test_results(new_id, story.body, story.meta, {})
    except StorykitError:
        pass
    changed: dict[Path, Story] = {}

    others = [e for e in entries if e.path.resolve() != path]
    dependents = [e for e in others if old_id in (e.meta.get("dependencies") or [])]
    if any(e.id == old_id for e in others):  # a duplicate: which one did they mean?
        if dependents:
            result.notes.append(
                f"{', '.join(e.id for e in dependents)} depend on {old_id}, still the id of another story, "
                f"so they were left as they are: change their dependencies to {new_id} if they meant this one")
        dependents = []
    for entry in dependents:
        other = load(entry.path)
        deps = [new_id if d == old_id else d for d in other.meta.get("dependencies") or []]
        other.meta["dependencies"] = list(dict.fromkeys(deps))
        line = Document(other.body).field_line("Dependencies")
        if line is not None:
            value = Document(other.body).lines[line].split(":**", 1)[1].strip()
            other.body = set_field(other.body, "Dependencies", _mention(old_id).sub(new_id, value))
        changed[entry.path.resolve()] = other

    # A story closed as its duplicate names it in duplicate_of and its Closed line.
    if not any(e.id == old_id for e in others):
        for entry in others:
            if entry.meta.get("duplicate_of") != old_id:
                continue
            other = changed.get(entry.path.resolve()) or load(entry.path)
            other.meta["duplicate_of"] = new_id
            line = Document(other.body).field_line("Closed")
            if line is not None:
                value = Document(other.body).lines[line].split(":**", 1)[1].strip()
                other.body = set_field(other.body, "Closed", _mention(old_id).sub(new_id, value, count=1))
            changed[entry.path.resolve()] = other

    # The stories this one depends on list it in their derived Blocks line.
    metas = {p: s.meta for p, s in changed.items()}
    project.use_entries([Entry(new_path, story.meta) if e.path.resolve() == path
                         else Entry(e.path, metas.get(e.path.resolve(), e.meta)) for e in entries])
    for entry in others:
        if entry.id in (story.meta.get("dependencies") or []):
            other = changed.get(entry.path.resolve()) or load(entry.path)
            try:
                other.body = regions.set_header(other.id, other.body, other.status, project.blocks(other.id))
            except StorykitError as exc:
                result.notes.append(str(exc))
            changed[entry.path.resolve()] = other
    project.invalidate()

    result.updated = sorted(p for p, s in changed.items() if s.text() != p.read_bytes().decode("utf-8"))
    changed = {p: changed[p] for p in result.updated}
    if not story.meta.get("tests"):
        result.notes.append(f"its tests are the ones marked @pytest.mark.story(\"{old_id}\"): "
                            f"change the markers to \"{new_id}\"")
    for entry in [] if any(e.id == old_id for e in others) else others:
        other = changed.get(entry.path.resolve()) or load(entry.path)
        text = other.text()
        first = len(split_lines(text)) - len(split_lines(other.body))  # lines before the body
        hits = [i + 1 for i, line in enumerate(split_lines(text)) if i >= first and _mention(old_id).search(line)]
        if hits:
            result.notes.append(f"{project.rel(entry.path)}:{hits[0]} still mentions {old_id}"
                                f"{f' (and {len(hits) - 1} more lines)' if len(hits) > 1 else ''}: "
                                f"update it by hand if it means this story")
    return result, {new_path: story, **changed}


def renumber(project: Project, old_ref: str, new_ref: str | None = None, *, dry_run: bool = False) -> Renumbered:
    """Rename a story's id everywhere storykit owns it; atomic; tracker regenerated."""
    result, stories = plan(project, old_ref, new_ref)
    if dry_run:
        return result
    save.require_writable(project, result.old_path, project.config.tracker_path, *result.updated,
                          records.evidence_path(result.old_path))
    with save.transaction(project) as tx:
        if result.path.exists() and result.path != result.old_path:
            raise StorykitError(f"{project.rel(result.path)} already exists", hint="remove or rename it first")
        old_evidence, new_evidence = records.evidence_path(result.old_path), records.evidence_path(result.path)
        for path, story in stories.items():
            story.path = path  # its evidence file follows its file name
            tx.save(story)
        if result.path != result.old_path:
            tx.remove(result.old_path)
            if old_evidence.exists():
                if not new_evidence.exists():  # a story with nothing else to rewrite
                    tx.copy(old_evidence, new_evidence)
                tx.remove(old_evidence)
        tx.tracker()
    result.written = True
    return result
