"""The story lifecycle: create a story, run its tests, complete it.

Each function reads like its sentence in the docs — load the story, ask the
workflow whether the run may start, run the tests, ask the workflow what the
result means, render the evidence, replace storykit's regions, save atomically,
regenerate the tracker — and returns a value for the command layer to print.
Nothing is written before the verdict, so a refusal, Ctrl-C or a kill during the
run leaves every file as it was.
"""

from __future__ import annotations

import contextlib
import functools
import getpass
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from storykit import evidence, git, history, ids, regions, runner, tracker, workflow
from storykit.errors import Refused, StorykitError
from storykit.fsutil import project_lock, write_atomic, write_text_atomic
from storykit.project import Project
from storykit.story import Story, dump_front, load, load_meta
from storykit.templates import get as get_template
from storykit.templates import render as render_template

if TYPE_CHECKING:
    from storykit.validation import ValidationRun


@dataclass
class Created:
    story_id: str
    path: Path
    text: str
    written: bool


@dataclass
class RunOutcome:
    story_id: str
    path: Path
    verdict: workflow.Verdict
    result: runner.RunResult | None = None
    log: str | None = None
    commit: str | None = None  # the commit made by --commit
    commit_summary: str = ""
    left_out: list[str] = field(default_factory=list)  # changes that commit does not hold


@dataclass
class Completed:
    story_id: str
    path: Path
    commit: str | None
    commit_summary: str = ""
    not_committed: str | None = None
    notes: list[str] = field(default_factory=list)


def today() -> str:
    return date.today().isoformat()


# -- new ---------------------------------------------------------------------------

def next_id(project: Project) -> str:
    """One above every id in the working tree and on every branch (one git call)."""
    numbers = [ids.id_number(e.id, project.config.id_prefix) or 0 for e in project.entries()]
    for rel in git.files_in_all_refs(project.root, project.config.stories_dir):
        story_id = project.file_id(Path(rel).name)
        if story_id:
            numbers.append(ids.id_number(story_id, project.config.id_prefix) or 0)
    return ids.format_id(max(numbers, default=0) + 1, project.config.id_prefix, project.config.id_width)


def new_story(
    project: Project,
    template: str,
    title: str,
    *,
    tests: list[str],
    story_id: str | None = None,
    track: str | None = None,
    agent: str | None = None,
    estimate: str | None = None,
    depends: list[str] | None = None,
    variables: dict[str, str] | None = None,
    min_tests: int | None = None,
    dry_run: bool = False,
) -> Created:
    """Render a new story from a template, write it, and update the tracker.

    The id is chosen and the file written under the project lock, so two ``new``
    running at once never take the same id.
    """
    build = functools.partial(_new_story, project, template, title, tests=tests, story_id=story_id, track=track,
                              agent=agent, estimate=estimate, depends=depends, variables=variables,
                              min_tests=min_tests, dry_run=dry_run)
    if dry_run:
        return build()
    with project_lock(project.config.state_path):
        project._entries = None  # the stories as they are now, under the lock
        return build()


def _new_story(
    project: Project,
    template: str,
    title: str,
    *,
    tests: list[str],
    story_id: str | None,
    track: str | None,
    agent: str | None,
    estimate: str | None,
    depends: list[str] | None,
    variables: dict[str, str] | None,
    min_tests: int | None,
    dry_run: bool,
) -> Created:
    config = project.config
    if not title.strip():
        raise StorykitError("the title is empty", hint="pass --title \"What the story delivers\"")
    info = get_template(template, config.templates_path)
    entries = {e.id: e for e in project.entries()}
    dependencies = [project.parse_id(d) for d in depends or []]
    unknown = [d for d in dependencies if d not in entries]
    if unknown:
        raise StorykitError(f"unknown dependency {unknown[0]}", hint="create it first, or check 'storykit list'")
    if story_id is not None:
        story_id = project.parse_id(story_id)
        if story_id in entries:
            raise StorykitError(f"{story_id} already exists ({project.rel(entries[story_id].path)})",
                                hint="leave out --id to take the next free id")
    else:
        story_id = next_id(project)
    if story_id in dependencies:
        raise StorykitError(f"{story_id} cannot depend on itself")
    defaults = info.defaults
    meta: dict[str, Any] = {
        "id": story_id,
        "title": title.strip(),
        "status": "not-started",
        "template": template,
        "created": today(),
        "track": track or str(defaults.get("track", "[Track]")),
        "agent": agent or str(defaults.get("agent", "[Agent]")),
        "estimate": estimate or str(defaults.get("estimate", "[Time estimate]")),
        "dependencies": dependencies,
        "tests": list(tests),
        "min_tests": min_tests if min_tests is not None else int(defaults.get("min_tests", config.min_tests)),
    }
    context = {
        **(variables or {}),
        **meta,
        "dependencies_line": regions.dependencies_line(dependencies),
        "blocks": [],
        "blocks_line": regions.blocks_line([]),
        "status_line": workflow.LABELS["not-started"],
        "commit_message": commit_message(config.commit_message, meta),
        "titles": {**project.titles(), story_id: meta["title"]},
        "test_results": evidence.render(meta, {}),
        "completion_fields": regions.completion_fields(meta["created"]),
    }
    body = render_template(info, config.templates_path, context)
    text = dump_front(meta) + "\n" + body.lstrip("\n")
    path = config.stories_path / f"{story_id}-{ids.slugify(title)}.md"
    if dry_run:
        return Created(story_id, path, text, written=False)
    if path.exists():
        raise StorykitError(f"{project.rel(path)} already exists", hint="choose another title or --id")
    write_text_atomic(path, text)
    project._entries = None
    for dep in dependencies:  # their derived "Blocks:" line now names this story
        _refresh_blocks(project, entries[dep].path)
    tracker.write(project)
    return Created(story_id, path, text, written=True)


def _refresh_blocks(project: Project, path: Path) -> None:
    story = load(path)
    body = regions.set_header(story.id, story.body, story.status, project.blocks(story.id))
    if body != story.body:
        story.body = body
        write_text_atomic(path, story.text())


def commit_message(template: str, meta: dict[str, Any]) -> str:
    try:
        return template.format(title=meta["title"], id=meta["id"])
    except (KeyError, IndexError, ValueError) as exc:
        raise StorykitError(f"commit_message '{template}' is not valid ({exc})",
                            hint="use only {title} and {id} in it") from None


# -- run-tests -----------------------------------------------------------------------

def _preflight(project: Project, story: Story, force: bool) -> list[str]:
    """Checks made before any test runs; returns notes (forced overrides)."""
    regions.require_present(story.id, story.body)  # the exact check runs beside the tests (_Beside)
    if story.status == "done":
        raise Refused(f"{story.id} is done; its evidence is final", hint=f"see 'storykit show {story.id}'")
    waiting = [d for d in story.meta.get("dependencies") or [] if _status_of(project, d) != "done"]
    if waiting and not force:
        raise Refused(f"{story.id} depends on {', '.join(waiting)}, not done yet",
                      hint="finish those first, or pass --force (the override is recorded)")
    return [f"started before {', '.join(waiting)} was done (--force)"] if waiting else []


def _status_of(project: Project, story_id: str) -> str | None:
    """A story's status from its front matter alone (None when there is no such story)."""
    try:
        return str(load_meta(project.find(story_id)).get("status"))
    except StorykitError:
        return None


class _Beside(threading.Thread):
    """What run-tests does while the tests run, instead of before or after them (the
    test tax of issue 5): the exact Markdown check of the story's regions, which
    stops the run if it fails, and warming what writing the evidence will need."""

    def __init__(self, project: Project, story: Story) -> None:
        super().__init__(name="storykit-beside", daemon=True)
        self.project, self.story = project, story
        self.failed = threading.Event()
        self.error: StorykitError | None = None

    def run(self) -> None:
        try:
            regions.require(self.story.id, self.story.body)
        except StorykitError as exc:
            self.error = exc
            self.failed.set()
            return
        with contextlib.suppress(Exception):  # only warming: the write path meets any problem itself
            import filelock  # noqa: F401 - for the lock taken after the run

            self.project.entries()  # the front-matter cache the tracker is rendered from

    def outcome(self) -> None:
        """Wait for it; raise what it found."""
        self.join()
        if self.error is not None:
            raise self.error


def _test_args(project: Project, story: Story) -> tuple[str | None, list[str], list[str]]:
    command = story.meta.get("test_command") or project.config.test_command
    tests = list(story.meta.get("tests") or [])
    extra: list[str] = []
    if not tests:
        if command is not None:
            raise StorykitError(f"{story.id} lists no tests", hint="add 'tests: [path, ...]' to its front matter")
        extra = ["--story", story.id]  # the tests marked @pytest.mark.story(ID)
    return command, tests, extra


def _log_path(project: Project, story_id: str, phase: str) -> Path:
    return project.config.log_path / f"{story_id}-{phase}.log"


def execute(project: Project, story: Story, extra: list[str], timeout: float | None,
            echo: BinaryIO | None, abort: threading.Event | None = None) -> tuple[runner.RunResult, str]:
    """Run a story's tests; returns the result and the command as shown in the story."""
    command, tests, marker = _test_args(project, story)
    timeout = timeout if timeout is not None else story.meta.get("timeout") or project.config.timeout
    result = runner.run(command, tests, marker + list(extra), cwd=project.root,
                        log_path=_log_path(project, story.id, "latest"), timeout=timeout,
                        output_lines=project.config.output_lines, echo=echo, abort=abort)
    shown = command or "python -m pytest {tests}"
    shown = shown.replace("{tests}", " ".join(tests) if tests else "").replace("{junit}", "<junit.xml>").strip()
    if marker:
        shown += " " + " ".join(marker)
    if extra:
        shown += " " + " ".join(extra)
    return result, shown


def _keep_log(project: Project, story_id: str, phase: str, result: runner.RunResult | None = None) -> str | None:
    latest = _log_path(project, story_id, "latest")
    if not latest.exists():
        return None
    target = _log_path(project, story_id, phase)
    latest.replace(target)
    if result is not None:  # the excerpt's "[N lines cut; full log: ...]" names the kept log
        result.excerpt = result.excerpt.replace(f"full log: {latest}]", f"full log: {project.rel(target)}]")
    return project.rel(target)


def _load(path: Path, warn: Callable[[str], None] | None) -> Story:
    """Load a story and pass its warnings (unknown front-matter keys) to ``warn``."""
    story = load(path)
    if warn is not None:
        for warning in story.warnings:
            warn(warning)
    return story


def run_tests(project: Project, ref: str, *, timeout: float | None = None, extra: list[str] | None = None,
              echo: BinaryIO | None = None, force: bool = False, commit_phase: bool = False,
              warn: Callable[[str], None] | None = None) -> RunOutcome:
    """Run a story's tests and move it to red or green if the evidence allows.

    ``commit_phase`` (``--commit``) also commits the story's test files, the story
    and the tracker (with what is staged), trailers ``Story``/``Phase`` included,
    and records that commit in the run; if it cannot be made, nothing is recorded.
    """
    path = project.find(ref)
    story = _load(path, warn)
    notes = _preflight(project, story, force)
    if commit_phase:
        history.require_committable(project, story.id)
    tree_before = git.snapshot(project.root)
    commit = git.head(project.root)
    # The digest of the test files as they ran; tests selected by marker are known only after the run.
    digest = evidence.digest(project.root, evidence.test_files(story.meta)) if story.meta.get("tests") else None
    beside = _Beside(project, story)
    beside.start()
    try:
        result, shown = execute(project, story, extra or [], timeout, echo, beside.failed)
    except runner.RunAborted:
        beside.outcome()
        raise
    beside.outcome()
    if digest is None:
        digest = evidence.digest(project.root, evidence.test_files(story.meta, {"tests": result.tests}))
    verdict = workflow.judge_run(
        story.id, story.status, result,
        min_tests=int(story.meta.get("min_tests", project.config.min_tests)),
        allow_skips=project.config.allow_skips,
        timeout=timeout or story.meta.get("timeout") or project.config.timeout,
        red_tests=(story.runs.get("red") or {}).get("tests"),
    )
    if verdict.refused and result.exit_code == 5 and result.runner == "pytest" and not story.meta.get("tests"):
        verdict.reason = (f"no test is marked @pytest.mark.story(\"{story.id}\") (pytest exit 5: nothing selected): "
                          f"mark the story's tests, or list them under 'tests:' in its front matter")
    if verdict.refused:
        log = _keep_log(project, story.id, "refused")
        return RunOutcome(story.id, path, verdict, result, log)
    phase = verdict.phase or "red"
    files = history.test_files(project, story, result, digest) if commit_phase else []
    log = _keep_log(project, story.id, phase, result)
    run = evidence.record(result, commit=commit, tree=tree_before, digest_value=digest, log=log, command=shown)
    with project_lock(project.config.state_path):
        project._entries = None  # other stories may have changed while the tests ran
        fresh = load(path)
        if fresh.status != story.status or fresh.runs != story.runs:
            raise Refused(f"{story.id} changed while its tests ran (now {fresh.status})",
                          hint="run the tests again")
        meta = fresh.meta
        runs = dict(meta.get("runs") or {})
        runs[phase] = run
        if phase == "red":
            runs.pop("green", None)
            runs.pop("validate", None)
            meta.setdefault("started", None)
            meta["started"] = meta["started"] or run["at"]
        elif story.status in ("green", "validated") and "changes" in (story.runs.get("green") or {}):
            # A re-run refreshes the evidence; the implementation was written before the
            # first green, and diffing against red now would claim everything merged since.
            run["changes"] = story.runs["green"]["changes"]
        else:
            run["changes"] = _changes(project, story, runs.get("red"), tree_before)
        if notes:
            meta["overrides"] = list(meta.get("overrides") or []) + [f"{run['at']}: {n}" for n in notes]
        meta["runs"] = runs
        meta["status"] = verdict.status
        body = regions.set_header(fresh.id, fresh.body, meta["status"], project.blocks(fresh.id))
        body = regions.test_results(fresh.id, body, meta, {phase: result.excerpt})
        body = regions.tick_tagged(body, ("red",) if phase == "red" else ("red", "green"))
        body = _touch(fresh.id, body)
        fresh.meta, fresh.body = meta, body
        originals = {p: p.read_bytes() if p.exists() else None for p in (path, project.config.tracker_path)}
        write_text_atomic(path, fresh.text())
        project._entries = None  # read before the run: the tracker must see the new status
        tracker.write(project)
        outcome = RunOutcome(story.id, path, verdict, result, log)
        if commit_phase:
            outcome.commit = history.commit(project, fresh, phase, files, originals)
            run["commit"] = outcome.commit  # the run is the evidence of this commit
            fresh.body = regions.test_results(fresh.id, fresh.body, meta, {})
            write_text_atomic(path, fresh.text())
            outcome.commit_summary = git.show_commit(project.root, outcome.commit)
            outcome.left_out = history.left_out(project, fresh, files)
    return outcome


def _touch(story_id: str, body: str) -> str:
    """Last Updated follows each transition (when the story has the field)."""
    try:
        return regions.set_completion(story_id, body, {"Last Updated": today()})
    except StorykitError:
        return body


def _changes(project: Project, story: Story, red: dict[str, Any] | None, tree: str | None) -> dict[str, Any] | None:
    """Step 3's evidence: what changed in the tree between the red and the green run."""
    if not red or not red.get("tree") or not tree:
        return None
    config = project.config
    exclude = [config.stories_dir, config.tracker]
    try:
        changes = git.diff_trees(project.root, red["tree"], tree, exclude)
    except StorykitError:
        return None  # the red tree was garbage-collected, or the repo changed
    test_roots = [t.split("::", 1)[0].rstrip("/") for t in story.meta.get("tests") or []]

    def is_test(path: str) -> bool:
        return any(path == root or path.startswith(root + "/") for root in test_roots)

    return {
        "files": [c.path for c in changes if not is_test(c.path)],
        "added": sum(c.added for c in changes if not is_test(c.path)),
        "deleted": sum(c.deleted for c in changes if not is_test(c.path)),
        "test_files": [{"path": c.path, "added": c.added, "deleted": c.deleted} for c in changes if is_test(c.path)],
    }


# -- complete --------------------------------------------------------------------------

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
    import subprocess

    try:
        name = subprocess.run(["git", "config", "user.name"], cwd=project.root, capture_output=True,
                              text=True, encoding="utf-8", errors="replace").stdout.strip()
    except FileNotFoundError:
        name = ""
    return name or str(story.meta.get("agent") or "") or getpass.getuser()


def complete(project: Project, ref: str, *, by: str | None = None, actual: str | None = None,
             commit: bool = True, extra: list[str] | None = None, timeout: float | None = None,
             echo: BinaryIO | None = None, warn: Callable[[str], None] | None = None) -> Completed:
    """Re-run the tests, check the story, record completion, and commit."""
    path = project.find(ref)
    story = _load(path, warn)
    regions.require(story.id, story.body, (evidence.SECTION, *regions.CHECKED_SECTIONS),
                    ("Status", *regions.COMPLETION_FIELDS))
    if story.status not in ("green", "validated"):
        hint = {"done": "it is already done", "not-started": "run 'storykit run-tests' to go red first",
                "red": "make its tests pass with 'storykit run-tests' first"}[story.status]
        raise Refused(f"{story.id} is {story.status}; only a green story can be completed", hint=hint)
    left = regions.unticked(story.body)
    if left:
        listed = "; ".join(f"{section}: {item}" for section, item in left[:5])
        more = f" (and {len(left) - 5} more)" if len(left) > 5 else ""
        raise Refused(f"{story.id} has {len(left)} unticked item(s): {listed}{more}",
                      hint="tick them ('- [x]') or delete what does not apply")
    blocker = None
    if commit:
        blocker = git.commit_blockers(project.root)
        if blocker and blocker != "not a git repository":
            raise Refused(f"cannot commit {story.id}: {blocker}", hint="or pass --no-commit")
    result, shown = execute(project, story, extra or [], timeout, echo)
    timeout_used = timeout or story.meta.get("timeout") or project.config.timeout
    problem = workflow.pass_problem(
        story.id, result, timeout=timeout_used, min_tests=int(story.meta.get("min_tests", project.config.min_tests)),
        allow_skips=project.config.allow_skips, red_tests=(story.runs.get("red") or {}).get("tests"))
    if problem:
        _keep_log(project, story.id, "refused")
        raise Refused(f"{story.id} not completed: {problem}")
    log = _keep_log(project, story.id, "final")
    validated = _validate_for_complete(project, story, timeout, echo)
    tested = evidence.test_files(story.meta, story.runs.get("green"))
    final = evidence.record(result, commit=git.head(project.root), tree=None,
                            digest_value=evidence.digest(project.root, tested), log=log, command=shown)
    final.pop("tree")
    final.pop("tests")  # the green run holds them; the final run only confirms the counts
    will_commit = commit and blocker is None
    with project_lock(project.config.state_path):
        project._entries = None  # other stories may have changed while the tests ran
        fresh = load(path)
        if fresh.status != story.status or fresh.runs != story.runs:
            raise Refused(f"{story.id} changed while its tests ran (now {fresh.status})", hint="run complete again")
        original_story = path.read_bytes()
        tracker_path = project.config.tracker_path
        original_tracker = tracker_path.read_bytes() if tracker_path.exists() else None
        meta = fresh.meta
        meta["runs"] = {**(meta.get("runs") or {}), **({"validate": validated.record} if validated else {}),
                        "final": final}
        meta["status"] = "done"
        meta["completed"] = final["at"]
        meta["completed_by"] = by or _who(project, fresh)
        meta["actual"] = actual or _elapsed(meta.get("started"), final["at"]) or "[X hours]"
        body = regions.set_header(fresh.id, fresh.body, "done", project.blocks(fresh.id))
        body = regions.test_results(fresh.id, body, meta, {"validate": validated.output} if validated else {})
        phases = ("red", "green") + (("validated",) if "validate" in meta["runs"] else ()) + ("done",) \
            + (("commit",) if will_commit else ())
        body = regions.tick_tagged(body, phases)
        body = regions.set_completion(fresh.id, body, {"Last Updated": today(),
                                                       "Completed By": meta["completed_by"],
                                                       "Actual Time": meta["actual"]})
        fresh.meta, fresh.body = meta, body
        write_text_atomic(path, fresh.text())
        project._entries = None
        tracker.write(project)
        sha = None
        summary = ""
        if will_commit:
            message = commit_message(project.config.commit_message, meta) + f"\n\nStory: {fresh.id}\nPhase: done\n"
            try:
                sha = git.commit(project.root, [path, tracker_path], message)
            except StorykitError:
                write_atomic(path, original_story)
                if original_tracker is None:
                    tracker_path.unlink(missing_ok=True)
                else:
                    write_atomic(tracker_path, original_tracker)
                raise
            summary = git.show_commit(project.root, sha)
    reason = None if will_commit else ("--no-commit" if not commit else blocker)
    notes = [f"validated first: {len(validated.record['commands'])} command(s) passed"] if validated else []
    return Completed(fresh.id, path, sha, summary, reason, notes)


def _validate_for_complete(project: Project, story: Story, timeout: float | None,
                           echo: BinaryIO | None) -> ValidationRun | None:
    """A green story with validation commands is validated on the way to done; a
    failing command refuses the completion (nothing written)."""
    from storykit import validation

    to_run = validation.commands(project, story.meta)
    if story.status != "green" or not to_run:
        return None
    outcome = validation.run(project, story, to_run, timeout=timeout, echo=echo)
    if outcome.failed:
        raise Refused(outcome.problem(story.id).replace("not validated", "not completed: validation failed"),
                      hint="fix what it reports (its output is above) and run complete again")
    return outcome
