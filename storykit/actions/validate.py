"""Phase 3, Validation: run a green story's validation commands and record them.

The commands are the story's front-matter ``validate`` list, else the config's
``validate``.  Each runs in the shell from the project root, like a CI step, with
its output streamed live; the first failing one stops the run.  A passing run moves
green -> validated and its output goes into Test Results; a failing one changes
nothing.  ``complete`` calls ``run`` for a green story that has commands.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

from storykit import git
from storykit.actions import save
from storykit.core.settings import resolve
from storykit.errors import Refused
from storykit.runners import runner
from storykit.story import evidence, records, regions
from storykit.story.model import load

if TYPE_CHECKING:
    from pathlib import Path

    from storykit.project.store import Project
    from storykit.story.model import Story


@dataclass
class ValidationRun:
    """What the validation commands did: the run record, the story's output block,
    and the failing command (None when all passed)."""

    record: dict[str, Any]
    output: str
    failed: dict[str, Any] | None = None

    def problem(self, story_id: str) -> str:
        item = self.failed or {}
        what = "timed out" if item.get("timed_out") else f"exited {item.get('exit_code')}"
        log = f" (full log: {self.record['log']})" if self.record.get("log") else ""
        return f"{story_id} not validated: `{item.get('command')}` {what}{log}"


def commands(project: Project, meta: dict[str, Any]) -> list[str]:
    """The story's validation commands: its own ``validate`` list, else the config's."""
    return list(meta.get("validate") or project.config.validate)


def _shell(command: str) -> list[str]:
    if sys.platform.startswith("win"):
        return [os.environ.get("COMSPEC", "cmd.exe"), "/c", command]
    return ["/bin/sh", "-c", command]


def run(project: Project, story: Story, to_run: list[str], *, timeout: float | None = None,
        echo: BinaryIO | None = None) -> ValidationRun:
    """Run the commands in order until one fails; never raises for a failing command.
    ``timeout``: the command-line option (the story's, else the config's, applies)."""
    config = project.config
    timeout = resolve(story.meta, config, timeout=timeout).timeout
    log_path = config.log_path / f"{story.id}-validate.log"
    part = config.log_path / f"{story.id}-validate-part.log"
    record: dict[str, Any] = {"at": evidence.now(), "commit": git.head(project.root), "commands": [],
                              "log": project.rel(log_path)}
    blocks: list[str] = []
    failed = None
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        for command in to_run:
            if echo is not None:
                echo.write(f"$ {command}\n".encode())
                echo.flush()
            result = runner.run_command(_shell(command), cwd=project.root, log_path=part, timeout=timeout,
                                        output_lines=config.output_lines, echo=echo)
            log.write(f"$ {command}\n".encode() + part.read_bytes() + f"[exit code {result.exit_code}]\n".encode())
            item = {"command": command, "exit_code": result.exit_code, "duration": round(result.duration, 2)}
            record["commands"].append(item)
            blocks.append(f"$ {command}\n{result.excerpt}[exit code {result.exit_code}]\n")
            if result.exit_code != 0:
                failed = {**item, "timed_out": result.timed_out}
                break
    part.unlink(missing_ok=True)
    return ValidationRun(record, "\n".join(blocks), failed)


def validate(project: Project, ref: str, *, timeout: float | None = None,
             echo: BinaryIO | None = None) -> tuple[str, Path, ValidationRun]:
    """``storykit validate``: run a green story's validation commands and move it to validated."""
    path = project.find(ref)
    story = load(path)
    regions.require(story.id, story.body)
    if story.status not in ("green", "validated"):
        hint = {"done": "it is done; its evidence is final", "not-started": "write failing tests and run "
                f"'storykit run-tests {story.id}' first", "red": f"make its tests pass ('storykit run-tests "
                f"{story.id}') first", "closed": "it is closed"}[story.status]
        raise Refused(f"{story.id} is {story.status}; only a green story can be validated", hint=hint,
                      story=story.id)
    to_run = commands(project, story.meta)
    if not to_run:
        raise Refused(f"{story.id} has no validation commands",
                      hint="list them in its front matter (validate: [\"ruff check .\"]) or in the config "
                           "(validate = [\"ruff check .\"]); without any, 'storykit complete' goes green -> done",
                      story=story.id)
    save.require_writable(project, path, project.config.tracker_path)
    outcome = run(project, story, to_run, timeout=timeout, echo=echo)
    if outcome.failed:
        raise Refused(outcome.problem(story.id), hint="fix what it reports (its output is above) and validate again",
                      story=story.id)
    with save.transaction(project) as tx:
        fresh = tx.reload(story, during="its validation ran", again="validate again")
        meta = fresh.meta
        meta["runs"] = {**(meta.get("runs") or {}), "validate": outcome.record}
        meta["status"] = "validated"
        body = regions.set_header(fresh.id, fresh.body, "validated", tx.blocks(fresh.id))
        body = regions.test_results(fresh.id, body, meta, {"validate": outcome.output},
                                    evidence_file=project.rel(records.evidence_path(path)))
        body = regions.tick_tagged(body, ("red", "green", "validated"))
        body = regions.touch(fresh.id, body, evidence.today())
        fresh.meta, fresh.body = meta, body
        tx.save(fresh)
        tx.tracker()
    return fresh.id, path, outcome
