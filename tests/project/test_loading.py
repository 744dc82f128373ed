"""Work on every core: when it is worth forking workers, and what they hand back.

(How the front-matter cache reads a fresh clone ahead with them:
tests/project/test_read_ahead.py; real cold reads of 900 stories:
tests/project/test_parallel_loading.py.)"""

from __future__ import annotations

import os
import threading

from storykit.project.loading import PARALLEL_FROM, on_every_core, workers, worth_it


def test_workers_counts_the_cores_this_process_may_use() -> None:
    assert 1 <= workers() <= (os.cpu_count() or 1)


def test_too_few_files_are_not_worth_forking_for() -> None:
    assert not worth_it(PARALLEL_FROM - 1)
    assert worth_it(PARALLEL_FROM) == (workers() >= 2)


def test_no_fork_while_another_thread_runs() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not worth_it(10 * PARALLEL_FROM)
    finally:
        stop.set()
        thread.join()


def test_the_work_runs_in_other_processes_and_its_results_come_back_in_task_order() -> None:
    here = os.getpid()
    results = on_every_core(lambda n: (n * n, os.getpid()), list(range(40)))
    assert results is not None
    assert [square for square, _ in results] == [n * n for n in range(40)]
    assert here not in {pid for _, pid in results}
