"""``storykit note``: a dated, signed one-line note in a story's Handoff Notes.

A note is one line: newlines (and runs of spaces) in its text are folded into one
space, so no note can start a heading or end the list.  It goes after the last
line of the story's ``## Handoff Notes`` section (replacing the template's
placeholder line), or of a ``## Notes`` section, which is made before
``## Completion Checklist`` when the story has neither.
"""

from __future__ import annotations

import getpass
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from storykit import git
from storykit.actions.edit import edit
from storykit.errors import StorykitError
from storykit.story.markdown import Document, replace_lines

if TYPE_CHECKING:
    from storykit.project.store import Project
    from storykit.story.model import Story

SECTIONS = ("Handoff Notes", "Notes")
PLACEHOLDER = "- [What the next story needs to know]"
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s|^\s{2,}\S")


@dataclass
class Noted:
    story_id: str
    path: Path
    section: str
    date: str
    by: str
    text: str


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines too) folded into one space."""
    return " ".join(text.split())


def author(project: Project, story: Story) -> str:
    """Who writes the note, when --by is not given: git's user.name, else the story's agent."""
    try:
        name = git.config_get(project.root, "user.name") or ""
    except (StorykitError, FileNotFoundError):  # not a repository, or no git at all
        name = ""
    return name or str(story.meta.get("agent") or "") or getpass.getuser()


def add_note(body: str, story_id: str, line: str) -> tuple[str, str]:
    """(the body with ``line`` added, the section it went to)."""
    doc = Document(body)
    for name in SECTIONS:
        span = doc.section(name)
        if span is None:
            continue
        start, end = span
        title = next(h.title for h in doc.headings if h.line == start - 1)
        for index in range(start, end):
            if index not in doc.code and doc.lines[index].rstrip("\r\n") == PLACEHOLDER:
                return replace_lines(body, index, index + 1, line), title
        last = end - 1
        while last >= start and (not doc.lines[last].strip() or _RULE.match(doc.lines[last].rstrip("\r\n"))):
            last -= 1
        if last < start:
            return replace_lines(body, start, start, "\n" + line), title
        spacer = "" if _LIST_ITEM.match(doc.lines[last]) else "\n"
        return replace_lines(body, last + 1, last + 1, spacer + line), title
    checklist = next((h.line for h in doc.headings if h.level == 2 and h.title.startswith("Completion Checklist")),
                     None)
    if checklist is None:
        raise StorykitError(f"{story_id} has no '## Handoff Notes' section, nor a '## Completion Checklist' to put "
                            f"a '## Notes' section before", hint="restore the sections from the template or git")
    return replace_lines(body, checklist, checklist, f"## Notes\n\n{line}\n---\n\n"), "Notes"


def note(project: Project, ref: str, text: str, *, by: str | None = None) -> Noted:
    """Append the note to the story and save it."""
    folded = one_line(text)
    if not folded:
        raise StorykitError("the note is empty", hint="give the text of the note")

    def change(story: Story) -> Noted:
        who = one_line(by) if by and one_line(by) else author(project, story)
        today = date.today().isoformat()
        story.body, section = add_note(story.body, story.id, f"- {today} ({who}): {folded}\n")
        return Noted(story.id, story.path, section, today, who, folded)

    return edit(project, ref, change)[1]
