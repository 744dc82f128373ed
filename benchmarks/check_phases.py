"""Where a cold ``storykit check`` spends its time: the workers' parse (which, in a fresh
clone, also writes the cache), the parent's cache write, and the parent's own work,
timed in process.

    <venv>/bin/python benchmarks/check_phases.py COPY_OF_A_PROJECT [--warm] [check options]

Run it with the python of the storykit to measure (each venv's own); it deletes the
project's .storykit/cache first (unless --warm), so give it a copy.  Wraps the named
functions of storykit.actions.check with timers (a benchmark, not a test): prints
seconds per phase and one summary line.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections import defaultdict
from typing import Any

PHASES = ("_cross_findings", "_history_rule", "_tracker_kept", "_tracker_rule", "_cross_rules", "_shared_runs",
          "_evidence_file_rule", "_path_rule", "_stale_rule")


def main(argv: list[str]) -> int:
    root, *rest = argv
    warm = "--warm" in rest
    os.chdir(root)
    if not warm:
        shutil.rmtree(".storykit/cache", ignore_errors=True)
    import storykit.actions.check as checking
    from storykit.__main__ import main as storykit
    from storykit.project import cache

    times: dict[str, float] = defaultdict(float)

    def timed(owner: Any, name: str, label: str | None = None) -> None:
        function = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                times[label or name] += time.perf_counter() - start

        setattr(owner, name, wrapper)

    for name in PHASES:
        if hasattr(checking, name):
            timed(checking, name)
    timed(cache.MetaCache, "read_ahead", "workers (read_ahead)")
    timed(cache.MetaCache, "save", "cache write (MetaCache.save)")
    real, sys.stdout = sys.stdout, open(os.devnull, "w")  # noqa: SIM115 (closed below)
    start = time.perf_counter()
    try:
        storykit(["check", *[a for a in rest if a != "--warm"]])
    except SystemExit:
        pass
    finally:
        total = time.perf_counter() - start
        sys.stdout.close()
        sys.stdout = real
    for name, seconds in times.items():
        print(f"{name:32s} {seconds:7.3f} s")
    workers, write = times["workers (read_ahead)"], times["cache write (MetaCache.save)"]
    print(f"SUMMARY command {total:.3f} workers {workers:.3f} cache_write {write:.3f} "
          f"parent_own {total - workers - write:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
