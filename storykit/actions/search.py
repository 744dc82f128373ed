"""``storykit search``: the stories whose title or body mentions a text.

Case-insensitive, over the title and the whole body (notes included; the front
matter's run records are not searched).  A file that does not contain the text
at all is skipped before it is parsed, so a search costs one read per story.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from storykit.errors import StorykitError
from storykit.story.model import BOM, read_text, split_front
from storykit.story.markdown import split_lines

if TYPE_CHECKING:
    from storykit.project.store import Project

MAX_MATCHES = 20  # per story, in --json


@dataclass
class Match:
    where: str  # "title", or the ## section the line is in ("header" before the first)
    line: int  # 1-based line of the file; 0 for the title
    text: str  # the line, stripped


@dataclass
class Found:
    story_id: str
    title: str
    status: str
    path: Path
    matches: list[Match] = field(default_factory=list)


def search(project: Project, text: str) -> list[Found]:
    """The stories that mention ``text``, sorted by id, each with its matches."""
    needle = text.casefold()
    if not needle.strip():
        raise StorykitError("the search text is empty", hint="give a word or phrase to look for")
    found = []
    for entry in project.entries():
        raw = read_text(entry.path)
        if needle not in raw.casefold():
            continue
        front, body = split_front(raw[1:] if raw.startswith(BOM) else raw, entry.path)  # the meta is read already
        title = str(entry.meta.get("title", ""))
        result = Found(entry.id, title, str(entry.meta.get("status")), entry.path)
        if needle in title.casefold():
            result.matches.append(Match("title", 0, title))
        offset = len(front.splitlines())  # body line i is file line offset + i + 1
        where, fence = "header", None
        for index, line in enumerate(split_lines(body)):
            # The ## section a line is in, outside fenced code (a label, so a light scan does).
            stripped = line.lstrip()
            if stripped.startswith(("```", "~~~")):
                fence = None if fence == stripped[:3] else fence or stripped[:3]
            elif fence is None and line.startswith("## "):
                where = line[3:].strip()
            if needle in line.casefold() and len(result.matches) < MAX_MATCHES:
                result.matches.append(Match(where, offset + index + 1, line.strip()))
        if result.matches:
            found.append(result)
    return found
