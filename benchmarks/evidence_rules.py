"""What the evidence rule and a story's own run rules cost per story in the workers of a
cold ``storykit check``: each function called on every story of a project, serially, the
collector off, the best of a few passes (CPU time, not wall: the machine may be shared).

    <venv>/bin/python benchmarks/evidence_rules.py COPY_OF_A_PROJECT [STORIES]

Run it with the python of the storykit to measure (each venv's own), alternating, on a
copy; it writes nothing.  Reads every story once first (``check._read``); prints µs per
story for each function (a benchmark, not a test).
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def main(argv: list[str]) -> int:
    from storykit.actions import check
    from storykit.core import rules
    from storykit.core import settings
    from storykit.project import config
    from storykit.project.store import Project

    project = Project(config.load(Path(argv[0])))
    files = project.story_files()[: int(argv[1])] if len(argv) > 1 else project.story_files()
    folder = project.rel(project.config.stories_path)
    read = [found for found in (check._read(project, path, [], folder) for path in files) if found]
    lines = {"id": 2, "status": 4, "dependencies": 1, "duplicate_of": 1}

    def fresh(parsed: Any) -> Any:  # a story as _read makes it
        return check._Parsed(parsed.path, parsed.rel, parsed.meta, [], front_text=parsed.front_text)

    min_tests: Callable[[Any], Any] = (
        (lambda p: settings.min_tests_of(p.meta, project.config)) if hasattr(settings, "min_tests_of")
        else (lambda p: settings.resolve(p.meta, project.config).min_tests))
    measured: dict[str, Callable[[Any, Any], Any]] = {
        "a story as _read makes it": lambda p, o: fresh(p),
        "_evidence_verdict (with its story)": lambda p, o: check._evidence_verdict(
            check._Parsed(p.path, p.rel, p.meta, [], [], dict(lines))),
        "evidence_problems": lambda p, o: rules.evidence_problems(p.meta, min_tests=1, validation=False),
        "ownership_problems": lambda p, o: rules.ownership_problems(p.meta),
        "_tests_edited_rule (with its story)": lambda p, o: check._tests_edited_rule(fresh(p)),
        "_degradation_rule (with its story)": lambda p, o: check._degradation_rule(fresh(p)),
        "_not_replayable_rule (with its story)": lambda p, o: check._not_replayable_rule(fresh(p)),
        "_own_commands (with its story)": lambda p, o: check._own_commands(fresh(p)),
        "min_tests": lambda p, o: min_tests(p),
        "_story_rules (body rules too)": lambda p, o: check._story_rules(project, fresh(p), o),
    }
    gc.disable()
    for name, function in measured.items():
        best = float("inf")
        for _ in range(5):
            start = time.process_time()
            for parsed, outline in read:
                function(parsed, outline)
            best = min(best, time.process_time() - start)
        print(f"{name}: {best / len(files) * 1e6:.2f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
