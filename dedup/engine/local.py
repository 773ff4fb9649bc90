"""The local engine: a pipeline's stage jobs in forked worker processes on this machine.

Workers are forked, so they share the batch without copying it; results are put back in job order,
so the output does not depend on the number of processes. ``DEDUP_WORKERS=1`` keeps everything in
this process.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence


def workers() -> int:
    """Worker processes to use: ``DEDUP_WORKERS`` if set, else the CPUs this process may run on."""
    setting = os.environ.get("DEDUP_WORKERS", "").strip()
    if setting.isdigit() and int(setting) >= 1:
        return int(setting)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def ordered_map(function: Callable, jobs: Iterable, processes: int, *, in_flight: int, inputs: tuple = ()) -> Iterator:
    """``function(*inputs, job)`` for each job, in order, in `processes` forked workers with at most
    `in_flight` jobs handed out ahead of the result being read, so that a stream of jobs is never
    read faster than it is used; in this process when there is one job, one process, or no fork
    (not Linux).

    `inputs` are what every job needs (a batch's documents, the config): each worker is given
    them once, when it starts, by the pool's initializer, and a fork shares their memory with it
    instead of copying them; only the jobs and the results travel between processes.
    """
    jobs = iter(jobs)
    first = next(jobs, None)
    second = next(jobs, None) if first is not None else None
    if second is None or processes < 2 or not sys.platform.startswith("linux"):
        for job in (first, second):
            if job is not None:
                yield function(*inputs, job)
        for job in jobs:
            yield function(*inputs, job)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(processes, initializer=_WorkerTask.start, initargs=(function, inputs)) as pool:
        pending: deque = deque(pool.apply_async(_WorkerTask.run, (job,)) for job in (first, second))
        for job in jobs:
            if len(pending) >= in_flight:
                yield pending.popleft().get()
            pending.append(pool.apply_async(_WorkerTask.run, (job,)))
        while pending:
            yield pending.popleft().get()


class _WorkerTask:
    """The function and inputs of the pool a worker process belongs to, set once by the pool's
    initializer in that worker (never in the process that made the pool)."""

    function: Callable | None = None
    inputs: tuple = ()

    @classmethod
    def start(cls, function: Callable, inputs: tuple) -> None:
        cls.function, cls.inputs = function, inputs

    @classmethod
    def run(cls, job: object) -> object:
        assert cls.function is not None, "run only in a worker started by ordered_map"
        return cls.function(*cls.inputs, job)


class LocalEngine:
    """The default `dedup.engine.Engine`: jobs in `processes` forked workers (``DEDUP_WORKERS``, else
    every CPU this process may use), at most two jobs a worker handed out ahead of the results read;
    in this process when `processes` is 1 or there is only one job."""

    def __init__(self, processes: int | None = None) -> None:
        if processes is not None and processes < 1:
            raise ValueError(f"processes must be at least 1, got {processes}")
        self.processes = workers() if processes is None else processes

    def map(self, function: Callable, jobs: Iterable, *, inputs: tuple = ()) -> Iterator:
        """``function(*inputs, job)`` for each job, in job order (`ordered_map`); no more workers
        are started than there are jobs when `jobs` is a sequence."""
        processes = self.processes
        if isinstance(jobs, Sequence):
            processes = max(1, min(processes, len(jobs)))
        return ordered_map(function, jobs, processes, in_flight=2 * processes, inputs=inputs)
