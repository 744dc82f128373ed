"""complete: re-run a green story's tests, check it, record completion, commit.

Load the story and resolve its settings -> check it may be completed (green, every
box ticked, a commit possible) -> re-run its tests -> ask the workflow whether the
run is a pass -> validate a green story that has validation commands -> render the
completion -> save it in one transaction (story, tracker, commit).
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from storykit import git
from storykit.actions import history, save
from storykit.actions.new import commit_message
from storykit.actions.run_tests import execute, keep_log, load_warning
from storykit.core import workflow
from storykit.core.settings import resolve
from storykit.errors import Refused, StorykitError
from storykit.project.files import require_private_dir
from storykit.project.store import Project
from storykit.story import evidence, records, regions
from storykit.story.model import Story
from storykit.actions.suite import run_whole_suite, skipped_note

if TYPE_CHECKING:
    from storykit.actions.validate import ValidationRun


@dataclass
class Completed:
    story_id: str
    path: Path
    commit: str | None
    commit_summary: str = ""
    not_committed: str | None = None
    notes: list[str] = field(default_factory=list)


def _elapsed(started: str | None, finished: str) -> str | None:
    if not started:
        return None
    try:
        seconds = (datetime.fromisoformat(finished.replace("Z", "+00:00"))
                   - datetime.fromisoformat(started.replace("Z", "+00:00"))).total_seconds()
    except ValueError:
        return None
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    return f"{seconds / 3600:.1f} h"


def _who(project: Project, story: Story) -> str:
    """Completed By, when --by is not given: git's user.name, else the story's agent."""
    try:
        name = git.config_get(project.root, "user.name") or ""
    except (StorykitError, FileNotFoundError):  # not a repository, or no git at all
        name = ""
    return name or str(story.meta.get("agent") or "") or getpass.getuser()


def complete(project: Project, ref: str, *, by: str | None = None, actual: str | None = None,
             commit: bool = True, extra: list[str] | None = None, timeout: float | None = None,
             echo: BinaryIO | None = None, warn: Callable[[str], None] | None = None) -> Completed:
    """Re-run the tests, check the story, record completion, and commit."""
    story = load_warning(project.find(ref), warn)
    settings = resolve(story.meta, project.config, timeout=timeout)
    blocker = _may_complete(project, story, commit)
    result, shown = execute(project, story, extra or [], settings.timeout, echo)
    problem = workflow.pass_problem(
        story.id, result, timeout=settings.timeout, min_tests=settings.min_tests,
        allow_skips=settings.allow_skips, red_tests=(story.runs.get("red") or {}).get("tests"))
    if problem:
        raise Refused(f"{story.id} not completed: {problem}", story=story.id,
                      log=keep_log(project, story.id, "refused"), run=result)
    log = keep_log(project, story.id, "final")
    validated = _validate_for_complete(project, story, settings.timeout, echo)
    # The whole suite may take longer than the story's own tests: only --timeout or the config's timeout apply.
    suite = run_whole_suite(project, story, timeout or project.config.timeout, echo)  # refuses on any failure
    tested = evidence.test_files(story.meta, story.runs.get("green"))
    final = evidence.record(result, commit=git.head(project.root), tree=None,
                            digest_value=evidence.digest(project.root, tested), log=log, command=shown)
    final.pop("tree")
    final.pop("tests")  # the green run holds them; the final run only confirms the counts
    final["suite"] = suite
    will_commit = commit and blocker is None
    sha = None
    summary = ""
    with save.transaction(project) as tx:
        fresh = tx.reload(story, during="its tests ran", again="run complete again")
        evidence_file = records.evidence_path(fresh.path)
        meta = fresh.meta
        meta["runs"] = {**(meta.get("runs") or {}), **({"validate": validated.record} if validated else {}),
                        "final": final}
        meta["status"] = "done"
        meta["completed"] = final["at"]
        meta["completed_by"] = by or _who(project, fresh)
        meta["actual"] = actual or _elapsed(meta.get("started"), final["at"]) or "[X hours]"
        body = regions.set_header(fresh.id, fresh.body, "done", tx.blocks(fresh.id))
        body = regions.test_results(fresh.id, body, meta, {"validate": validated.output} if validated else {},
                                    evidence_file=project.rel(evidence_file))
        phases = ("red", "green") + (("validated",) if "validate" in meta["runs"] else ()) + ("done",) \
            + (("commit",) if will_commit else ())
        body = regions.tick_tagged(body, phases)
        body = regions.set_completion(fresh.id, body, {"Last Updated": evidence.today(),
                                                       "Completed By": meta["completed_by"],
                                                       "Actual Time": meta["actual"]})
        fresh.meta, fresh.body = meta, body
        tx.save(fresh)
        tx.tracker()
        if will_commit:
            message = git.with_trailers(commit_message(project.config.commit_message, meta), fresh.id, "done")
            sha = tx.commit([fresh.path, project.config.tracker_path]
                            + ([evidence_file] if evidence_file.exists() else []), message,
                            hint="the story was left as it was; fix this and run complete again")
            summary = git.show_commit(project.root, sha)
    reason = None if will_commit else ("--no-commit" if not commit else blocker)
    notes = [f"validated first: {len(validated.record['commands'])} command(s) passed"] if validated else []
    notes += skipped_note(suite)
    return Completed(fresh.id, fresh.path, sha, summary, reason, notes)


def _may_complete(project: Project, story: Story, commit: bool) -> str | None:
    """Refuse, before any test runs, a story that cannot be completed; returns why it
    will not be committed (None: it will)."""
    regions.require(story.id, story.body, (evidence.SECTION, *regions.CHECKED_SECTIONS),
                    ("Status", *regions.COMPLETION_FIELDS))
    if story.status not in ("green", "validated"):
        hint = {"done": "it is already done", "not-started": "run 'storykit run-tests' to go red first",
                "red": "make its tests pass with 'storykit run-tests' first",
                "closed": "it is closed"}[story.status]
        raise Refused(f"{story.id} is {story.status}; only a green story can be completed", hint=hint,
                      story=story.id)
    require_private_dir(project.config.state_path)
    broken = records.problems(story.path, story.meta)  # the rules below read the per-test records
    if broken:
        raise Refused(f"{story.id}: {broken[0]}", story=story.id)
    left = regions.unticked(story.body)
    if left:
        listed = "; ".join(f"{section}: {item}" for section, item in left[:5])
        more = f" (and {len(left) - 5} more)" if len(left) > 5 else ""
        raise Refused(f"{story.id} has {len(left)} unticked item(s): {listed}{more}",
                      hint="tick them ('- [x]') or delete what does not apply", story=story.id)
    save.require_writable(project, story.path, project.config.tracker_path, records.evidence_path(story.path))
    blocker = None
    if commit:
        blocker = git.commit_blockers(project.root)
        if blocker and blocker != "not a git repository":
            raise Refused(f"cannot commit {story.id}: {blocker}", hint="or pass --no-commit", story=story.id)
        if blocker is None:
            history.require_tests_committable(project, story)
    return blocker


def _validate_for_complete(project: Project, story: Story, timeout: float | None,
                           echo: BinaryIO | None) -> ValidationRun | None:
    """A green story with validation commands is validated on the way to done; a
    failing command refuses the completion (nothing written)."""
    from storykit.actions import validate as validation

    to_run = validation.commands(project, story.meta)
    if story.status != "green" or not to_run:
        return None
    outcome = validation.run(project, story, to_run, timeout=timeout, echo=echo)
    if outcome.failed:
        raise Refused(outcome.problem(story.id).replace("not validated", "not completed: validation failed"),
                      hint="fix what it reports (its output is above) and run complete again", story=story.id)
    return outcome
