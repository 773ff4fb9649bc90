"""The local engine: run the cluster pipeline on this machine over a batch of articles.

Stages, each a function of the previous one's output: prepare (text) -> candidates (MinHash/LSH at
two grains) -> score (TF-IDF cosine, sentence alignment, relation) -> group (stories, copy groups).

Scoring is spread over worker processes (forked, so they share the batch without
copying it) when the batch is large enough to repay them; results are put back in input order, so
the output does not depend on the number of processes. ``DEDUP_WORKERS=1`` keeps everything in
this process.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np

from dedup.align import needs_alignment
from dedup.bulk_space import SentenceTables
from dedup.config import CandidateConfig, DedupConfig
from dedup.engine.stages import (
    align_pairs,
    banded_pairs,
    copy_groups,
    copy_signatures,
    input_warnings,
    number_groups,
    pairs_in_input_order,
    story_signatures,
)
from dedup.model import Article, ClusterResult, Document, ScoredPair, ScoredPairs, id_order
from dedup.progress import CANDIDATES, PREPARE, SCORE, Progress, no_progress
from dedup.score import DocumentSpace, RatioCache
from dedup.text import TextCache, prepare
from dedup.version import __version__

# Below these sizes one process is faster than starting workers and shipping results back.
_PARALLEL_MIN_PAIRS = 2_000
# Work handed to a worker at once.
_WORK_CHUNK = 5_000


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
    function: Callable, jobs: Iterable, processes: int, *, in_flight: int, inputs: tuple = ()
) -> Iterator:
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


def prepare_all(articles: Sequence[Article], progress: Progress = no_progress) -> list[Document]:
    """Prepare every article (normalise, strip furniture, split sentences), in input order.

    In this process: copies share their repeated sentences' texts and token tuples through one
    `dedup.text.TextCache`, made for this batch and dropped with it, which documents prepared in
    workers and sent back would not (measured on 10k generated articles: two workers 10% faster,
    35% more memory).
    """
    cache = TextCache()
    documents = []
    for article in articles:
        documents.append(prepare(article, cache=cache))
        progress(PREPARE, 1)
    return documents


def score_candidates(
    documents: Sequence[Document],
    pairs: np.ndarray,
    cosines: np.ndarray,
    wordless: np.ndarray,
    config: DedupConfig,
    progress: Progress = no_progress,
) -> ScoredPairs:
    """Alignment coverage and relation of every candidate pair: `dedup.align.relate`, pair by pair,
    in the pair's own sentence space (`dedup.engine.stages.align_pairs`); the pairs that `relate`
    would settle by their cosine alone (`dedup.align.needs_alignment`, given which documents have
    no content word: `wordless`) are settled here in bulk, as columns, without a Python object each.
    The sentence-pair word diffs are kept in one `RatioCache` for the batch, which each forked
    worker is given with the documents and fills on its own.
    """
    cosine_list = cosines.tolist()
    scored = ScoredPairs.unrelated(pairs[:, 0], pairs[:, 1], np.array(cosine_list, dtype=np.float64))
    aligned = needs_alignment(cosines, wordless[pairs[:, 0]], wordless[pairs[:, 1]], config.relation)
    to_align = np.flatnonzero(aligned).tolist()
    progress(SCORE, len(pairs) - len(to_align))
    chunks = [to_align[start : start + _WORK_CHUNK] for start in range(0, len(to_align), _WORK_CHUNK)]
    processes = min(workers(), len(chunks)) if len(to_align) >= 2 * _PARALLEL_MIN_PAIRS else 1
    inputs = (documents, SentenceTables(documents) if to_align else None, pairs, cosine_list, config, RatioCache())
    scores = ordered_map(_score_chunk, chunks, processes, in_flight=2 * processes, inputs=inputs)
    for chunk, chunk_scores in zip(chunks, scores):
        for k, pair in zip(chunk, chunk_scores):
            scored.put(k, pair)
        progress(SCORE, len(chunk))
    return scored


def candidate_pairs(
    documents: Sequence[Document], space: DocumentSpace, config: CandidateConfig, seed: int
) -> np.ndarray:
    """Pairs (i < j) that share an LSH bucket at the copy grain or at the story grain."""
    if len(documents) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    return banded_pairs(copy_signatures(documents, config, seed), story_signatures(space, config, seed), config)


def _score_chunk(
    documents: Sequence[Document],
    tables: SentenceTables,
    pairs: np.ndarray,
    cosines: list[float],
    config: DedupConfig,
    ratios: RatioCache,
    chunk: list[int],
) -> list[ScoredPair]:
    """Scored pairs of the candidate pairs numbered in `chunk`."""
    index_pairs = [tuple(pair) for pair in pairs[chunk].tolist()]
    return align_pairs(documents, index_pairs, [cosines[k] for k in chunk], config, tables=tables, ratios=ratios)


def run_cluster(articles: Sequence[Article], config: DedupConfig, progress: Progress = no_progress) -> ClusterResult:
    """The whole cluster pipeline over an in-memory batch (ids unique).

    The batch is processed in `id_order`, so that its stories and canonicals do not depend on the
    input order; the scored pairs and the warnings are given back numbered by input position.
    """
    order = sorted(range(len(articles)), key=lambda k: id_order(articles[k]))
    documents = prepare_all([articles[k] for k in order], progress)
    document_space = DocumentSpace(documents)
    candidates = candidate_pairs(documents, document_space, config.candidates, config.seed)
    progress(CANDIDATES, len(candidates))
    cosines = document_space.cosine(candidates)
    wordless = document_space.matrix.getnnz(axis=1) == 0
    scored = score_candidates(documents, candidates, cosines, wordless, config, progress)
    pending = copy_groups(documents, scored, document_space, config, positions=order)
    return ClusterResult(
        tuple(number_groups(pending)),
        pairs_in_input_order(scored, order),
        config.as_dict(),
        __version__,
        input_warnings(pending),
    )
