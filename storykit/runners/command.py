"""A configured ``test_command`` (any runner: Node, Vitest, Jest, gotestsum, ...):
``{tests}`` and ``{junit}`` expanded, leading ``NAME=value`` words as environment;
its results are read from the JUnit XML it writes (storykit.runners.junit)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from storykit.errors import StorykitError


def custom_command(template: str, tests: list[str], extra: list[str], junit: Path) -> list[str]:
    """A configured ``test_command``: ``{tests}`` and ``{junit}`` expanded, shell-style split.

    ``{tests}`` as a word of its own becomes one argument per test path.  Leading
    ``NAME=value`` words are environment settings, as in a shell (see ``split_env``).
    """
    try:
        words = shlex.split(template)
    except ValueError as exc:
        raise StorykitError(f"test_command is not a valid command line ({exc})",
                            hint="fix test_command in the config") from None
    command: list[str] = []
    for word in words:
        if word == "{tests}":
            command.extend(tests)
        else:
            command.append(word.replace("{junit}", str(junit)).replace("{tests}", " ".join(tests)))
    if not split_env(command)[1]:
        raise StorykitError("test_command is empty", hint="set test_command in the config, or remove it to use pytest")
    return command + extra


_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def split_env(command: list[str]) -> tuple[dict[str, str], list[str]]:
    """Leading ``NAME=value`` words (environment settings, as a shell reads them) and the rest.

    Some runners take the JUnit path only from the environment, e.g. jest-junit's
    ``JEST_JUNIT_OUTPUT_FILE={junit} npx jest ...``; no shell is involved.
    """
    env: dict[str, str] = {}
    index = 0
    while index < len(command) and _ASSIGNMENT.match(command[index]):
        name, value = command[index].split("=", 1)
        env[name] = value
        index += 1
    return env, command[index:]
