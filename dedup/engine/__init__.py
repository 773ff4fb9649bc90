"""Engines: how a pipeline's stages run.

A pipeline (`dedup.pipelines`) is a composition of the stage library (`dedup.stages`); what it asks
of the engine that runs it is two things: `Engine.map`, run a stage function over a stream of jobs
(chunks of pairs, batches of records) and give the results back in job order, with the inputs
every job shares (the batch's documents, the config) handed over once; and `Engine.start`, begin
one job now, to run alongside what the pipeline does next, its result taken when it is needed.
`LocalEngine` runs the jobs in this process and forked worker processes on this machine (the
default; ``DEDUP_WORKERS`` processes in all), or in this process alone when given one. The results
do not depend on the engine or on the number of processes.

The Spark engine (`dedup.engine.spark`, an extra) runs the cluster pipeline's same stage functions
over DataFrame partitions, connected components and bucket member lists, for batches that do not
fit one machine; its output is byte-identical to the local engine's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol


class Pending(Protocol):
    """A job an engine has begun (`Engine.start`)."""

    def result(self) -> Any:
        """The job's result, once it is done (waiting for it if need be); an exception the job
        raised is raised here."""
        ...

    def cancel(self) -> None:
        """Stop the job if it is still running and its result has not been taken; nothing otherwise."""
        ...


class Engine(Protocol):
    """What a pipeline asks of the engine that runs it."""

    def map(self, function: Callable, jobs: Iterable, *, inputs: tuple = (), alongside: bool = False) -> Iterator:
        """``function(*inputs, job)`` for each job, yielded in job order as they are done.

        `jobs` may be a stream: an engine reads it no faster than results are taken. `inputs`
        are what every job needs; an engine hands them to each of its workers once. `alongside`
        says that the caller works on each result as it comes (building documents from text
        layouts), so the jobs are best left to workers of their own where the engine has them.
        """
        ...

    def start(self, function: Callable, *inputs: Any) -> Pending:
        """``function(*inputs)`` begun now, to run alongside what the pipeline does next; its
        result is taken from the returned `Pending`. An engine with nothing to run it alongside
        may run it when the result is asked for."""
        ...
