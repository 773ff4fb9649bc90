"""The local engine: a pipeline's stage jobs in this process and forked worker processes on this
machine.

Workers are forked, so they share the batch without copying it (until they read its Python
objects, whose pages they then copy); results are put back in job order, so the output does not
depend on the number of processes. ``DEDUP_WORKERS=1`` keeps everything in this process.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import pickle
import signal
import sys
import traceback
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from dedup.errors import WorkerLost

# What to try when a worker is killed: said with every `WorkerLost` that a kill may explain.
_WHAT_TO_TRY = "perhaps for lack of memory: try fewer processes (DEDUP_WORKERS=1) or a smaller batch"


def workers() -> int:
    """Worker processes to use: ``DEDUP_WORKERS`` if set, else the CPUs this process may run on."""
    setting = os.environ.get("DEDUP_WORKERS", "").strip()
    if setting.isdigit() and int(setting) >= 1:
        return int(setting)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def ordered_map(
    function: Callable, jobs: Iterable, processes: int, *, in_flight: int, inputs: tuple = (), here: bool = True
) -> Iterator:
    """``function(*inputs, job)`` for each job, in order, over `processes` processes: this one and
    ``processes - 1`` forked workers, with at most `in_flight` jobs taken from `jobs` ahead of the
    result being read, so that a stream of jobs is never read faster than it is used; all in this
    process when there is one job, one process, or no fork (not Linux). Without `here`, the workers
    run every job (when there are workers), for a caller that works on each result as it comes.

    `inputs` are what every job needs (a batch's documents, the config): each worker is given
    them once, when it starts, by the pool's initializer, and a fork shares their memory with it
    instead of copying them; only the jobs and the results travel between processes. This process
    runs a job itself whenever each worker has one, having handed each a second one to go on with,
    instead of waiting for them: a worker that reads Python objects of `inputs` (the documents an
    alignment reads) copies every page it reads them from, as reading an object writes its
    reference count, where this process reads its own pages (30k generated articles, story level:
    an alignment worker's private memory 385-432 MB, about 90% of it pages copied from its parent).
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
    jobs = itertools.chain((first, second), jobs)
    # A process pool from `concurrent.futures` rather than `multiprocessing.Pool`: when a worker
    # dies (killed by the system for memory), every job it had not given back fails with
    # `BrokenProcessPool`, where a `multiprocessing.Pool` replaces the worker and leaves the lost
    # job's result waited for forever.
    pool = ProcessPoolExecutor(
        processes - 1, mp_context=context, initializer=_WorkerTask.start, initargs=(function, inputs)
    )
    name = getattr(function, "__qualname__", repr(function))
    pending: deque[_Done | Future] = deque()  # each job's result in job order: done here, or a worker's
    try:
        if not here:
            for job in jobs:
                while len(pending) >= in_flight:
                    yield _result(pending.popleft())
                pending.append(pool.submit(_WorkerTask.run, job))
            while pending:
                yield _result(pending.popleft())
            return

        def busy() -> int:
            """Jobs handed to the workers and not done yet."""
            return sum(1 for entry in pending if not isinstance(entry, _Done) and not entry.done())

        for job in jobs:
            while len(pending) >= in_flight:
                yield _result(pending.popleft())
            if busy() < processes - 1:  # a worker without a job takes this one
                pending.append(pool.submit(_WorkerTask.run, job))
                continue
            # This process runs the job, having first handed each worker one more to go on with.
            mine = _Done()
            pending.append(mine)
            while busy() < 2 * (processes - 1) and len(pending) < in_flight:
                ahead = next(jobs, _NO_JOB)
                if ahead is _NO_JOB:
                    break
                pending.append(pool.submit(_WorkerTask.run, ahead))
            mine.value = function(*inputs, job)
            while pending and (isinstance(pending[0], _Done) or pending[0].done()):
                yield _result(pending.popleft())
        while pending:
            yield _result(pending.popleft())
    except BrokenProcessPool as error:  # from a job's result, or from handing a worker the next job
        raise WorkerLost(
            f"a worker process running {name} ended without its result (killed, {_WHAT_TO_TRY})"
        ) from error
    finally:
        # Jobs not started are dropped; a worker's job under way is not waited for (left early
        # on an error, or by a caller that stopped reading), the worker ending after it.
        pool.shutdown(wait=not pending, cancel_futures=True)


_NO_JOB = object()


class _Done:
    """The result of a job `ordered_map` runs in this process (set once it has run), waiting for
    its turn."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: Any = None


def _result(entry: _Done | Future) -> Any:
    """The result an `ordered_map` entry holds: a `_Done`'s value, or a worker's (waited for,
    its exception raised here)."""
    return entry.value if isinstance(entry, _Done) else entry.result()


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


class DeferredJob:
    """A job run in this process when its result is first asked for (`LocalEngine.start` with one
    process, or where there is no fork)."""

    def __init__(self, function: Callable, inputs: tuple) -> None:
        self._call: tuple[Callable, tuple] | None = (function, inputs)
        self._value: Any = None

    def result(self) -> Any:
        """Run the job the first time (its exception raised here), give its result every time."""
        if self._call is not None:
            function, inputs = self._call
            self._value = function(*inputs)
            self._call = None
        return self._value

    def cancel(self) -> None:
        """Forget the job if it has not run."""
        if self._call is not None:
            self._call = None
            self._value = None


class ForkedJob:
    """A job run in a forked child process from now on, alongside its parent: the child shares the
    parent's memory as it was at the fork, and sends its result back when the parent asks for it
    (`result`), or the exception it raised, with the child's traceback as a note. The child is a
    daemon: it does not outlive its parent.

    The result is pickled with its large buffers (numpy arrays, and the arrays of scipy matrices)
    out of band: the pickle without them goes through a `multiprocessing` pipe, and each buffer
    through a second, raw pipe, read straight into the memory the parent's copy will use. Pickled
    whole, the result was copied once more on each side while it went across (100k generated
    articles: the sentence tables' hand-over was the run's largest moment)."""

    def __init__(self, function: Callable, inputs: tuple) -> None:
        context = multiprocessing.get_context("fork")
        self._name = getattr(function, "__qualname__", repr(function))
        self._receive, send = context.Pipe(duplex=False)
        self._bulk, bulk_send = os.pipe()
        self._process = context.Process(
            target=_run_and_send, args=(function, inputs, send, bulk_send, self._bulk), daemon=True
        )
        self._process.start()
        # The child's ends: the parent's copies closed, so a child that dies reads as EOF.
        send.close()
        os.close(bulk_send)
        self._outcome: tuple[bool, Any] | None = None  # (done, result or exception), once received
        # A job dropped without its result taken or cancelled stops its child and closes its pipes
        # when it is collected, instead of leaving both until this process ends.
        self._release = weakref.finalize(self, _stop_and_close, os.getpid(), self._process, self._receive, self._bulk)

    def result(self) -> Any:
        """The child's result (waiting for it); its exception raised here, every time it is asked
        for; a child that ended without sending one (killed, out of memory) raises `WorkerLost`."""
        if self._outcome is None:
            try:
                head, sizes = self._receive.recv()
                buffers = []
                for size in sizes:
                    buffers.append(bytearray(size))
                    _read_into(self._bulk, buffers[-1])
                done, value, child_traceback = pickle.loads(head, buffers=buffers)
            except EOFError:
                self._process.join()
                code = self._process.exitcode
                # SIGKILL is what the system's out-of-memory killer sends.
                how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
                how += f", {_WHAT_TO_TRY}" if code == -signal.SIGKILL else ""
                done, value = False, WorkerLost(f"the background job {self._name} ended without a result ({how})")
            else:
                self._process.join()
                if not done:
                    value.add_note(f"in the background job {self._name}:\n{child_traceback}")
            finally:
                self._close()
            self._outcome = (done, value)
        done, value = self._outcome
        if not done:
            raise value
        return value

    def cancel(self) -> None:
        """Stop the child if its result has not been taken."""
        if self._outcome is None:
            self._process.terminate()
            self._process.join()
            self._close()
            self._outcome = (False, RuntimeError(f"the background job {self._name} was cancelled"))

    def _close(self) -> None:
        """Close the parent's ends of both pipes (once: the finalizer then has nothing to do)."""
        self._release.detach()
        self._receive.close()
        os.close(self._bulk)


def _stop_and_close(owner: int, process: Any, receive: Any, bulk: int) -> None:
    """A dropped `ForkedJob`'s finalizer: its child stopped, the parent's ends of its pipes closed;
    nothing in a process forked from the parent (`owner`) that runs it at its exit."""
    if os.getpid() != owner:
        return
    if process.is_alive():
        process.terminate()
    process.join()
    process.close()  # its sentinel's descriptor too
    receive.close()
    os.close(bulk)


def _run_and_send(function: Callable, inputs: tuple, send: Any, bulk: int, bulk_read: int) -> None:
    """In a `ForkedJob`'s child: ``function(*inputs)``, sent as (True, result, "") or, if it
    raised, (False, exception, traceback text), pickled with its large buffers out of band (the
    pickle and the buffers' sizes through `send`, the buffers through the raw pipe `bulk`); an
    exception that cannot be pickled is sent as a `RuntimeError` naming it."""
    os.close(bulk_read)  # the parent's end
    try:
        message = (True, function(*inputs), "")
    except BaseException as error:  # sent to the parent, which raises it
        message = (False, error, traceback.format_exc())
    buffers: list[pickle.PickleBuffer] = []
    try:
        try:
            head = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
        except Exception:  # the result or the exception would not pickle
            if message[0]:
                raise
            buffers = []
            head = pickle.dumps((False, RuntimeError(f"{type(message[1]).__name__}: {message[1]}"), message[2]))
        views = [buffer.raw() for buffer in buffers]
        send.send((head, [view.nbytes for view in views]))
        for view in views:
            _write_all(bulk, view)
    finally:
        send.close()
        os.close(bulk)


def _write_all(descriptor: int, view: memoryview) -> None:
    """Write all of `view` (bytes) to the pipe `descriptor`."""
    while len(view):
        view = view[os.write(descriptor, view) :]


def _read_into(descriptor: int, buffer: bytearray) -> None:
    """Fill `buffer` from the pipe `descriptor`; `EOFError` if it ends first."""
    view = memoryview(buffer)
    while len(view):
        count = os.readv(descriptor, [view])
        if not count:
            raise EOFError("the pipe ended before the buffer was filled")
        view = view[count:]


class LocalEngine:
    """The default `dedup.engine.Engine`: jobs over `processes` processes (``DEDUP_WORKERS``, else
    every CPU this process may use), this one and ``processes - 1`` forked workers (`ordered_map`),
    at most two jobs a process taken ahead of the results read; all in this process when
    `processes` is 1 or there is only one job."""

    def __init__(self, processes: int | None = None) -> None:
        if processes is not None and processes < 1:
            raise ValueError(f"processes must be at least 1, got {processes}")
        self.processes = workers() if processes is None else processes

    def map(self, function: Callable, jobs: Iterable, *, inputs: tuple = (), alongside: bool = False) -> Iterator:
        """``function(*inputs, job)`` for each job, in job order (`ordered_map`); no more processes
        take part than there are jobs when `jobs` is a sequence. `alongside`: the workers run every
        job while this process works on the results (with one process, it runs them itself)."""
        processes = self.processes
        if isinstance(jobs, Sequence):
            processes = max(1, min(processes, len(jobs) + (1 if alongside else 0)))
        return ordered_map(function, jobs, processes, in_flight=2 * processes, inputs=inputs, here=not alongside)

    def start(self, function: Callable, *inputs: Any) -> DeferredJob | ForkedJob:
        """``function(*inputs)`` in a forked child from now on (`ForkedJob`), which shares this
        process's memory as it is now and runs on another core alongside it; in this process, when
        the result is asked for (`DeferredJob`), when `processes` is 1 or there is no fork."""
        if self.processes < 2 or not sys.platform.startswith("linux"):
            return DeferredJob(function, inputs)
        return ForkedJob(function, inputs)
