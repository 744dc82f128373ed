"""migrate: move stories written before the evidence file to the current form.

Such a story keeps every run's per-test records inline in its front matter.  It is
read as it is (every rule works on it) and moves at its next write; ``migrate``
moves every one now, as one reviewable change: the records go to the evidence file
beside the story, the front matter keeps each run's summary and digest, and the
Test Results section is rendered again from them (it is storykit's own region).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from storykit.actions import save
from storykit.errors import StorykitError
from storykit.project.store import Project
from storykit.story import records, regions
from storykit.story.model import load, parse_raw, read_text


@dataclass
class Migrated:
    path: Path
    evidence: Path
    runs: int
    tests: int
    notes: list[str] = field(default_factory=list)


def migrate(project: Project) -> list[Migrated]:
    """Move every story with inline per-test records to the evidence-file form."""
    done: list[Migrated] = []
    with save.transaction(project) as tx:  # all or nothing
        for path in project.story_files():
            raw, _, _ = parse_raw(read_text(path), path)
            runs, tests = records.inline_count(raw)
            if not runs:
                continue
            story = load(path)
            evidence_file = records.evidence_path(path)
            item = Migrated(path, evidence_file, runs, tests)
            try:
                story.body = regions.test_results(story.id, story.body, story.meta, {},
                                                  evidence_file=project.rel(evidence_file))
            except StorykitError as exc:  # its section cannot be rewritten safely: the records still move
                item.notes.append(f"Test Results not rendered again: {exc}")
            story.as_read = None  # the front matter is written anew, without the records
            tx.save(story)  # the evidence file first, then the story
            done.append(item)
    return done
