"""The ids already taken, for choosing a new one: in the stories folder and in the
history of every ref, walking only the history not seen before.

``storykit new`` takes one above every id in the work tree (the front matter's id,
or the file name's for an unreadable file), in the history of every branch,
remote-tracking branch and tag (a story committed and deleted keeps its id), and in
the other worktrees of the clone.  The full scan of the history (``git log`` of every
ref) costs the commits that touched the stories folder times the folder's size:
seconds with 500 branches at 10,000 stories.  So the answer is remembered in
``.storykit/cache/history-ids.json`` (git-ignored, never committed):

- ``tips``: the commits the refs pointed to when it was written;
- ``commits``: for every commit in their history that added a story file, the
  highest id number it added.

That is exact for those tips, and stays exact: when the refs move, one ``git log``
walks only the commits in the history of the new tips and not of the old ones
(``storykit.git.added_files``, which compares each commit with its parent only, so
walks of disjoint histories add up), and when an old tip is no longer a tip (a
branch deleted, rewound or force-pushed), one ``git rev-list`` finds the remembered
commits no ref reaches any more, and they are forgotten.  The highest id is then
the highest of what is left.  A missing, corrupt or foreign file, a change of the
folder, id prefix, replace refs or shallow boundary, or a walk git refuses (an old
tip pruned by ``git gc``) is a full scan, never an error; the file is replaced
atomically, so parallel runs each see a whole one.

The work tree's ids are kept in ``.storykit/cache/story-ids.json`` by file name,
size and ``mtime_ns`` (the front-matter cache's rules), so a ``new --dry-run`` reads
no story's front matter when none changed.
"""

from __future__ import annotations

import json
import os
import posixpath
import time
from pathlib import Path
from typing import Any

from storykit import __version__, git
from storykit.core import ids
from storykit.errors import StorykitError
from storykit.project.cache import RACY_NS, _write_file, paused_gc, usable
from storykit.project.store import Project
from storykit.story.model import load_meta

FORMAT = 1
NAME = "history-ids.json"


def cache_path(project: Project) -> Path:
    return project.config.state_path / "cache" / NAME


def highest_in_history(project: Project, where: tuple[Path, Path] | None = None) -> int:
    """The highest id number of a story file ever added to the stories folder in the
    history of any ref (0 outside git): what a full scan finds, walking only the
    commits not walked before.  ``where``: ``git.locate`` of the project, if known."""
    where = where or git.locate(project.root)
    if where is None:
        return 0
    base = git.story_folder(project.root, project.config.stories_dir, where[0])
    tips = git.ref_tips(project.root) if base else None
    if not base or not tips:
        return 0
    salt = "\0".join((base, project.config.id_prefix, str(project.config.id_width), git.history_salt(where[1])))
    known = _read(project, salt)
    commits: dict[str, int] | None = None
    walked: dict[str, list[str]] | None = None
    if known is not None:
        old_tips, commits = known
        if old_tips == tips:
            return max(commits.values(), default=0)
        seen = set(old_tips)
        new_tips = [tip for tip in tips if tip not in seen]
        walked = git.added_files(project.root, base, project.config.stories_dir, new_tips, old_tips)
        if walked is not None and not set(old_tips) <= set(tips):  # some history may be gone
            gone = git.unreachable(project.root, sorted(commits), tips)
            walked = None if gone is None else walked
            commits = {c: n for c, n in commits.items() if c not in (gone or ())}
    if walked is None:  # no usable cache, or git refused the walk from it: the full scan
        commits = {}
        walked = git.added_files(project.root, base, project.config.stories_dir, tips, [])
        if walked is None:
            return 0
    assert commits is not None
    for commit, paths in walked.items():
        number = max((_number(project, path) for path in paths), default=0)
        if number:
            commits[commit] = number
    _write(project, salt, tips, commits)
    return max(commits.values(), default=0)


def full_scan(project: Project) -> int:
    """The highest id number in the history of every ref, walking all of it."""
    return max((_number(project, path)
                for path in git.files_in_all_refs(project.root, project.config.stories_dir)), default=0)


def _number(project: Project, path: str) -> int:
    story_id = project.file_id(posixpath.basename(path))
    return (ids.id_number(story_id, project.config.id_prefix) or 0) if story_id else 0


def _read(project: Project, salt: str) -> tuple[list[str], dict[str, int]] | None:
    if not usable(project.config.state_path):
        return None
    try:
        with paused_gc():
            data: Any = json.loads(cache_path(project).read_bytes())
    except (OSError, ValueError):
        return None
    if (not isinstance(data, dict) or data.get("format") != FORMAT or data.get("storykit") != __version__
            or data.get("salt") != salt):
        return None
    tips, commits = data.get("tips"), data.get("commits")
    if (not isinstance(tips, list) or not all(isinstance(t, str) and _is_sha(t) for t in tips)
            or tips != sorted(set(tips)) or not isinstance(commits, dict)
            or not all(_is_sha(c) and type(n) is int and n > 0 for c, n in commits.items())):
        return None
    return tips, commits


def _is_sha(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def _write(project: Project, salt: str, tips: list[str], commits: dict[str, int]) -> None:
    state = project.config.state_path
    if not usable(state):
        return
    data = {"format": FORMAT, "storykit": __version__, "salt": salt, "tips": tips,
            "commits": dict(sorted(commits.items()))}
    try:
        _write_file(state, cache_path(project), json.dumps(data, separators=(",", ":")).encode("ascii"))
    except OSError:
        pass  # a read-only checkout, a full disk: simply no cache


def work_tree_numbers(project: Project) -> list[int]:
    """The id number of every story in the stories folder: its front matter's id, or
    the file name's when the file cannot be read (as ``Project.entries`` reads them),
    each front matter parsed only when its file changed since the last time (kept by
    file name, size and ``mtime_ns``, with the front-matter cache's rules: a file
    modified less than 2 s before is not stored)."""
    config = project.config
    folder = config.stories_path
    try:
        found = [(entry.name, entry.stat()) for entry in os.scandir(folder)
                 if entry.name.endswith(".md") and not entry.name.startswith(".") and entry.is_file()]
    except OSError:
        project.story_files()  # the folder is missing: its error, as every command gives it
        raise
    salt = "\0".join((str(folder), config.id_prefix))
    stored = _read_ids(project, salt)
    numbers: list[int] = []
    kept: dict[str, list[int]] = {}
    missed: list[str] = []
    for name, stat in found:
        entry = stored.get(name)
        if entry is not None and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
            kept[name] = entry
            numbers.append(entry[2])
        else:
            missed.append(name)
    if missed:  # read as Project.entries reads them: the front-matter cache, else parsed on every core
        from storykit.project.cache import MetaCache

        metas = MetaCache(config.state_path, folder)
        paths = [folder / name for name in missed]
        metas.read_ahead(paths, load_meta)
        load = load_meta
        fresh = time.time_ns() - RACY_NS
        for path in paths:
            try:
                number = ids.id_number(str(metas.meta(path, load)["id"]), config.id_prefix) or 0
            except (StorykitError, OSError):  # unreadable: its file name's id (not stored)
                story_id = project.file_id(path.name)
                numbers.append((ids.id_number(story_id, config.id_prefix) or 0) if story_id else 0)
                continue
            numbers.append(number)
            size, mtime = metas.stamps[path.name]  # the stamp the front matter was read under
            if mtime < fresh:
                kept[path.name] = [size, mtime, number]
        if len(missed) == len(found):  # every file visited (else the others would look deleted)
            metas.save()
    if kept != stored:
        _write_ids(project, salt, kept)
    return numbers


def _read_ids(project: Project, salt: str) -> dict[str, list[int]]:
    if not usable(project.config.state_path):
        return {}
    try:
        with paused_gc():
            data: Any = json.loads(ids_path(project).read_bytes())
    except (OSError, ValueError):
        return {}
    if (not isinstance(data, dict) or data.get("format") != FORMAT or data.get("storykit") != __version__
            or data.get("salt") != salt or not isinstance(data.get("files"), dict)):
        return {}
    files: dict[str, list[int]] = {
        name: entry for name, entry in data["files"].items()
        if isinstance(entry, list) and len(entry) == 3 and all(type(n) is int for n in entry)}
    return files


def _write_ids(project: Project, salt: str, files: dict[str, list[int]]) -> None:
    state = project.config.state_path
    if not usable(state):
        return
    data = {"format": FORMAT, "storykit": __version__, "salt": salt, "files": dict(sorted(files.items()))}
    try:
        _write_file(state, ids_path(project),
                    json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogateescape"))
    except (OSError, ValueError):
        pass  # a read-only checkout, a full disk, a name the locale cannot encode: simply no cache


def ids_path(project: Project) -> Path:
    return project.config.state_path / "cache" / "story-ids.json"
