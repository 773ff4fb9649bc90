"""The cluster pipeline's stages as pure functions over batches: what both engines run.

The local engine calls each stage once over the whole batch; the Spark engine calls the same
functions over partitions, connected components and bucket member lists, with the whole batch's
document and sentence frequencies passed in (`DocumentFrequencies`, `SentenceFrequencies`), so
that every value, down to the last bit of a float32 cosine, is the one the local engine computes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from dedup.align import AlignmentPlan, same_words, score_pair, scored_pair
from dedup.config import CandidateConfig, DedupConfig
from dedup.group import choose_canonical, copy_components, story_clusters, strongest_relation
from dedup.minhash import MinHasher, lsh_candidate_pairs
from dedup.model import COPY_RELATIONS, Alignment, CopyGroup, Document, Member, ScoredPair
from dedup.score import DocumentSpace, SentenceSpace
from dedup.shingles import shingle_hashes_many, token_hash32, token_hashes


def story_terms(space: DocumentSpace, count: int) -> list[np.ndarray]:
    """Each document's `count` highest-weighted TF-IDF terms among those shared with another document.

    A term found in one document only cannot make a pair, and batch IDF ranks exactly those
    highest, so they are left out before ranking (`space.document_frequency` counts the whole
    batch, also when the space holds part of it). Ties in weight go to the lower column.
    """
    matrix = space.matrix
    n_docs = matrix.shape[0]
    shared = space.document_frequency >= 2
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


def unaligned_pair(a: int, b: int, cosine: float) -> ScoredPair:
    """A candidate pair too far apart in cosine to be worth aligning: `unrelated`."""
    return ScoredPair(a, b, cosine, 0.0, 0.0, 0.0, 0.0, "unrelated")


def align_pairs(
    documents: Mapping[int, Document] | Sequence[Document],
    index_pairs: Sequence[tuple[int, int]],
    cosines: Sequence[float],
    space: SentenceSpace,
    config: DedupConfig,
) -> list[ScoredPair]:
    """Alignment coverage and relation of each pair of documents (by index), in order.

    Equal, pair by pair, to `dedup.align.score_pair`; the sentence similarities that the
    alignments read (see `AlignmentPlan`) are computed for all the pairs at once, each distinct
    pair of sentence texts once. `space` must hold every document named in `index_pairs`.
    """
    lengths: dict[int, int] = {}
    for index in {index for pair in index_pairs for index in pair}:
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
    for (a, b), cosine, plan, left in zip(index_pairs, cosines, plans, lefts):
        doc_a, doc_b = documents[a], documents[b]
        rows_a, rows_b = space.rows(doc_a), space.rows(doc_b)

        def prose(i: int, j: int, rows_a: np.ndarray = rows_a, rows_b: np.ndarray = rows_b) -> float:
            return space.prose_similarity(int(rows_a[i]), int(rows_b[j]))

        entries = values[offset : offset + len(left)]
        offset += len(left)
        links = plan.links(doc_a.sentences, doc_b.sentences, entries, prose, config.score)
        alignment = Alignment(doc_a.id, doc_b.id, tuple(links), doc_a.sentences, doc_b.sentences)
        identical = lengths[a] == lengths[b] and same_words(doc_a, doc_b)
        scored.append(scored_pair(a, b, cosine, alignment, identical, config.relation))
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


@dataclass(frozen=True)
class PendingGroup:
    """A copy group before stories are numbered: keyed by input positions, which order the output.

    `story_first` is the input position of the first article of the group's story, `first` that
    of the group's own first member. Stories are numbered in order of `story_first` and groups
    within a story in order of `first` (`number_groups`), so groups made over separate parts of
    a batch (connected components on Spark) number as they would over the whole batch.
    """

    story_first: int
    first: int
    canonical: str
    rule: str
    members: tuple[Member, ...]


def copy_groups(
    documents: Sequence[Document],
    pairs: Sequence[ScoredPair],
    document_space: DocumentSpace,
    sentence_space_for: Callable[[Sequence[Document]], SentenceSpace],
    config: DedupConfig,
    *,
    positions: Sequence[int] | None = None,
) -> list[PendingGroup]:
    """Story clusters, copy groups inside them, canonical articles and each member's relation to it.

    `pairs` index `documents` (rows of `document_space`); `positions` are the documents' places in
    the input (default: their index), in increasing order. A member not scored against its
    canonical article is aligned with it in a space from `sentence_space_for`.
    """
    count = len(documents)
    positions = list(range(count)) if positions is None else list(positions)
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
    story_first: dict[int, int] = {}
    for index in range(count):
        story_first.setdefault(story[index], positions[index])
    result = []
    for members in members_of.values():
        canonical, rule = choose_canonical(members, articles, lengths)
        entries = [Member(articles[canonical].id, "canonical", 1.0, 1.0, 0.0)]
        for member in members:
            if member == canonical:
                continue
            key = (min(member, canonical), max(member, canonical))
            pair = by_pair.get(key)
            if pair is None:
                cosine = float(document_space.cosine(np.array([key]))[0])
                first, second = documents[key[0]], documents[key[1]]
                pair, _ = score_pair(
                    key[0],
                    key[1],
                    first,
                    second,
                    cosine,
                    sentence_space_for([first, second]),
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
        result.append(
            PendingGroup(
                story_first[story[members[0]]], positions[members[0]], articles[canonical].id, rule, tuple(entries)
            )
        )
    return result


def number_groups(pending: Iterable[PendingGroup]) -> list[CopyGroup]:
    """Copy groups numbered as the output shows them: stories by first appearance in the input,
    groups within a story by their first member's appearance."""
    groups = []
    story, last_story_first, group = -1, None, 0
    for item in sorted(pending, key=lambda g: (g.story_first, g.first)):
        if item.story_first != last_story_first:
            story, last_story_first, group = story + 1, item.story_first, 0
        groups.append(CopyGroup(story, group, item.canonical, item.rule, item.members))
        group += 1
    return groups
