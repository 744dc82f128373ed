"""A storykit project: its config, its story files, and lookups across them."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storykit.core import graph, ids
from storykit.project.config import Config
from storykit.errors import StorykitError
from storykit.story.model import Story, load, load_meta

if TYPE_CHECKING:
    from storykit.project.cache import MetaCache


@dataclass(frozen=True, slots=True)
class Entry:
    """One story's front matter and file, as read for listings.

    ``meta`` may be shared with the front-matter cache: read it, never change it
    (load the story to change it)."""

    path: Path
    meta: dict[str, Any]
    # The id as text, made once: the tracker of 10,000 stories asks it 80,000 times.
    id: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", str(self.meta["id"]))


@dataclass(frozen=True)
class Broken:
    """A story file that cannot be read: listings name it once and go on without it."""

    path: Path
    message: str  # "stories/X.md:7: what is wrong; what to do", relative to the project root


def _child_of(folder: Path) -> Callable[[str], Path]:
    """``folder / name`` for a name scandir gave (no separator, never "." or ".."):
    pathlib's own child constructor where it has one, which skips the parse of the name
    (a fifth of the time; 10,000 stories are listed by every command), else ``/``."""
    make = getattr(folder, "_make_child_relpath", None)  # CPython 3.11 to 3.13
    if callable(make):
        return make  # type: ignore[no-any-return]
    return folder.joinpath


class Project:
    def __init__(self, config: Config) -> None:
        self.config = config
        self._entries: list[Entry] | None = None
        self.broken: list[Broken] = []  # of the last entries(): files that could not be read
        self._cache: MetaCache | None = None
        self._paths: dict[str, Path] = {}
        self.stamps: dict[str, tuple[int, int]] | None = None  # of the last entries() read from the folder
        self._file_id = re.compile(re.escape(config.id_prefix) + r"(\d+)(?=-|\.md$)", re.I)

    @property
    def root(self) -> Path:
        return self.config.root

    def rel(self, path: Path) -> str:
        """A path as shown to users and written in stories: relative to the root, with /."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def story_files(self) -> list[Path]:
        # Each Path is built once per Project: a run-tests scans the folder three times.
        files = []
        folder = self.config.stories_path
        child = _child_of(folder)
        for name in self._story_names():
            path = self._paths.get(name)
            if path is None:
                path = self._paths[name] = child(name)
            files.append(path)
        return files

    def _story_names(self, containing: str = "") -> list[str]:
        """The story files' names (those ``containing`` a text), sorted."""
        folder = self.config.stories_path
        if not folder.is_dir():
            raise StorykitError(
                f"the stories folder {self.rel(folder)}/ does not exist",
                hint="run 'storykit init' to create it, or fix stories_dir in the config",
            )
        # scandir: the file type comes with the name, no stat per file (10,000 stories).
        return sorted(entry.name for entry in os.scandir(folder)
                      if containing in entry.name and entry.name.endswith(".md") and not entry.name.startswith(".")
                      and entry.is_file())

    def test_path(self, typed: str, base: Path) -> str:
        """A test path (or node id) as typed in ``base`` (the user's working directory),
        stored relative to the project root with '/'; outside the project is refused."""
        path, sep, node = typed.partition("::")
        target = Path(path) if os.path.isabs(path) else base / path
        try:
            rel = target.resolve().relative_to(self.root.resolve()).as_posix()
        except (ValueError, OSError, RuntimeError):
            raise StorykitError(f"--tests '{typed}' is outside the project ({self.root})",
                                hint="give a test path inside it") from None
        return rel + sep + node

    def parse_id(self, text: str) -> str:
        return ids.parse_id(text, self.config.id_prefix, self.config.id_width)

    def find(self, ref: str) -> Path:
        """The file of a story given as an id (``STORY-001``, ``001``, ``1``) or a path
        inside the stories folder; anything that would leave the folder is refused."""
        folder = self.config.stories_path.resolve()
        if ref.endswith(".md") or "/" in ref or "\\" in ref:
            candidate = Path(ref)
            candidate = (candidate if candidate.is_absolute() else Path.cwd() / candidate).resolve()
            if candidate.parent != folder:
                raise StorykitError(f"'{ref}' is not a story file in {self.rel(folder)}/",
                                    hint="give a story id such as STORY-001, or a file in the stories folder")
            if not candidate.is_file():
                raise StorykitError(f"no story file '{ref}'", hint="run 'storykit list' to see the stories")
            return candidate
        story_id = self.parse_id(ref)
        # Only the names holding the id's number are looked at: one story of 10,000 is one Path.
        digits = str(ids.id_number(story_id, self.config.id_prefix))
        matches = [self.config.stories_path / name for name in self._story_names(digits)
                   if self.file_id(name) == story_id]
        if not matches:
            raise StorykitError(f"no story {story_id} in {self.rel(folder)}/",
                                hint="run 'storykit list' to see the stories")
        if len(matches) > 1:
            names = ", ".join(p.name for p in matches)
            raise StorykitError(f"{story_id} is used by {len(matches)} files ({names})",
                                hint="give one of them a new id with 'storykit renumber'")
        return matches[0]

    def file_id(self, name: str) -> str | None:
        """The id a story file's name starts with (``STORY-001-add-tags.md``)."""
        match = self._file_id.match(name)
        return ids.format_id(int(match.group(1)), self.config.id_prefix, self.config.id_width) if match else None

    def load(self, ref: str) -> Story:
        return load(self.find(ref))

    def entries(self) -> list[Entry]:
        """Every story's front matter, sorted by id (read once, front matter only,
        and only for the files that changed since the last time: storykit.project.cache)."""
        if self._entries is None:
            import gc

            from storykit.project.cache import MetaCache, paused_gc

            if self._cache is None:
                self._cache = MetaCache(self.config.state_path, self.config.stories_path)
            files = self.story_files()
            cache = self._cache
            found, broken = [], []
            with paused_gc():  # thousands of acyclic front matters: nothing for the collector
                cache.read_ahead(files, load_meta)  # a fresh clone's stories, parsed on every core
                for path in files:
                    try:
                        found.append(Entry(path, cache.meta(path, load_meta)))
                    except (StorykitError, OSError) as exc:  # one bad file is one finding, never an outage
                        broken.append(Broken(path, self.relative_message(exc, path)))
                cache.save()
                # What was read stays for the whole command: later collections need not walk
                # it again (at 10,000 stories each full one took 0.1 s).  Frozen before the
                # collector is back, or its first pass walks all of it once (30 ms at 10,000
                # stories).  The command's end unfreezes it (storykit.cli.app.run).
                gc.freeze()
            stamps = cache.stamps
            self.stamps = {name: stamps[name] for name in (p.name for p in files) if name in stamps}
            self.broken = broken
            self._entries = self.sort_entries(found)
        return self._entries

    def relative_message(self, exc: Exception, path: Path) -> str:
        """An error about ``path`` as users see it: the path relative to the root first."""
        reason = getattr(exc, "strerror", None) or exc
        text = str(exc) if isinstance(exc, StorykitError) else f"{path}: cannot be read ({reason})"
        rel = self.rel(path)
        return text.replace(str(path), rel, 1) if text.startswith(str(path)) else f"{rel}: {text}"

    def relative_text(self, text: str) -> str:
        """A message that starts with an absolute path inside the project
        (``/abs/stories/X.md:7: ...``), that path made relative to the root: every
        message names a file as the user sees it from the project."""
        for root in dict.fromkeys((str(self.root), str(self.root.resolve()))):
            prefix = os.path.join(root, "")
            if text.startswith(prefix):
                return text[len(prefix):]
        return text

    def unreadable_ids(self) -> list[str]:
        """The ids the unreadable files' names start with (new ids stay above them)."""
        return [i for i in (self.file_id(b.path.name) for b in self.broken) if i]

    def sort_entries(self, entries: Iterable[Entry]) -> list[Entry]:
        """Entries in the order every listing uses: by id number, then id."""
        return sorted(entries, key=lambda e: (ids.id_number(e.id, self.config.id_prefix) or 0, e.id))

    def blocks_map(self) -> dict[str, list[str]]:
        """id -> the stories that depend on it (derived, never stored: storykit.core.graph)."""
        return graph.blocks(graph.from_entries(self.entries())[0])

    def blocks(self, story_id: str) -> list[str]:
        """The stories that depend on ``story_id``, in natural id order."""
        return self.blocks_map().get(story_id, [])

    def titles(self) -> dict[str, str]:
        return {e.id: str(e.meta.get("title", "")) for e in self.entries()}

    def invalidate(self) -> None:
        """Forget the stories read so far: the next entries() sees the files as they
        are now (only changed files are parsed again: storykit.project.cache)."""
        self._entries = None
        self.stamps = None

    def use_entries(self, entries: list[Entry]) -> None:
        """Take these stories instead of reading the folder (the merge driver renders the
        tracker of stories that are in git's merged trees, not yet on disk)."""
        self._entries = self.sort_entries(entries)
        self.stamps = None  # not read from the folder: nothing to record of the files
