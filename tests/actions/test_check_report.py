"""What a check's report holds: what its findings were made from (every story as read),
freed with the report; and the CLI holds the report until the process ends, which the
storykit program does without freeing it (freeing 10,000 stories one object at a time
took 40-60 ms of a cold check)."""

from __future__ import annotations

import gc
import weakref

from conftest import Project as Repo
from storykit.actions.check import check
from storykit.project import config
from storykit.project.store import Project


def test_a_report_holds_what_its_findings_were_made_from_and_frees_it_with_itself(story: Repo) -> None:
    report = check(Project(config.load(story.root)))
    assert report.stories == 1
    made_from = [weakref.ref(value) for value in report.held if type(value).__weakrefoffset__]
    assert made_from and all(ref() is not None for ref in made_from)
    del report
    gc.collect()
    assert all(ref() is None for ref in made_from)


def test_what_a_command_keeps_lives_until_the_next_command_in_the_same_process(story: Repo) -> None:
    from storykit.cli.app import keep, run

    class Made:
        pass

    made = Made()
    ref = weakref.ref(made)
    keep(made)
    del made
    gc.collect()
    assert ref() is not None  # held: the program ends before it is freed
    assert run(["-C", str(story.root), "list"]) == 0
    gc.collect()
    assert ref() is None  # the next command let it go


def test_the_check_command_keeps_its_report_until_the_next_command(story: Repo) -> None:
    from storykit.actions.check import Report
    from storykit.cli.app import run

    gc.collect()
    earlier = {id(o) for o in gc.get_objects() if type(o) is Report}
    assert run(["-C", str(story.root), "check"]) == 0
    made = [weakref.ref(o) for o in gc.get_objects() if type(o) is Report and id(o) not in earlier]
    assert len(made) == 1 and made[0]() is not None  # held after the command returned
    assert run(["-C", str(story.root), "list"]) == 0
    gc.collect()
    assert made[0]() is None
