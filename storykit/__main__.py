"""``python -m storykit`` and the ``storykit`` console script.

``--version`` and the top-level ``--help`` are answered before click is imported:
start-up time is measured against a bare ``python -c pass`` (docs/performance.md).
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of every start)
if TYPE_CHECKING:
    from storykit.git import Snapshot


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        from storykit import __version__

        sys.stdout.write(f"storykit {__version__}\n")
        return 0
    if args[:1] == ["hook"] and not {"-h", "--help"} & set(args[1:]):
        # An agent tool calls this on every file edit: answer without click (fast), and
        # never with click's usage exit 2, which every agent tool reads as "block".
        from storykit.hooks.run import main as hook

        return hook(args[1:])
    utf8 = sys.flags.utf8_mode or sys.getfilesystemencoding().lower().replace("-", "") == "utf8"
    if utf8 and args in (["--help"], ["-h"]):
        from storykit.cli.helptext import fast_help

        text = fast_help(args)
        if text is not None:
            sys.stdout.write(text)
            return 0
    import signal

    # SIGTERM ends storykit like Ctrl-C does: the test run's whole process tree is
    # stopped and nothing is written (Python's default would just die, leaving the
    # processes the tests started running).
    signal.signal(signal.SIGTERM, _terminate)
    if not utf8:
        _reexec_in_utf8_mode(args)
        args = _utf8(args)
    early = _early_snapshot(args)
    try:
        from storykit.cli.app import run

        code = run(args)
    finally:
        if early is not None:  # a run refused before it started: git is done, nothing left behind
            from storykit import git

            git.drop_early()
            early.settle()
    if argv is None:  # run as a program; main(argv) called in a process returns its code
        _leave(code)
    return code


def _leave(code: int) -> None:
    """End the process now, with ``code``, as Python would after its teardown: every
    file storykit wrote is written and closed (the save is atomic), the other threads
    are daemons, the ``atexit`` functions run and the output is flushed; what is left
    is Python freeing every module and object: 30-80 ms that a test run would pay (the
    test tax of issue 12), 0.15 s after a cold ``list`` of 10,000 stories.  Returns, and
    Python ends as always, when a thread that is not a daemon still runs or the output
    cannot be flushed (a closed pipe: Python reports it as it always did)."""
    import atexit
    import os
    import threading

    main_thread = threading.main_thread()
    if any(t is not main_thread and not t.daemon and t.is_alive() for t in threading.enumerate()):
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code)


def _early_snapshot(args: list[str]) -> Snapshot | None:
    """``storykit run-tests``: git's snapshot of the work tree starts now, before click
    and the run's modules are imported (the test tax: git reads the work tree while
    Python starts; the run waits for it before any test starts)."""
    if args[:1] != ["run-tests"] or {"-h", "--help"} & set(args[1:]):
        return None
    import os
    from pathlib import Path

    from storykit import git

    try:
        return git.start_early(Path(os.getcwd()))
    except OSError:  # no working directory any more: the command says so
        return None


def _reexec_in_utf8_mode(args: list[str]) -> None:
    """Under a C/ASCII locale with UTF-8 mode off, Python names files in ASCII with
    escaped bytes, while story files, the config and git name them in UTF-8: a title
    "Café" or a test file ``test_café.py`` could not be opened (exit 70 in the middle of
    'complete').  Start again in UTF-8 mode (one interpreter start, only under such a
    locale), where file names, arguments and output are all UTF-8, as git's are.

    ``-X utf8`` makes the new process take the other branch, so this happens once;
    ``-P`` keeps the working directory off ``sys.path``, so a ``storykit/`` folder in
    the checkout (an untrusted pull request) is never what runs.  The test run and
    the commands storykit starts inherit ``PYTHONUTF8=1``: pytest itself cannot write
    a non-ASCII node id under an ASCII file system encoding."""
    import os

    if os.name != "posix":
        return
    os.environ["PYTHONUTF8"] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    try:  # the arguments go back as the bytes they came as (fsencode of their escapes)
        os.execv(sys.executable, [sys.executable, "-P", "-X", "utf8", "-m", "storykit", *args])
    except OSError:
        return  # carry on without UTF-8 mode: arguments and output are still UTF-8 (_utf8)


def _utf8(args: list[str]) -> list[str]:
    """UTF-8 whatever the locale: under a C/ASCII locale with Python's UTF-8 mode
    turned off, arguments arrive as ASCII with escaped bytes and printing a ✅ would
    fail.  Read the arguments as the UTF-8 they are, and write UTF-8 (as git does)."""
    encoding = sys.getfilesystemencoding()
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="surrogateescape")
    return [arg.encode(encoding, "surrogateescape").decode("utf-8", "replace") for arg in args]


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
