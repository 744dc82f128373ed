"""Work on every core: when it is worth forking workers, and what they hand back.

(How the front-matter cache reads a fresh clone ahead with them:
tests/project/test_read_ahead.py; real cold reads of 900 stories:
tests/project/test_parallel_loading.py.)"""

from __future__ import annotations

import os
import select
import signal
import threading
import time

import pytest

from storykit.project import loading
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


def slowly(n: int) -> tuple[int, int]:
    """A task that takes long enough for every process to take some (3 ms)."""
    time.sleep(0.003)
    return n * n, os.getpid()


pytestmark = pytest.mark.usefixtures("no_worker_left")  # every worker waited for, none left running


def test_every_core_takes_tasks_this_process_too_and_the_results_come_back_in_task_order() -> None:
    results = on_every_core(slowly, list(range(100)))
    if workers() < 2:
        assert results is None  # one core: the caller does the work itself
        return
    assert results is not None
    assert [square for square, _ in results] == [n * n for n in range(100)]
    pids = {pid for _, pid in results}
    assert os.getpid() in pids and len(pids) == min(workers(), 100)


def test_a_worker_s_exception_is_raised_in_this_process() -> None:
    here = os.getpid()

    def fails_in_a_worker(n: int) -> int:
        time.sleep(0.003)
        if os.getpid() != here:
            raise ValueError(f"task {n} failed in a worker")
        return n

    if workers() < 2:
        assert on_every_core(fails_in_a_worker, list(range(100))) is None
        return
    with pytest.raises(ValueError, match=r"^task \d+ failed in a worker$"):
        on_every_core(fails_in_a_worker, list(range(100)))


def test_the_tasks_of_a_worker_that_died_are_done_by_this_process() -> None:
    here = os.getpid()

    def dies_in_a_worker(n: int) -> tuple[int, int]:
        if os.getpid() != here:
            os.kill(os.getpid(), signal.SIGKILL)  # killed (by the OOM killer, say) mid-task
        return slowly(n)

    results = on_every_core(dies_in_a_worker, list(range(100)))
    assert results == ([(n * n, here) for n in range(100)] if workers() >= 2 else None)


def test_ctrl_c_here_stops_the_workers_at_once() -> None:
    here = os.getpid()

    def interrupted_here(n: int) -> int:
        if os.getpid() != here:
            time.sleep(60)  # a worker busy for a minute
        elif n >= 10:
            raise KeyboardInterrupt
        return n

    if workers() < 2:
        assert on_every_core(interrupted_here, list(range(100))) is None
        return
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        on_every_core(interrupted_here, list(range(100)))
    assert time.monotonic() - started < 10  # the busy worker was stopped, not waited for


def test_as_many_tasks_as_the_smallest_pipe_holds_run_and_more_are_left_to_the_caller() -> None:
    # The queue's tokens are written before any process reads them: they must fit in a
    # pipe of one page (PIPE_BUF), or writing them would wait for a reader that never comes.
    assert loading.MAX_TASKS * 4 <= select.PIPE_BUF
    results = on_every_core(abs, list(range(-loading.MAX_TASKS, 0)))
    assert results == (list(range(loading.MAX_TASKS, 0, -1)) if workers() >= 2 else None)
    assert on_every_core(abs, list(range(loading.MAX_TASKS + 1))) is None


def test_what_a_worker_finished_before_it_died_comes_back_and_only_the_rest_is_done_here() -> None:
    here = os.getpid()
    taken: list[int] = []  # each worker's own copy: the tasks it took

    def dies_at_its_third_task(n: int) -> tuple[int, int]:
        if os.getpid() == here:
            time.sleep(0.01)  # slower here: every worker starts and takes three tasks
        else:
            taken.append(n)
            if len(taken) == 3:
                os.kill(os.getpid(), signal.SIGKILL)  # killed mid-task, after sending two results
        return slowly(n)

    results = on_every_core(dies_at_its_third_task, list(range(100)))
    if workers() < 2:
        assert results is None
        return
    assert results is not None
    assert [square for square, _ in results] == [n * n for n in range(100)]
    by_workers = [pid for _, pid in results if pid != here]
    assert len(by_workers) == 2 * (min(workers(), 100) - 1)  # each worker's two results, none done again


def test_a_result_a_worker_cannot_send_back_is_an_error_here() -> None:
    here = os.getpid()

    def unsendable_from_a_worker(n: int) -> object:
        time.sleep(0.003)
        return n if os.getpid() == here else (lambda: n)  # pickle cannot carry a function

    if workers() < 2:
        assert on_every_core(unsendable_from_a_worker, list(range(100))) is None
        return
    with pytest.raises(RuntimeError, match="a worker's result could not be sent back"):
        on_every_core(unsendable_from_a_worker, list(range(100)))


def test_results_larger_than_a_pipe_come_back_whole_whatever_arrived_between_tasks() -> None:
    def big(n: int) -> tuple[bytes, int]:
        time.sleep(0.002)
        return bytes([n % 256]) * (150_000 + n), os.getpid()  # over two pipes' worth each, cut anywhere

    results = on_every_core(big, list(range(60)))
    if workers() < 2:
        assert results is None
        return
    assert results is not None
    assert [data for data, _ in results] == [bytes([n % 256]) * (150_000 + n) for n in range(60)]
    assert len({pid for _, pid in results}) == min(workers(), 60)


def test_each_result_is_taken_here_once_as_soon_as_this_process_has_it() -> None:
    here = os.getpid()
    taken: list[tuple[int, float, tuple[int, int]]] = []
    stop_at: list[float] = []

    def keep(index: int, result: tuple[int, int]) -> None:
        assert os.getpid() == here  # in this process, never in a worker
        taken.append((index, time.monotonic(), result))

    started = time.monotonic()
    results = on_every_core(slowly, list(range(100)), taken=keep)
    stop_at.append(time.monotonic())
    if workers() < 2:
        assert results is None and taken == []  # the caller does the work, and takes it, itself
        return
    assert results is not None
    assert sorted(index for index, _, _ in taken) == list(range(100))  # each once
    assert all(result == results[index] for index, _, result in taken)
    by_workers = [at for index, at, (_, pid) in taken if pid != here]
    assert by_workers and min(by_workers) < started + (stop_at[0] - started) / 2  # taken while the work went on


def test_a_worker_s_result_crosses_as_the_bytes_send_made_and_is_received_before_it_is_taken() -> None:
    here = os.getpid()
    sent: list[int] = []

    def send(result: tuple[int, int]) -> bytes:
        assert os.getpid() != here  # only in a worker
        return f"{result[0]}:{result[1]}".encode()

    def receive(data: bytes) -> tuple[str, int, int]:
        assert os.getpid() == here
        square, pid = data.decode().split(":")
        sent.append(int(pid))
        return ("received", int(square), int(pid))

    taken: dict[int, object] = {}
    results = on_every_core(slowly, list(range(100)), taken=taken.__setitem__, send=send, receive=receive)
    if workers() < 2:
        assert results is None and sent == []
        return
    assert results is not None and taken == dict(enumerate(results))  # received before anything saw it
    by_workers = [r for r in results if r[-1] != here]
    assert by_workers and all(r[0] == "received" for r in by_workers) and len(sent) == len(by_workers)
    assert all(r == (n * n, here) for n, r in enumerate(results) if r[-1] == here)  # this process's: never sent
    assert sorted(r[-2] for r in results) == sorted(n * n for n in range(100))


def test_a_worker_s_big_results_are_taken_between_this_process_s_tasks_not_left_for_the_end() -> None:
    """A group of stories' results is a few hundred KB: the pipe holds several whole
    (1 MiB where the system allows), so this process takes them between its own tasks
    instead of 64 KB at a time, with the rest of them left for the end."""
    here = os.getpid()
    own_ends: list[float] = []
    taken: list[tuple[float, int]] = []

    def work(n: int) -> tuple[bytes, int]:
        if os.getpid() == here:
            time.sleep(0.02)
            own_ends.append(time.monotonic())
        else:
            time.sleep(0.004)
        return bytes([n % 256]) * 150_000, os.getpid()

    results = on_every_core(work, list(range(100)), taken=lambda _, result: taken.append((time.monotonic(), result[1])))
    if workers() < 2:
        assert results is None
        return
    assert results is not None and [data for data, _ in results] == [bytes([n % 256]) * 150_000 for n in range(100)]
    by_workers = [at for at, pid in taken if pid != here]
    assert len(by_workers) > 50  # (the worker's tasks are five times shorter)
    between = [at for at in by_workers if at < own_ends[-1]]
    assert len(between) >= len(by_workers) // 2, (len(between), len(by_workers))


def test_the_tasks_of_a_worker_that_died_are_taken_once_done_here() -> None:
    here = os.getpid()
    taken: list[int] = []

    def dies_in_a_worker(n: int) -> tuple[int, int]:
        if os.getpid() != here:
            os.kill(os.getpid(), signal.SIGKILL)
        return slowly(n)

    results = on_every_core(dies_in_a_worker, list(range(100)), taken=lambda index, _: taken.append(index))
    if workers() < 2:
        assert results is None
        return
    assert sorted(taken) == list(range(100))
