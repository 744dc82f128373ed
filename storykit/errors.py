"""The few exceptions storykit raises, each carrying its exit code.

Every layer raises these and none prints them: the CLI's error boundary
(``storykit.cli.app.run``) turns each into one line on stderr (and, under
``--json``, one ``error`` document) and its exit code.  A refused transition is not
an error of the user's input but of the workflow, hence the two codes.  A refusal
that comes after a test run carries that run, so the boundary can show it.
"""

from __future__ import annotations

from typing import Any

EXIT_REFUSED = 1
EXIT_USAGE = 2


class StorykitError(Exception):
    """Bad input: a missing project, an unknown id, malformed front matter (exit 2)."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message


class Refused(StorykitError):
    """The workflow refused a transition; nothing was changed (exit 1).

    ``story`` is the story refused, ``log`` the full log kept of the run that was
    refused and ``run`` that run (a RunResult), when the refusal came after one.
    """

    exit_code = EXIT_REFUSED

    def __init__(self, message: str, *, hint: str | None = None, story: str | None = None,
                 log: str | None = None, run: Any = None) -> None:
        super().__init__(message, hint=hint)
        self.story = story
        self.log = log
        self.run = run


class GitError(StorykitError):
    """A git operation could not be done (exit 1: the repository's state refused it)."""

    exit_code = EXIT_REFUSED
