"""A cache of the stories' front matter in ``.storykit/cache/`` (git-ignored).

Parsing YAML is what a listing of 10,000 stories costs (docs/performance.md);
with this cache, a story whose file is unchanged is not parsed at all.

The rules that keep it correct:
- An entry is used only while its file has the same size and ``mtime_ns`` as
  when it was stored; any edit that changes either is a miss, and the file is
  parsed again.
- A file modified less than ``RACY_NS`` before the cache is written is not
  stored: an edit in the same clock tick that kept the size would otherwise
  look unchanged (git's "racy clean" problem).
- Only front matter that survives a JSON round trip unchanged is stored, so a
  hit returns exactly what parsing would (YAML dates or integer keys are simply
  parsed every time).
- A missing, corrupt, foreign or older-format cache file is ignored and rebuilt;
  failing to write one is ignored too: the cache may make storykit faster, never
  make a command fail.
- Files are written through a temporary file and ``os.replace``, so a reader
  sees the old file or the new one, never half of one.

The entries are spread over ``SHARDS`` files by a hash of the story's file name,
so a command that changed one story rewrites a sixty-fourth of the cache, not all;
in a fresh clone, each file is one task of the read on every core
(storykit.project.loading): small tasks, so the cores finish close together.
"""

from __future__ import annotations

import contextlib
import gc
import copy
import json
import os
import pickle
import tempfile
import time
import zlib
from array import array
from collections.abc import Callable, Iterator
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from storykit import __version__
from storykit.errors import StorykitError


FORMAT = 4  # 4: written by orjson, which never writes an integer it would read back as a float
SHARDS = 64
RACY_NS = 2_000_000_000

Meta = dict[str, Any]
Stamp = tuple[int, int]  # a file's (size, mtime_ns)
Error = tuple[str, "str | None"]  # a StorykitError's message and hint
# What a worker read of one file: its stamp, taken before reading it; its front matter
# or the error reading it raised (neither: it could not be read at all); whether the worker
# stored it in the shard it wrote.
Read = tuple[Stamp, "Meta | None", "Error | None", bool]
_CHUNK = 250  # files a worker reads at a time, when it writes no shard


class Reads(NamedTuple):
    """What a worker read of a group of files, and each front matter's JSON as it encoded
    it for the shard it wrote (``as_json``; None: not encoded, or not exact)."""

    reads: list[Read]
    texts: list[bytes | None]


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside: decoding the cache of 10,000 stories
    makes millions of objects and no cycles, and collections during it only walk
    them again (decoding is 30% faster without)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def usable(state_dir: Path) -> bool:
    """Whether storykit may read and write its cache under ``state_dir``: a real folder
    inside the project, never a symlink (a pull request can commit ``.storykit`` as a
    link to anywhere, and ``check`` must write nothing outside the checkout)."""
    try:
        for folder in (state_dir, state_dir / "cache"):
            if folder.is_symlink() or folder.exists() and not folder.is_dir():
                return False
        return state_dir.resolve().parent == state_dir.parent.resolve()
    except OSError:
        return False


def shard_of(name: str) -> int:
    """The shard a story file's entry lives in (stable across runs and machines)."""
    return zlib.crc32(name.encode("utf-8")) % SHARDS


class MetaCache:
    """Front matter of the story files in one folder, by file name.

    One pass over the folder: :meth:`meta` for each file, then :meth:`save`.  A
    later pass in the same process (after storykit wrote a story) starts from
    what was saved, without reading the files again.
    """

    def __init__(self, state_dir: Path, folder: Path, kind: str = "front-matter", salt: str = "") -> None:
        """``kind`` names the cache's files; ``salt`` is everything besides the file
        that the cached values depend on (a change of it empties the cache)."""
        self.state_dir = state_dir
        self.folder = str(folder)
        self.kind = kind
        self.salt = salt
        self._stored: dict[str, list[Any]] = {}
        self.enabled = usable(state_dir)  # else simply no cache: every file is parsed
        for index in range(SHARDS if self.enabled else 0):
            self._stored.update(self._read(self.path(index)))
        self._hits: dict[str, list[Any]] = {}
        self._misses: dict[str, list[Any]] = {}
        self._ahead: dict[str, Read] = {}  # name -> what was read ahead in this pass, until taken
        self._taken_ahead: set[str] = set()  # the names meta() took from what was read ahead in this pass
        self.stamps: dict[str, tuple[int, int]] = {}  # name -> (size, mtime_ns) of each file seen

    def path(self, index: int) -> Path:
        return self.state_dir / "cache" / f"{self.kind}-{index:02d}.json"

    def _read(self, path: Path) -> dict[str, Any]:
        try:
            raw = path.read_bytes()
        except OSError:
            return {}
        try:
            with paused_gc():
                data = orjson.loads(raw)
        except ValueError:  # not UTF-8, not JSON
            return {}
        if (not isinstance(data, dict) or data.get("format") != FORMAT or data.get("storykit") != __version__
                or data.get("folder") != self.folder or data.get("salt", "") != self.salt
                or not isinstance(data.get("entries"), dict)):
            return {}
        return data["entries"]  # type: ignore[no-any-return]

    def unknown(self, paths: list[Path]) -> list[Path]:
        """The files with no entry at all (as in a fresh clone: all of them)."""
        return [path for path in paths if path.name not in self._stored]

    def read_ahead(self, paths: list[Path], load: Callable[[Path], Meta],
                   each: Callable[[list[Path]], None] | None = None) -> None:
        """Parse the files with no entry (a fresh clone's: all of them) on every core
        (storykit.project.loading), so that :meth:`meta` only takes the results.

        With no entry at all (a fresh clone, a new storykit), each worker reads whole
        shards and writes them itself, as :meth:`save` would have: the entries are
        encoded on every core, and never sent back to this process as text.  Too few
        files, one core, or no safe fork: nothing happens, and :meth:`meta` reads each file.

        ``each(paths)`` is called with each group of files as soon as it is in (read here,
        or sent by a worker), while the workers still read: :meth:`meta` gives each of them
        as it was read ahead."""
        from storykit.project import loading

        unknown = self.unknown(paths)
        if not loading.worth_it(len(unknown)):
            return
        write = self.enabled and not self._stored
        groups: list[list[str]]
        if write:
            by_shard: dict[int, list[str]] = {}
            for path in unknown:
                by_shard.setdefault(shard_of(path.name), []).append(str(path))
            groups = [sorted(group, key=os.path.basename) for _, group in sorted(by_shard.items())]
        else:
            names = [str(path) for path in unknown]
            size = max(_CHUNK, -(-len(names) // loading.MAX_TASKS))  # a huge project: larger groups
            groups = [names[i:i + size] for i in range(0, len(names), size)]
        ahead = self._ahead
        by_name = {path.name: path for path in unknown} if each is not None else {}

        def taken(index: int, result: Reads) -> None:
            names = [os.path.basename(name) for name in groups[index]]
            for name, read in zip(names, result.reads, strict=True):
                ahead[name] = read
            if each is not None:
                each([by_name[name] for name in names])

        loading.on_every_core(lambda group: self._read_group(group, load, write), groups, taken=taken,
                              send=_sent, receive=_received)

    def _read_group(self, group: list[str], load: Callable[[Path], Meta], write: bool) -> Reads:
        """In a worker: each file's stamp (taken before reading it) and front matter, or
        the error reading it raised; with ``write``, ``group`` is one whole shard, which
        is written with every entry that may be stored."""
        out: list[Read] = []
        texts: list[bytes | None] = []
        for name in group:
            path = Path(name)
            try:
                stat = os.stat(name)
                stamp = (stat.st_size, stat.st_mtime_ns)
            except OSError:
                stamp = (-1, -1)
            try:
                meta = load(path)
            except StorykitError as exc:
                out.append((stamp, None, (exc.message, exc.hint), False))
                texts.append(None)
                continue
            except OSError:  # gone or unreadable since it was listed: meta() reads it and says why
                out.append((stamp, None, None, False))
                texts.append(None)
                continue
            out.append((stamp, meta, None, False))
            texts.append(as_json(meta) if write else None)
        if not write:
            return Reads(out, texts)
        fresh = time.time_ns() - RACY_NS  # after reading: a file written since is not stored
        keep = [index for index, text in enumerate(texts)
                if text is not None and 0 <= out[index][0][1] < fresh]
        parts = [_entry(os.path.basename(group[i]), *out[i][0], texts[i]) for i in keep]  # type: ignore[arg-type]
        try:
            self._write(self.path(shard_of(os.path.basename(group[0]))), self._shard(parts))
        except (OSError, ValueError, TypeError):
            return Reads(out, texts)  # no cache written: this process stores what it can
        for index in keep:
            out[index] = (*out[index][:3], True)  # type: ignore[assignment]
        return Reads(out, texts)

    def meta(self, path: Path, load: Callable[[Path], Meta]) -> Meta:
        """The front matter of ``path``: what :meth:`read_ahead` read of it in this pass
        (with the stamp taken before reading it: a later change is seen by the next pass),
        else the cache's while the file is unchanged, else ``load(path)``."""
        name = path.name
        if self._ahead:
            ahead = self._ahead.pop(name, None)
            if ahead is not None and (ahead[1] is not None or ahead[2] is not None):
                self._taken_ahead.add(name)
                return self._taken(name, *ahead)
        stat = path.stat()
        size, mtime = stat.st_size, stat.st_mtime_ns
        self.stamps[name] = (size, mtime)
        entry = self._stored.get(name)
        if (isinstance(entry, list) and len(entry) == 3 and entry[0] == size and entry[1] == mtime
                and isinstance(entry[2], dict)):
            self._hits[name] = entry
            return entry[2]
        meta = load(path)
        self._misses[name] = [size, mtime, meta]
        return meta

    def taken_ahead(self) -> int:
        """How many files :meth:`meta` gave in this pass as :meth:`read_ahead` read them
        (all of them in a fresh clone)."""
        return len(self._taken_ahead)

    def read_in_this_pass(self, path: Path) -> bool:
        """Whether :meth:`meta` gave ``path``'s entry as :meth:`read_ahead` read it in this
        pass (not from the cache, where it is as old as the last pass): what was read with
        it, under stamps taken before reading, is as current as the entry."""
        return path.name in self._taken_ahead

    def _taken(self, name: str, stamp: Stamp, meta: Meta | None, error: Error | None, stored: bool) -> Meta:
        """A file read ahead: its front matter, as read after ``stamp`` was taken."""
        self.stamps[name] = stamp
        if error is not None:
            raise StorykitError(error[0], hint=error[1])
        assert meta is not None
        entry: list[Any] = [stamp[0], stamp[1], meta]
        if stored:  # in the shard the worker wrote: a hit, as if read from it
            self._hits[name] = entry
        else:
            self._misses[name] = entry
        return meta

    def save(self) -> None:
        """Write the shards that changed: new entries, or entries of deleted files.

        A story just written (too fresh to store) rewrites nothing: its stale entry
        stays until its shard is written again, and is a miss meanwhile."""
        fresh = time.time_ns() - RACY_NS
        new: dict[str, list[Any]] = {}
        encoded: dict[str, bytes] = {}  # name -> its front matter's JSON, encoded once (checked and written)
        for name, entry in self._misses.items():
            if entry[1] < fresh:
                text = as_json(entry[2])
                if text is not None:
                    new[name], encoded[name] = entry, text
        gone = self._stored.keys() - self._hits.keys() - self._misses.keys()
        dirty = {shard_of(name) for name in new.keys() | gone}
        entries = {**self._hits, **new}
        self._stored, self._hits, self._misses, self._ahead = entries, {}, {}, {}
        self._taken_ahead = set()
        if not dirty or not self.enabled:
            return
        try:
            shards: dict[int, list[bytes]] = {index: [] for index in dirty}
            for name in sorted(entries):
                index = shard_of(name)
                if index in shards:
                    size, mtime, meta = entries[name]
                    text = encoded.get(name)
                    if text is None:  # a hit, read by orjson (or checked by a worker): exact
                        text = orjson.dumps(meta)
                    shards[index].append(_entry(name, size, mtime, text))
            for index, part in shards.items():
                self._write(self.path(index), self._shard(part))
        except (OSError, ValueError, TypeError):
            pass  # read-only checkout, full disk, a name the locale cannot encode: simply no cache

    def _shard(self, entries: list[bytes]) -> bytes:
        """A shard's bytes: the document that reads as {..., "entries": {name: [size, mtime,
        meta]}}, built from entries encoded once each (``_entry``), sorted by name."""
        head = _text_json({"format": FORMAT, "storykit": __version__, "folder": self.folder, "salt": self.salt})
        return b"%b,\"entries\":{%b}}" % (head[:-1], b",".join(entries))

    def _write(self, path: Path, data: bytes) -> None:
        _write_file(self.state_dir, path, data)


def _entry(name: str, size: int, mtime: int, text: bytes) -> bytes:
    """One entry of a shard, its front matter already encoded (``as_json``)."""
    return b"%b:[%d,%d,%b]" % (_text_json(name), size, mtime, text)


def _text_json(value: Any) -> bytes:
    """``value`` as JSON, a text in it that is no UTF-8 (a file name's undecodable bytes,
    which orjson refuses) written as those bytes: json.dumps, then surrogateescape."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=_COMPACT).encode("utf-8", "surrogateescape")


def _write_file(state_dir: Path, path: Path, data: bytes) -> None:
    """Atomically write a cache file, creating storykit's git-ignored folder if needed."""
    if not state_dir.is_dir():
        try:  # another process (a worker of the same command) may create it at the same moment
            state_dir.mkdir(parents=True)
        except FileExistsError:
            if not state_dir.is_dir():
                raise
        else:  # the process that made the folder git-ignores it, as `storykit init` does
            (state_dir / ".gitignore").write_text("*\n", encoding="utf-8")
    path.parent.mkdir(exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_COMPACT = (",", ":")


class Exact(dict):  # type: ignore[type-arg]
    """A value its maker proved JSON-exact: str keys, and as values only text, whole
    numbers, finite decimals, booleans, None, lists and such mappings
    (storykit.actions.check marks what the fast front-matter reader read; it never reads
    an infinity).  It encodes as the same dict would (an integer beyond 64 bits, orjson
    refuses: not kept); ``as_json`` skips reading it back, half of what it costs."""

    __slots__ = ()


def as_json(meta: Meta) -> bytes | None:
    """``meta`` as compact JSON (orjson) when it reads back exactly as it is, else None:
    a date, a set, a tuple, a key that is not text, NaN or an infinity (orjson writes
    null), an integer beyond 64 bits, a lone surrogate."""
    try:
        data = orjson.dumps(meta)
    except TypeError:  # orjson.JSONEncodeError
        return None
    if type(meta) is Exact:
        return data
    return data if orjson.loads(data) == meta else None


def _sent(group: Reads) -> bytes:
    """What a worker read of one group, as bytes for the command (``loading.on_every_core``'s
    ``send``): each front matter as it encoded it for its shard, proven exact, in one JSON
    document with the stamps, errors and whether it was stored; pickled when a front matter
    has no such text (not written, or not exact)."""
    items: list[Any] = []
    for (stamp, meta, error, stored), text in zip(*group, strict=True):
        if meta is not None and text is None:
            return b"P" + pickle.dumps(group, protocol=pickle.HIGHEST_PROTOCOL)
        items.append((stamp[0], stamp[1], None if text is None else orjson.Fragment(text), error, stored))
    try:
        return b"J" + orjson.dumps(items)
    except TypeError:  # an error's message with a lone surrogate (a file name)
        return b"P" + pickle.dumps(group, protocol=pickle.HIGHEST_PROTOCOL)


def _received(data: bytes) -> Reads:
    """A worker's ``_sent`` bytes, back into its reads (as it read them)."""
    if data[:1] == b"P":
        return pickle.loads(data[1:])  # type: ignore[no-any-return]
    return Reads([((size, mtime), meta, None if error is None else (error[0], error[1]), stored)
                  for size, mtime, meta, error, stored in orjson.loads(memoryview(data)[1:])], [])


def _stamped(hasher: Any, stamps: dict[str, Stamp]) -> None:
    """Every file's name, size and mtime_ns into ``hasher``, in name order: their count
    and the names, then the numbers as 64-bit integers (a third of the time of formatting them
    at 10,000 stories); a stamp beyond 64 bits (none on any file system) as its text."""
    names = sorted(stamps)
    joined = "\0".join(names)  # (no file name holds a NUL)
    hasher.update(f"{len(names)}\0{joined}\0".encode("utf-8", "surrogateescape"))
    try:
        hasher.update(array("q", chain.from_iterable(map(stamps.__getitem__, names))).tobytes())
    except OverflowError:
        hasher.update(repr([stamps[name] for name in names]).encode())


class ResultCache:
    """One value computed from a whole set of files, kept while none of them changed.

    ``storykit check`` keeps its cross-story findings (ids, dependencies, cycles, the
    tracker) here, keyed on the stamps of every story file and the tracker: the same
    files give the same findings.  Never stored while any file is too fresh to trust
    its stamp (the racy-clean rule of MetaCache)."""

    def __init__(self, state_dir: Path, name: str, stamps: dict[str, tuple[int, int]], salt: str) -> None:
        import hashlib

        self.path = state_dir / "cache" / f"{name}.json"
        self.state_dir = state_dir
        hasher = hashlib.sha256(f"{FORMAT}\0{__version__}\0{salt}".encode())
        _stamped(hasher, stamps)
        self.key = hasher.hexdigest()
        self.enabled = usable(state_dir)
        self.storable = self.enabled and all(mtime < time.time_ns() - RACY_NS for _, mtime in stamps.values())

    def also(self, name: str, more: dict[str, tuple[int, int]]) -> ResultCache:
        """The cache of another value computed from the same files and ``more`` (a few
        files more): keyed on this one's key, so their stamps are not hashed again."""
        import hashlib

        other = copy.copy(self)
        other.path = self.state_dir / "cache" / f"{name}.json"
        hasher = hashlib.sha256(f"{self.key}\0{name}".encode())
        _stamped(hasher, more)
        other.key = hasher.hexdigest()
        other.storable = self.storable and all(mtime < time.time_ns() - RACY_NS for _, mtime in more.values())
        return other

    def get(self) -> Any:
        if not self.enabled:
            return None
        try:
            data = orjson.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return None
        return data.get("value") if isinstance(data, dict) and data.get("key") == self.key else None

    def put(self, value: Any) -> None:
        if not self.storable:
            return
        try:
            _write_file(self.state_dir, self.path, orjson.dumps({"key": self.key, "value": value}))
        except (OSError, ValueError, TypeError):  # (TypeError: orjson.JSONEncodeError, a value it cannot write)
            pass
