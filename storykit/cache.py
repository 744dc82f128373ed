"""A cache of the stories' front matter in ``.storykit/`` (git-ignored).

Parsing YAML is what a listing of 10,000 stories costs (docs/performance.md);
with this cache, a story whose file is unchanged is not read at all.

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
  failing to write it is ignored too: the cache may make storykit faster, never
  make a command fail.
- It is written through a temporary file and ``os.replace``, so a reader sees
  the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from storykit import __version__

FORMAT = 1
FILE_NAME = "front-matter.json"
RACY_NS = 2_000_000_000

Meta = dict[str, Any]


class MetaCache:
    """Front matter of the story files in one folder, by file name.

    One pass over the folder: :meth:`meta` for each file, then :meth:`save`.  A
    later pass in the same process (after storykit wrote a story) starts from
    what was saved, without reading the file again.
    """

    def __init__(self, state_dir: Path, folder: Path) -> None:
        self.state_dir = state_dir
        self.path = state_dir / "cache" / FILE_NAME
        self.folder = str(folder)
        self._stored = self._read()
        self._hits: dict[str, list[Any]] = {}
        self._misses: dict[str, list[Any]] = {}

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError):  # missing, unreadable, not UTF-8, not JSON
            return {}
        if (not isinstance(data, dict) or data.get("format") != FORMAT or data.get("storykit") != __version__
                or data.get("folder") != self.folder or not isinstance(data.get("entries"), dict)):
            return {}
        return data["entries"]  # type: ignore[no-any-return]

    def meta(self, path: Path, load: Callable[[Path], Meta]) -> Meta:
        """The front matter of ``path``: from the cache while the file is unchanged,
        else from ``load(path)``."""
        stat = path.stat()
        size, mtime = stat.st_size, stat.st_mtime_ns
        entry = self._stored.get(path.name)
        if (isinstance(entry, list) and len(entry) == 3 and entry[0] == size and entry[1] == mtime
                and isinstance(entry[2], dict)):
            self._hits[path.name] = entry
            return entry[2]
        meta = load(path)
        self._misses[path.name] = [size, mtime, meta]
        return meta

    def save(self) -> None:
        """Write the cache if it changed: the entries read now, nothing else."""
        fresh = time.time_ns() - RACY_NS
        new = {name: entry for name, entry in self._misses.items() if entry[1] < fresh and _exact(entry[2])}
        entries = {**self._hits, **new}
        changed = bool(new) or self._hits.keys() != self._stored.keys()
        self._stored, self._hits, self._misses = entries, {}, {}
        if not changed:
            return
        data = {"format": FORMAT, "storykit": __version__, "folder": self.folder,
                "entries": dict(sorted(entries.items()))}
        try:
            self._write(json.dumps(data, ensure_ascii=False).encode("utf-8"))
        except OSError:
            pass  # read-only checkout, full disk: simply no cache

    def _write(self, data: bytes) -> None:
        if not self.state_dir.is_dir():
            self.state_dir.mkdir(parents=True)
            (self.state_dir / ".gitignore").write_text("*\n", encoding="utf-8")  # as `storykit init` does
        self.path.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{FILE_NAME}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _exact(meta: Meta) -> bool:
    """True when ``meta`` reads back from JSON exactly as it is."""
    try:
        return json.loads(json.dumps(meta)) == meta
    except (TypeError, ValueError):  # a date, a set, a NaN...
        return False
