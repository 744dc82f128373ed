"""The few exceptions storykit raises, each carrying its exit code.

Core modules raise these; only the CLI boundary (``storykit.cli.app``) turns them into
one line on stderr and an exit code.  A refused transition is not an error of the
user's input but of the workflow, hence the two codes.
"""

from __future__ import annotations

EXIT_OK = 0
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
    """The workflow refused a transition; nothing was changed (exit 1)."""

    exit_code = EXIT_REFUSED


class GitError(StorykitError):
    """A git operation could not be done (exit 1: the repository's state refused it)."""

    exit_code = EXIT_REFUSED
