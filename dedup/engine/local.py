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
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from dedup.align import AlignmentPlan, same_words, score_pair, scored_pair
from dedup.config import CandidateConfig, DedupConfig
from dedup.group import choose_canonical, copy_components, story_clusters, strongest_relation
from dedup.minhash import MinHasher, lsh_candidate_pairs
from dedup.model import COPY_RELATIONS, Alignment, Article, ClusterResult, CopyGroup, Document, Member, ScoredPair
from dedup.score import DocumentSpace, SentenceSpace
from dedup.shingles import shingle_hashes_many, token_hash32, token_hashes
from dedup.text import prepare

Progress = Callable[[str, int], None]
"""Called as progress(stage, n_done_increment); the CLI turns it into a progress bar."""


def _no_progress(stage: str, advance: int) -> None:
    return None


# Below these sizes one process is faster than starting workers and shipping results back.
_PARALLEL_MIN_PAIRS = 2_000
# Work handed to a worker at once, and inputs of worker functions (set before forking).
_WORK_CHUNK = 5_000
_SHARED: dict[str, object] = {}


def workers() -> int:
    """Worker processes to use: ``DEDUP_WORKERS`` if set, else the CPUs this process may run on."""
    setting = os.environ.get("DEDUP_WORKERS", "").strip()
    if setting.isdigit() and int(setting) >= 1:
        return int(setting)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _parallel_map(function: Callable[[list[int]], list], chunks: list[list[int]], count: int) -> Iterator[list]:
    """``function(chunk)`` for each chunk, in order: in forked workers when there are several
    chunks, several workers and fork is available (Linux), else in this process."""
    processes = min(workers(), len(chunks))
    if processes < 2 or count < 2 or not sys.platform.startswith("linux"):
        yield from map(function, chunks)
        return
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        yield from pool.imap(function, chunks)


def prepare_all(articles: Sequence[Article], progress: Progress = _no_progress) -> list[Document]:
    """Prepare every article (normalise, strip furniture, split sentences), in input order.

    In this process: copies share their repeated sentences' texts and token tuples through
    `dedup.text`'s cache, which documents prepared in workers and sent back would not (measured on
    10k generated articles: two workers 10% faster, 35% more memory).
    """
    documents = []
    for article in articles:
        documents.append(prepare(article))
        progress("prepare", 1)
    return documents


def story_terms(space: DocumentSpace, count: int) -> list[np.ndarray]:
    """Each document's `count` highest-weighted TF-IDF terms among those shared with another document.

    A term found in one document only cannot make a pair, and batch IDF ranks exactly those
    highest, so they are left out before ranking. Ties in weight go to the lower column.
    """
    matrix = space.matrix
    n_docs = matrix.shape[0]
    shared = np.bincount(matrix.indices, minlength=matrix.shape[1]) >= 2
    rows = np.repeat(np.arange(n_docs), np.diff(matrix.indptr))
    keep = shared[matrix.indices]
    rows, columns, weights = rows[keep], matrix.indices[keep], matrix.data[keep]
    order = np.lexsort((columns, -weights, rows))
    rows, columns = rows[order], columns[order]
    row_starts = np.searchsorted(rows, np.arange(n_docs))
    top = np.arange(len(rows)) - row_starts[rows] < count
    rows, columns = rows[top], columns[top]
    order = np.lexsort((columns, rows))
    return np.split(columns[order], np.searchsorted(rows[order], np.arange(1, n_docs)))


def document_shingles(documents: Sequence[Document], n: int) -> list[np.ndarray]:
    """`shingle_hashes` of each document's words (across sentence ends), in one numpy pass.

    A sentence repeated across copies is hashed once.
    """
    hashes_of: dict[tuple[str, ...], np.ndarray] = {}
    token_arrays = []
    for doc in documents:
        parts = []
        for sentence in doc.sentences:
            hashes = hashes_of.get(sentence.words)
            if hashes is None:
                hashes = hashes_of[sentence.words] = token_hashes(sentence.words)
            parts.append(hashes)
        token_arrays.append(np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32))
    return shingle_hashes_many(token_arrays, n)


def candidate_pairs(
    documents: Sequence[Document], space: DocumentSpace, config: CandidateConfig, seed: int
) -> np.ndarray:
    """Pairs (i < j) that share an LSH bucket at the copy grain or at the story grain."""
    if len(documents) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    return banded_pairs(copy_signatures(documents, config, seed), story_signatures(space, config, seed), config)


def copy_signatures(documents: Sequence[Document], config: CandidateConfig, seed: int) -> np.ndarray:
    """MinHash signature of each document's word shingles (the copy grain)."""
    hasher = MinHasher(num_perm=config.copy_bands * config.copy_rows, seed=seed)
    return hasher.signatures(document_shingles(documents, config.shingle_size))


def story_signatures(space: DocumentSpace, config: CandidateConfig, seed: int) -> np.ndarray:
    """MinHash signature of each document's most distinctive stems (the story grain)."""
    term_hashes = np.array([token_hash32(term) for term in space.vocabulary], dtype=np.uint32)
    hasher = MinHasher(num_perm=config.story_bands * config.story_rows, seed=seed)
    return hasher.signatures([term_hashes[columns] for columns in story_terms(space, config.story_terms)])


def banded_pairs(copy: np.ndarray, story: np.ndarray, config: CandidateConfig) -> np.ndarray:
    """Pairs that share a bucket in a band of either grain's signatures, sorted and unique."""
    if len(copy) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    copy_pairs = lsh_candidate_pairs(copy, bands=config.copy_bands, rows=config.copy_rows, max_bucket=config.max_bucket)
    story_pairs = lsh_candidate_pairs(
        story, bands=config.story_bands, rows=config.story_rows, max_bucket=config.max_bucket
    )
    pairs = np.concatenate([copy_pairs, story_pairs]).astype(np.int64).reshape(-1, 2)
    return np.unique(pairs, axis=0) if len(pairs) else pairs


def score_candidates(
    documents: Sequence[Document],
    pairs: np.ndarray,
    cosines: np.ndarray,
    sentence_space: SentenceSpace,
    config: DedupConfig,
    progress: Progress = _no_progress,
) -> list[ScoredPair]:
    """Alignment coverage and relation of every candidate pair; pairs below the alignment cosine
    are `unrelated` without being aligned.

    Equal, pair by pair, to `dedup.align.score_pair`; the sentence similarities that the
    alignments read (see `AlignmentPlan`) are computed for many pairs at once, each distinct pair
    of sentence texts once.
    """
    scored: list[ScoredPair | None] = [None] * len(pairs)
    cosine_list = cosines.tolist()
    to_align = []
    for k, ((a, b), cosine) in enumerate(zip(pairs.tolist(), cosine_list)):
        if cosine < config.relation.align_min_cosine:
            scored[k] = ScoredPair(a, b, cosine, 0.0, 0.0, 0.0, 0.0, "unrelated")
        else:
            to_align.append(k)
    progress("score", len(pairs) - len(to_align))
    _SHARED.update(documents=documents, pairs=pairs, cosines=cosine_list, space=sentence_space, config=config)
    chunks = [to_align[start : start + _WORK_CHUNK] for start in range(0, len(to_align), _WORK_CHUNK)]
    try:
        for chunk, chunk_scores in zip(
            chunks, _parallel_map(_score_chunk, chunks, len(to_align) // _PARALLEL_MIN_PAIRS)
        ):
            for k, pair in zip(chunk, chunk_scores):
                scored[k] = pair
            progress("score", len(chunk))
    finally:
        _SHARED.clear()
    return scored  # type: ignore[return-value]


def _score_chunk(chunk: list[int]) -> list[ScoredPair]:
    """Scored pairs of the candidate pairs numbered in `chunk` (inputs in `_SHARED`)."""
    documents: Sequence[Document] = _SHARED["documents"]  # type: ignore[assignment]
    pairs: np.ndarray = _SHARED["pairs"]  # type: ignore[assignment]
    cosines: list[float] = _SHARED["cosines"]  # type: ignore[assignment]
    space: SentenceSpace = _SHARED["space"]  # type: ignore[assignment]
    config: DedupConfig = _SHARED["config"]  # type: ignore[assignment]
    index_pairs = pairs[chunk].tolist()
    lengths: dict[int, int] = {}
    for index in np.unique(pairs[chunk]).tolist():
        lengths[index] = sum(len(sentence.words) for sentence in documents[index].sentences)
    plans, lefts, rights = [], [], []
    for a, b in index_pairs:
        plan = AlignmentPlan.of(documents[a], documents[b])
        rows, cols = plan.entries()
        plans.append(plan)
        lefts.append(space.rows(documents[a])[rows])
        rights.append(space.rows(documents[b])[cols])
    values = _bulk_similarity(space, lefts, rights)
    scored = []
    offset = 0
    for k, (a, b), plan, left in zip(chunk, index_pairs, plans, lefts):
        doc_a, doc_b = documents[a], documents[b]
        rows_a, rows_b = space.rows(doc_a), space.rows(doc_b)

        def prose(i: int, j: int, rows_a: np.ndarray = rows_a, rows_b: np.ndarray = rows_b) -> float:
            return space.prose_similarity(int(rows_a[i]), int(rows_b[j]))

        entries = values[offset : offset + len(left)]
        offset += len(left)
        links = plan.links(doc_a.sentences, doc_b.sentences, entries, prose, config.score)
        alignment = Alignment(doc_a.id, doc_b.id, tuple(links), doc_a.sentences, doc_b.sentences)
        identical = lengths[a] == lengths[b] and same_words(doc_a, doc_b)
        scored.append(scored_pair(a, b, cosines[k], alignment, identical, config.relation))
    return scored


def _bulk_similarity(space: SentenceSpace, lefts: list[np.ndarray], rights: list[np.ndarray]) -> np.ndarray:
    """Similarities of sentence rows ``lefts[k][m]`` and ``rights[k][m]``, concatenated; each
    distinct pair of rows is computed once (similarity is symmetric)."""
    if not lefts:
        return np.zeros(0, dtype=np.float32)
    left, right = np.concatenate(lefts), np.concatenate(rights)
    if not len(left):
        return np.zeros(0, dtype=np.float32)
    low, high = np.minimum(left, right), np.maximum(left, right)
    keys, inverse = np.unique(low * len(space.texts) + high, return_inverse=True)
    return space.pair_similarity(keys // len(space.texts), keys % len(space.texts))[inverse]


def build_groups(
    documents: Sequence[Document],
    pairs: Sequence[ScoredPair],
    document_space: DocumentSpace,
    sentence_space: SentenceSpace,
    config: DedupConfig,
) -> list[CopyGroup]:
    """Story clusters, copy groups inside them, canonical articles and each member's relation to it."""
    count = len(documents)
    story = story_clusters(count, pairs, document_space.matrix, config.group)
    copy = copy_components(count, pairs, story)
    by_pair = {(p.a, p.b): p for p in pairs}
    copy_relations_of: dict[int, list[str]] = {}
    for p in pairs:
        if p.relation in COPY_RELATIONS and copy[p.a] == copy[p.b]:
            copy_relations_of.setdefault(p.a, []).append(p.relation)
            copy_relations_of.setdefault(p.b, []).append(p.relation)
    articles = [doc.article for doc in documents]
    lengths = [len(doc.body) for doc in documents]
    members_of: dict[int, list[int]] = {}
    for index in range(count):
        members_of.setdefault(copy[index], []).append(index)
    story_number: dict[int, int] = {}
    groups_by_story: dict[int, list[list[int]]] = {}
    for index in range(count):  # stories and groups numbered by first appearance in the input
        story_number.setdefault(story[index], len(story_number))
        if members_of[copy[index]][0] == index:
            groups_by_story.setdefault(story_number[story[index]], []).append(members_of[copy[index]])
    result = []
    for story_id in sorted(groups_by_story):
        for group_id, members in enumerate(groups_by_story[story_id]):
            canonical, rule = choose_canonical(members, articles, lengths)
            entries = [Member(articles[canonical].id, "canonical", 1.0, 1.0, 0.0)]
            for member in members:
                if member == canonical:
                    continue
                key = (min(member, canonical), max(member, canonical))
                pair = by_pair.get(key)
                if pair is None:
                    cosine = float(document_space.cosine(np.array([key]))[0])
                    pair, _ = score_pair(
                        key[0],
                        key[1],
                        documents[key[0]],
                        documents[key[1]],
                        cosine,
                        sentence_space,
                        score_config=config.score,
                        relation_config=config.relation,
                    )
                label = pair.relation
                if label not in COPY_RELATIONS:  # joined to the group through another member
                    label = strongest_relation(copy_relations_of[member])
                side = "a" if pair.a == member else "b"
                shared = pair.shared_a if side == "a" else pair.shared_b
                rewritten = pair.rewritten_a if side == "a" else pair.rewritten_b
                entries.append(
                    Member(articles[member].id, label, round(pair.cosine, 4), round(shared, 4), round(rewritten, 4))
                )
            result.append(CopyGroup(story_id, group_id, articles[canonical].id, rule, tuple(entries)))
    return result


def run_cluster(articles: Sequence[Article], config: DedupConfig, progress: Progress = _no_progress) -> ClusterResult:
    """The whole cluster pipeline over an in-memory batch."""
    from dedup import __version__

    documents = prepare_all(articles, progress)
    document_space = DocumentSpace(documents)
    candidates = candidate_pairs(documents, document_space, config.candidates, config.seed)
    progress("candidates", len(candidates))
    cosines = document_space.cosine(candidates)
    to_align = candidates[cosines >= config.relation.align_min_cosine]
    sentence_space = SentenceSpace([documents[i] for i in np.unique(to_align)])
    scored = score_candidates(documents, candidates, cosines, sentence_space, config, progress)
    groups = build_groups(documents, scored, document_space, sentence_space, config)
    return ClusterResult(tuple(groups), tuple(scored), config.as_dict(), __version__)
