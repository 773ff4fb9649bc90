"""Engines: how a pipeline's stages run.

A pipeline (`dedup.pipelines`) is a composition of the stage library (`dedup.stages`); what it asks
of the engine that runs it is one thing, `Engine.map`: run a stage function over a stream of jobs
(chunks of pairs, batches of records) and give the results back in job order, with the inputs
every job shares (the batch's documents, the config) handed over once. `LocalEngine` runs the jobs
in forked worker processes on this machine (the default; ``DEDUP_WORKERS`` processes), or in this
process when given one. The results do not depend on the engine or on the number of processes.

The Spark engine (`dedup.engine.spark`, an extra) runs the cluster pipeline's same stage functions
over DataFrame partitions, connected components and bucket member lists, for batches that do not
fit one machine; its output is byte-identical to the local engine's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol


class Engine(Protocol):
    """What a pipeline asks of the engine that runs it."""

    def map(self, function: Callable, jobs: Iterable, *, inputs: tuple = ()) -> Iterator:
        """``function(*inputs, job)`` for each job, yielded in job order as they are done.

        `jobs` may be a stream: an engine reads it no faster than results are taken. `inputs`
        are what every job needs; an engine hands them to each of its workers once.
        """
        ...
