"""The parts of a story body that storykit owns, and nothing else.

Owned: the ``**Status:**`` and ``**Blocks:**`` header lines, the Test Results
section, the completion fields (Last Updated / Completed By / Actual Time), and the
ticks of checklist items tagged ``<!-- storykit:PHASE -->``.  Every other byte of
the body is the user's and is never rewritten.
"""

from __future__ import annotations

from typing import Any

from storykit import evidence
from storykit.errors import StorykitError
from storykit.markdown import Document, replace_lines, set_field, tick
from storykit.workflow import LABELS

CHECKED_SECTIONS = ("Tasks", "Acceptance Criteria", "Completion Checklist")
# Every template shares these; storykit check insists on them, complete needs them.
MANDATORY_SECTIONS = ("Tasks", "Acceptance Criteria", evidence.SECTION, "Completion Checklist")
COMPLETION_FIELDS = ("Last Updated", "Completed By", "Actual Time")
TAG = "<!-- storykit:"


def _missing_section(story_id: str, name: str, doc: Document) -> StorykitError:
    found = ", ".join(doc.titles()) or "none"
    return StorykitError(
        f"{story_id} has no '## {name}' section (found: {found})",
        hint=f"restore the heading '## {name}' from git or the template, then run again",
    )


def _missing_field(story_id: str, label: str) -> StorykitError:
    return StorykitError(
        f"{story_id} has no '**{label}:**' line",
        hint=f"restore the line '**{label}:** ...' (see the template) and run again",
    )


def require(story_id: str, body: str, sections: tuple[str, ...] = (evidence.SECTION,)) -> Document:
    """Parse the body and insist that storykit's regions are present."""
    doc = Document(body)
    for name in sections:
        if doc.section(name) is None:
            raise _missing_section(story_id, name, doc)
    for label in ("Status",):
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


def test_results(story_id: str, body: str, meta: dict[str, Any], new_outputs: dict[str, str]) -> str:
    """The body with its Test Results section re-rendered from ``meta``; recorded
    outputs already there are kept unless ``new_outputs`` replaces them."""
    doc = Document(body)
    span = doc.section(evidence.SECTION)
    if span is None:
        raise _missing_section(story_id, "Test Results (MANDATORY)", doc)
    start, end = span
    outputs = evidence.outputs_in("".join(doc.lines[start:end]))
    outputs.update(new_outputs)
    runs = meta.get("runs") or {}
    outputs = {phase: text for phase, text in outputs.items() if phase in runs}
    return replace_lines(body, start, end, "\n" + evidence.render(meta, outputs))


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
    doc = Document(body)
    found = []
    for name in CHECKED_SECTIONS:
        span = doc.section(name)
        if span is None:
            continue
        for box in doc.checkboxes(*span):
            if not box.checked and TAG not in box.text:
                found.append((name, box.text))
    return found


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
