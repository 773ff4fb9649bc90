"""The cluster pipeline (the story level): prepare -> sketch at two grains -> candidates -> TF-IDF
cosine -> relate -> group, over an in-memory batch.

The pairs that `dedup.align.relate` settles by their cosine are settled in bulk; the others are
aligned in chunks that the engine spreads over its workers, every worker given the batch's
documents, sentence tables and one `RatioCache` once.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import numpy as np
import scipy.sparse as sp

from dedup.arrays import unique_sorted
from dedup.bulk_space import SentenceTables
from dedup.config import DedupConfig
from dedup.engine import Engine
from dedup.engine.local import LocalEngine
from dedup.kernels import copy_bound, sorted_common_count
from dedup.model import Article, ClusterResult, Document, ScoredPair, ScoredPairs, id_order
from dedup.progress import CANDIDATES, SCORE, Progress, no_progress
from dedup.score import DocumentSpace, RatioCache, row_dots
from dedup.stages.candidates import candidate_pairs
from dedup.stages.group import copy_groups, input_warnings, number_groups, pairs_in_input_order
from dedup.stages.prepare import collector_paused, lay_out_chunk, prepare_all
from dedup.stages.relate import PhraseCache, align_pairs, settle_by_cosine, settle_by_phrases
from dedup.text import TextLayout
from dedup.version import __version__

# Pairs aligned in one job: the work handed to a process at once. A batch with no more pairs to
# align than this aligns them in this process (an engine runs a single job where it is). A speed
# setting (no output depends on it): with 5,000, generated 10k's 13,911 pairs to align made three
# jobs, two of them the worker's while this process waited after its one; `relate_candidates` took
# 5.6-6.4 s with 5,000 (two runs), 4.8 s with 2,000 (two), 4.2-4.3 s with 1,000 (four) and 500
# (one), and make_corpus 10k's 16.7-18.0 s with 5,000, 17.0-17.4 s with 1,000 (scripted runs of
# `run_cluster`).
_WORK_CHUNK = 1_000
# Candidate pairs whose cosines one job computes: make_corpus 10k has 3.2M candidates (11.4 s in
# one process), a desk's batch of a few thousand articles fewer than this, computed where it is.
_COSINE_CHUNK = 250_000
# Batches of at least this many articles have their texts laid out (`dedup.text.lay_out`: sentences
# split, quotations found) by the engine's jobs while this process builds the documents from them
# (`laid_out`). A smaller batch is prepared in place: at 1,000 generated articles preparing takes
# about 0.45 s, against 0.01-0.03 s to start a worker. A judgment, not tuned: no output depends on it.
_LAYOUT_ALONGSIDE_FROM = 1_000
# Articles laid out per job: large enough that a job's round trip is small beside its work (250
# generated articles: about 35 ms of work), small enough that the first documents are built early.
_LAYOUT_CHUNK = 250
# Batches of at least this many articles build their sentence tables (`SentenceTables`, 3.7 s at
# 10k generated articles in one process) alongside the candidate stage (`Engine.start`), which
# leaves a core idle. A smaller batch builds them in place: they take under a second there (0.08 s
# at 100 generated articles, measured with other work running), so a second process would save
# little. A judgment, not tuned: no output depends on it.
_TABLES_ALONGSIDE_FROM = 1_000


def run_cluster(
    articles: Sequence[Article],
    config: DedupConfig,
    progress: Progress = no_progress,
    *,
    engine: Engine | None = None,
) -> ClusterResult:
    """The whole cluster pipeline over an in-memory batch (ids unique), its alignments run by
    `engine` (default: a `LocalEngine`).

    The batch is processed in `id_order`, so that its stories and canonicals do not depend on the
    input order; the scored pairs and the warnings are given back numbered by input position.
    Python's cyclic garbage collector is paused for the run (`collector_paused`): its full
    collections walk every prepared document again and again (30k generated articles, one process:
    102.3 s with it paused during preparation only, 95.3 s paused throughout); the documents are
    dropped before it resumes. The sentence tables the alignments read are built alongside the
    candidate stage (`Engine.start`).
    """
    order = sorted(range(len(articles)), key=lambda k: id_order(articles[k]))
    engine = LocalEngine() if engine is None else engine
    with collector_paused():
        batch = [articles[k] for k in order]
        documents = prepare_all(batch, progress, layouts=laid_out(batch, engine))
        del batch
        # Begun now for a large batch; a small one's are built where the alignments need them.
        building = engine.start(SentenceTables, documents) if len(documents) >= _TABLES_ALONGSIDE_FROM else None
        try:
            document_space = DocumentSpace(documents)
            candidates = candidate_pairs(documents, document_space, config.candidates, config.seed)
            progress(CANDIDATES, len(candidates))
            # Taken now, before the cosines' workers fork, so that the child that built them exits:
            # asked for by the alignments, after the cosines, it held its memory (the pages of the
            # documents it read, copied) through them (30k generated articles: 931 MB of 1,837).
            tables = building.result() if building is not None else None
        finally:
            if building is not None:
                building.cancel()  # an error before the tables were taken: not left running
        del building
        start_compiled_loops()  # before the cosines' and the alignments' workers fork
        cosines = candidate_cosines(document_space, candidates, engine)
        wordless = document_space.matrix.getnnz(axis=1) == 0
        scored = relate_candidates(
            documents, candidates, cosines, wordless, config, progress, engine=engine, tables=tables
        )
        del tables  # the tables are the alignments' only: not held through grouping
        pending = copy_groups(documents, scored, document_space, config, positions=order)
        result = ClusterResult(
            tuple(number_groups(pending)),
            pairs_in_input_order(scored, order),
            config.as_dict(),
            __version__,
            input_warnings(pending),
        )
        # Dropped while the collector is still paused: every object made during the pause is in
        # its youngest generation, and the first collections after it resumes walk all that are
        # still alive. From the groups made to the result returned, 30k generated articles (one
        # run each): 3.4 s with the documents held, 0.65 s with them dropped here (of which 0.4 s
        # freeing them); the text cache's cycle, now gone (`dedup.text._SentenceTokens`), kept
        # 1.1 s of it.
        del documents, document_space, candidates, cosines, wordless, scored, pending
    return result


def laid_out(articles: Sequence[Article], engine: Engine) -> Iterator[TextLayout] | None:
    """The articles' `dedup.text.lay_out`, in order, found by `engine`'s jobs (`lay_out_chunk`,
    `_LAYOUT_CHUNK` articles a job) as a stream, so that `prepare_all` builds the first documents
    while a worker lays out the rest (`Engine.map` with `alongside`: this process runs no layout
    itself). Preparing took 3.5-3.6 s instead of 4.5-4.6 s in one process on 10k generated
    articles, 3.3 s instead of 4.9-5.2 s on make_corpus 10k (two runs each, this machine, 2 cores).
    None for a batch under `_LAYOUT_ALONGSIDE_FROM` articles, prepared whole in place."""
    if len(articles) < _LAYOUT_ALONGSIDE_FROM:
        return None
    count = len(articles)
    chunks = [(start, min(start + _LAYOUT_CHUNK, count)) for start in range(0, count, _LAYOUT_CHUNK)]
    return itertools.chain.from_iterable(engine.map(lay_out_chunk, chunks, inputs=(articles,), alongside=True))


def start_compiled_loops() -> None:
    """Start numba in this process and load the candidate cosines' loop (`dedup.score.row_dots`),
    so that workers forked afterwards inherit them: a process that calls a compiled loop first
    starts numba (0.22 s and about 44 MB of private memory here), and a worker whose parent has
    not would start it in each pool (10k generated: an alignment worker's private memory after its
    first job 190 MB, 166 MB with its parent started). The loop is called on a 2-row matrix, the
    alignment workers' phrase count (`dedup.kernels.sorted_common_count`) on two phrases, and their
    copy bound (`dedup.kernels.copy_bound`, which `dedup.align.copy_ruled_out` calls) on a pair of
    one sentence each, with the argument types the workers give it."""
    two_rows = sp.csr_matrix(np.ones((2, 1), dtype=np.float32))
    row_dots(two_rows, np.array([0], dtype=np.int64), np.array([1], dtype=np.int64))
    sorted_common_count(np.zeros(1, dtype=np.uint32), np.zeros(1, dtype=np.uint32))
    counts, keys, quoted, bar = (
        np.zeros(1, dtype=np.int32),
        np.zeros(1, dtype=np.int64),
        np.zeros(1, bool),
        np.float32(0),
    )
    copy_bound(
        np.zeros((1, 1), dtype=np.float32), counts, counts, quoted, keys, counts, counts, quoted, keys, bar, 0, bar, bar
    )


def candidate_cosines(document_space: DocumentSpace, pairs: np.ndarray, engine: Engine) -> np.ndarray:
    """`DocumentSpace.cosine` of every candidate pair (rows of `pairs`), in chunks that `engine`
    spreads over its workers; each pair's cosine is computed alone, so the chunks change no bit."""
    chunks = [(start, min(start + _COSINE_CHUNK, len(pairs))) for start in range(0, len(pairs), _COSINE_CHUNK)]
    parts = list(engine.map(_cosine_chunk, chunks, inputs=(document_space, pairs)))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def _cosine_chunk(document_space: DocumentSpace, pairs: np.ndarray, chunk: tuple[int, int]) -> np.ndarray:
    """Cosines of the candidate pairs numbered ``chunk[0]`` to ``chunk[1]`` (excluded)."""
    start, stop = chunk
    return document_space.cosine(pairs[start:stop])


def relate_candidates(
    documents: Sequence[Document],
    pairs: np.ndarray,
    cosines: np.ndarray,
    wordless: np.ndarray,
    config: DedupConfig,
    progress: Progress = no_progress,
    *,
    engine: Engine | None = None,
    tables: SentenceTables | None = None,
) -> ScoredPairs:
    """Alignment coverage and relation of every candidate pair: those `relate` settles by their
    cosine, then those it settles by their phrases, in bulk (`dedup.stages.relate.settle_by_cosine`,
    `settle_by_phrases`), the rest aligned pair by pair in the pair's own sentence space
    (`dedup.stages.relate.align_pairs`), in chunks run by `engine`.
    The sentence-pair word diffs are kept in one `RatioCache` for the batch, which each forked
    worker is given with the documents and fills on its own. `tables` are the documents'
    `SentenceTables` when the caller has them (built alongside its candidate stage); without them
    they are built here when a pair needs aligning.
    """
    engine = LocalEngine() if engine is None else engine
    scored, to_align = settle_by_cosine(pairs, cosines, wordless, config)
    progress(SCORE, len(pairs) - len(to_align))
    # The documents of pairs `relate` may settle by their phrases (`dedup.align.settled_unaligned`),
    # whose phrases are hashed once, here, before the workers fork; those pairs are then settled
    # in bulk, and the rest aligned (make_corpus 10k: 171k of 213k settled).
    aligned_rows = np.asarray(to_align, dtype=np.int64)
    below = aligned_rows[cosines[aligned_rows] < config.relation.sure_align_cosine]
    phrases = PhraseCache(documents[index] for index in unique_sorted(pairs[below]).tolist())
    to_align = settle_by_phrases(scored, aligned_rows, documents, phrases, config).tolist()
    progress(SCORE, len(aligned_rows) - len(to_align))
    chunks = [to_align[start : start + _WORK_CHUNK] for start in range(0, len(to_align), _WORK_CHUNK)]
    sentence_tables = None
    if to_align:
        sentence_tables = SentenceTables(documents) if tables is None else tables
    inputs = (documents, sentence_tables, pairs, cosines, config, RatioCache(), phrases)
    for chunk, chunk_scores in zip(chunks, engine.map(_relate_chunk, chunks, inputs=inputs)):
        for k, pair in zip(chunk, chunk_scores):
            scored.put(k, pair)
        progress(SCORE, len(chunk))
    return scored


def _relate_chunk(
    documents: Sequence[Document],
    tables: SentenceTables,
    pairs: np.ndarray,
    cosines: np.ndarray,
    config: DedupConfig,
    ratios: RatioCache,
    phrases: PhraseCache,
    chunk: list[int],
) -> list[ScoredPair]:
    """Scored pairs of the candidate pairs numbered in `chunk`."""
    index_pairs = [tuple(pair) for pair in pairs[chunk].tolist()]
    # Python floats made here, for this chunk: a list of every candidate's (3.2M at make_corpus 10k)
    # made before the workers fork would be copied into each of them as they read it.
    cosines_of_chunk = cosines[np.asarray(chunk, dtype=np.int64)].tolist()
    return align_pairs(
        documents,
        index_pairs,
        cosines_of_chunk,
        config,
        tables=tables,
        ratios=ratios,
        phrases=phrases,
        copies_only=True,
    )
