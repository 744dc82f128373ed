"""``python -m storykit`` and the ``storykit`` console script.

``--version`` and the top-level ``--help`` are answered before click is imported:
start-up time is measured against a bare ``python -c pass`` (docs/performance.md).
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        from storykit import __version__

        sys.stdout.write(f"storykit {__version__}\n")
        return 0
    if args in (["--help"], ["-h"]):
        from storykit.helptext import fast_help

        text = fast_help(args)
        if text is not None:
            sys.stdout.write(text)
            return 0
    from storykit.cli import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
