"""One job on another core while the command goes on (storykit.project.loading.Beside):
what it hands back, and what happens when the worker fails, dies or is not needed.

(How a cold ``storykit check`` renders the tracker with it while it takes the
stories' results: tests/project/test_parallel_loading.py.)"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from storykit.project import loading


pytestmark = pytest.mark.usefixtures("no_worker_left")  # every worker waited for, none left running


MANY_CORES = loading.workers() >= 2


def test_the_job_runs_in_another_process_while_this_one_goes_on_and_its_result_comes_back() -> None:
    here = os.getpid()
    started = time.monotonic()
    with loading.Beside(lambda: (time.sleep(0.3), os.getpid(), "x" * 300_000)[1:]) as job:
        assert job.started == MANY_CORES
        assert time.monotonic() - started < 0.25  # this process did not wait for the job
        pid, text = job.result()
    assert text == "x" * 300_000  # larger than a pipe holds: it came back whole
    assert (pid != here) == MANY_CORES
    assert job.result() == (pid, text)  # asked again: the same result, not the job again


def test_the_job_s_exception_is_raised_here() -> None:
    def fails() -> int:
        raise ValueError("the job failed")

    with loading.Beside(fails) as job:
        for _ in range(2):  # asked again: the same exception
            with pytest.raises(ValueError, match="^the job failed$"):
                job.result()


def test_the_job_of_a_worker_that_died_is_done_here() -> None:
    here = os.getpid()

    def dies_in_a_worker() -> int:
        if os.getpid() != here:
            os.kill(os.getpid(), signal.SIGKILL)  # killed (by the OOM killer, say) mid-job
        return os.getpid()

    with loading.Beside(dies_in_a_worker) as job:
        assert job.result() == here


def test_a_result_the_worker_cannot_send_back_is_an_error_here() -> None:
    here = os.getpid()

    def unsendable() -> object:
        return 1 if os.getpid() == here else (lambda: 1)  # pickle cannot carry a function

    with loading.Beside(unsendable) as job:
        if not job.started:
            assert job.result() == 1
            return
        with pytest.raises(RuntimeError, match="a worker's result could not be sent back"):
            job.result()


def test_a_job_not_asked_for_is_stopped_at_once_when_the_block_ends() -> None:
    started = time.monotonic()
    with loading.Beside(lambda: time.sleep(60)) as job:
        assert job.started == MANY_CORES
    assert time.monotonic() - started < 10  # stopped, not waited for (the fixture: and reaped)


def test_ctrl_c_here_stops_the_worker_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), loading.Beside(lambda: time.sleep(60)):
        raise KeyboardInterrupt
    assert time.monotonic() - started < 10


def test_with_another_thread_running_nothing_is_forked_and_the_job_runs_here_when_asked() -> None:
    here, ran = os.getpid(), []
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with loading.Beside(lambda: ran.append(os.getpid()) or "done") as job:
            assert not job.started
            assert ran == []  # nothing ran yet: the job runs when its result is asked for
            assert job.result() == "done"
    finally:
        stop.set()
        thread.join()
    assert ran == [here]
