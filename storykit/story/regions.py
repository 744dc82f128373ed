"""The parts of a story body that storykit owns, and nothing else.

Owned: the ``**Status:**`` and ``**Blocks:**`` header lines, the Test Results
section, the completion fields (Last Updated / Completed By / Actual Time), and the
ticks of checklist items tagged ``<!-- storykit:PHASE -->``.  Every other byte of
the body is the user's and is never rewritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storykit.story import evidence
from storykit.errors import StorykitError
from storykit.story.markdown import Document, replace_lines, set_field, split_lines, tick, untick
from storykit.core.workflow import LABELS

if TYPE_CHECKING:
    from storykit.story.outline import Outline

CHECKED_SECTIONS = ("Tasks", "Acceptance Criteria", "Completion Checklist")
# Every template shares these; storykit check insists on them, complete needs them.
MANDATORY_SECTIONS = ("Tasks", "Acceptance Criteria", evidence.SECTION, "Completion Checklist")
COMPLETION_FIELDS = ("Last Updated", "Completed By", "Actual Time")
TAG = "<!-- storykit:"
_PHASE_TAG = re.compile(r"<!-- storykit:([\w-]+) -->")


# The headings as the templates write them, and why storykit needs each one.
_HEADINGS = {
    evidence.SECTION: ("Test Results (MANDATORY)", "storykit writes the test evidence under it"),
    "Tasks": ("Tasks (TDD Order)", "storykit checks its boxes before done"),
    "Acceptance Criteria": ("Acceptance Criteria", "storykit checks its boxes before done"),
    "Completion Checklist": ("Completion Checklist", "storykit checks its boxes before done"),
}


def _missing_section(story_id: str, name: str, doc: Document | Outline) -> StorykitError:
    found = ", ".join(doc.titles()) or "none"
    heading, why = _HEADINGS.get(name, (name, "storykit needs it"))
    return StorykitError(
        f"{story_id} has no '## {name}' section (found: {found})",
        hint=f"restore the heading '## {heading}' ({why}) from git or the template, then run again",
    )


def _missing_field(story_id: str, label: str) -> StorykitError:
    return StorykitError(
        f"{story_id} has no '**{label}:**' line",
        hint=f"restore the line '**{label}:** ...' (see the template) and run again",
    )


_TOP_HEADING = re.compile(r"^ {0,3}#{1,2}(?:[ \t]|[\r\n]*$)")


def _results_span(story_id: str, doc: Document) -> tuple[int, int]:
    """The Test Results section's line range.

    Refused when a block opened in it (a fence, an HTML comment) is never closed or
    hides a ``## heading``: the section would then reach over sections the user
    sees as separate, and rewriting it would delete them.
    """
    span = doc.section(evidence.SECTION)
    if span is None:
        raise _missing_section(story_id, evidence.SECTION, doc)
    start, end = span
    probe = Document("".join(doc.lines[start:end]) + "\n\n## storykit-probe\n")
    hidden = None
    if probe.titles()[-1:] != ["storykit-probe"]:
        line = end - 1
        while line > start and line - 1 in doc.code:
            line -= 1
        hidden = f"the block opened by '{doc.lines[line].strip()}' is never closed"
    else:
        ours = {line for info, _, first, last in doc.fences if evidence.output_key(info) is not None
                for line in range(first, last)}
        for line in range(start, end):
            if line not in ours and _TOP_HEADING.match(doc.lines[line]):
                hidden = f"'{doc.lines[line].strip()}' is hidden inside a code block or HTML comment"
                break
    if hidden:
        raise StorykitError(
            f"{story_id}: in its '## {evidence.SECTION}' section {hidden}, and storykit rewrites that whole section",
            hint="close the block before the next section (or restore the section from git), then run again",
        )
    return span


def require_present(story_id: str, body: str) -> None:
    """The quick form of :func:`require`: the Test Results section and the Status line
    are there, found by a line scan (storykit.story.outline) instead of a Markdown parse."""
    from storykit.story.outline import Outline

    outline = Outline(body)
    if outline.section(evidence.SECTION) is None:
        raise _missing_section(story_id, evidence.SECTION, outline)
    if outline.field_line("Status") is None:
        raise _missing_field(story_id, "Status")


def require(story_id: str, body: str, sections: tuple[str, ...] = (evidence.SECTION,),
            fields: tuple[str, ...] = ("Status",)) -> Document:
    """Parse the body and insist that storykit's regions are present (checked before
    any test runs, so a hand-edited story is refused before the run, not after)."""
    doc = Document(body)
    for name in sections:
        if doc.section(name) is None:
            raise _missing_section(story_id, name, doc)
    if evidence.SECTION in sections:
        _results_span(story_id, doc)
    for label in fields:
        if doc.field_line(label) is None:
            raise _missing_field(story_id, label)
    return doc


def set_header(story_id: str, body: str, status: str, blocks: list[str] | None = None) -> str:
    """The body with its Status (and, when given, Blocks) line brought up to date."""
    try:
        body = set_field(body, "Status", LABELS[status])
    except KeyError:
        raise _missing_field(story_id, "Status") from None
    if blocks is not None and Document(body).field_line("Blocks") is not None:
        body = set_field(body, "Blocks", blocks_line(blocks))
    return body


def blocks_line(blocks: list[str]) -> str:
    return ", ".join(blocks) if blocks else "None"


def dependencies_line(dependencies: list[str]) -> str:
    return ", ".join(dependencies) if dependencies else "None"


def test_results(story_id: str, body: str, meta: dict[str, Any], new_outputs: dict[str, str], *,
                 evidence_file: str | None = None) -> str:
    """The body with its Test Results section re-rendered from ``meta``; recorded
    outputs already there are kept unless ``new_outputs`` replaces them (an empty
    text removes one)."""
    doc = Document(body)
    start, end = _results_span(story_id, doc)
    outputs = evidence.outputs_in("".join(doc.lines[start:end]))
    outputs.update(new_outputs)
    runs = meta.get("runs") or {}
    outputs = {phase: text for phase, text in outputs.items()
               if text and (phase in runs or (phase == evidence.TESTS_DIFF and "green" in runs))}
    from storykit.story.measurements import has_region

    return replace_lines(body, start, end, "\n" + evidence.render(meta, outputs, evidence_file=evidence_file,
                                                                  measurements=not has_region(body)))


def tick_tagged(body: str, phases: tuple[str, ...]) -> str:
    """Tick the checklist items storykit has verified (tagged with one of ``phases``)."""
    doc = Document(body)
    markers = tuple(f"{TAG}{phase} -->" for phase in phases)
    lines = list(doc.lines)
    for box in doc.checkboxes():
        if not box.checked and any(m in lines[box.line] for m in markers):
            lines[box.line] = tick(lines[box.line])
    return "".join(lines)


def unticked(body: str) -> list[tuple[str, str]]:
    """(section, item) for each unticked item a person must tick before done."""
    return [(item.section, item.text) for item in checklist(body) if not item.checked and item.phase is None]


@dataclass(frozen=True)
class Item:
    """A checklist item of Tasks, Acceptance Criteria or Completion Checklist.

    ``number`` counts every item of those sections in order, ticked or not, tagged
    or not, so ticking one never renumbers the others ('storykit show' prints it,
    'storykit tick' takes it).  ``text`` is without storykit's tag; ``phase`` is the
    tag's phase (storykit ticks the item itself), or None (a person ticks it)."""

    number: int
    section: str
    line: int
    checked: bool
    text: str
    phase: str | None


def checklist(body: str) -> list[Item]:
    doc = Document(body)
    found: list[Item] = []
    for name in CHECKED_SECTIONS:
        span = doc.section(name)
        if span is None:
            continue
        for box in doc.checkboxes(*span):
            tag = _PHASE_TAG.search(box.text)
            text = box.text[:tag.start()].strip() if tag else box.text
            found.append(Item(len(found) + 1, name, box.line, box.checked, text, tag.group(1) if tag else None))
    return found


def set_checked(body: str, items: list[Item], checked: bool) -> str:
    """The body with these items ticked (or unticked); every other byte kept."""
    lines = split_lines(body)
    for item in items:
        lines[item.line] = tick(lines[item.line]) if checked else untick(lines[item.line])
    return "".join(lines)


def set_title(body: str, story_id: str, title: str) -> str:
    """The ``# ID: title`` heading with a new title (unchanged when there is none)."""
    doc = Document(body)
    prefix = f"# {story_id}:"
    for heading in doc.headings:
        line = doc.lines[heading.line]
        if heading.level == 1 and line.startswith(prefix):
            ending = line[len(line.rstrip("\r\n")):]
            return "".join(doc.lines[:heading.line]) + f"{prefix} {title}{ending}" \
                + "".join(doc.lines[heading.line + 1:])
    return body


def set_header_line(body: str, label: str, value: str | None, *, before: str = "Dependencies") -> str:
    """Set the ``**Label:** value`` header line; a missing line is added before the
    ``**Before:**`` line when there is a value (stories made before the field existed)."""
    doc = Document(body)
    if doc.field_line(label) is not None:
        return set_field(body, label, value or "None", doc)
    anchor = doc.field_line(before)
    if not value or anchor is None:
        return body
    return replace_lines(body, anchor, anchor, f"**{label}:** {value}\n")


def set_closed(body: str, line: str) -> str:
    """The ``**Closed:**`` line (how and why a story was closed), after the Status line."""
    doc = Document(body)
    if doc.field_line("Closed") is not None:
        return set_field(body, "Closed", line, doc)
    status = doc.field_line("Status")
    if status is None:
        return body
    return replace_lines(body, status + 1, status + 1, f"**Closed:** {line}\n")


def set_completion(story_id: str, body: str, values: dict[str, str]) -> str:
    """Fill the completion fields (Last Updated, Completed By, Actual Time)."""
    for label, value in values.items():
        try:
            body = set_field(body, label, value)
        except KeyError:
            raise _missing_field(story_id, label) from None
    return body


def completion_fields(last_updated: str, by: str = "[Agent name]", actual: str = "[X hours]") -> str:
    return f"**Last Updated:** {last_updated}\n**Completed By:** {by}\n**Actual Time:** {actual}\n"


def touch(story_id: str, body: str, today: str) -> str:
    """Last Updated follows each transition (when the story has the field)."""
    try:
        return set_completion(story_id, body, {"Last Updated": today})
    except StorykitError:
        return body
