"""Stage 2 of flagging: each article's wire candidates, found by LSH at two grains across the
two sets, scored by whole-document cosine and passage agreement, the top k kept."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dedup.arrays import unique_sorted
from dedup.flag.config import FlagConfig
from dedup.flag.features import Features
from dedup.minhash import MinHasher, row_keys
from dedup.model import stems_document
from dedup.score import DocumentSpace, top_terms
from dedup.shingles import token_hash32

# Candidate pairs whose cosine is computed at once (sparse row products; about 30 MB at 300 terms a document).
_COSINE_CHUNK = 100_000


@dataclass(frozen=True)
class Candidates:
    """Article-wire pairs to align, at most 2 `top_k` an article, best first within each article.

    Parallel arrays: article and wire indices, whole-document cosine, and the best passage
    agreement (share of equal signature slots of the best matching passage pair; 0 if none).
    """

    article: np.ndarray
    wire: np.ndarray
    cosine: np.ndarray
    passage: np.ndarray
    space: DocumentSpace
    wire_offset: int

    def cosine_of(self, article: int, wire: int) -> float:
        """Whole-document cosine of any article-wire pair, candidate or not."""
        return float(self.space.cosine(np.array([[article, self.wire_offset + wire]]))[0])


def select_candidates(
    articles: Features, wire: Features, config: FlagConfig, *, seed: int, ranks: np.ndarray | None = None
) -> Candidates:
    """Find each article's wire candidates by LSH at two grains, score them by cosine, keep the top k.

    The wire signatures are the index and the articles query it, band by band, so the work grows
    with the pairs that share a bucket, never with all pairs. With `ranks` (in-batch mode, where
    the two sets are one) only earlier documents are candidates.
    """
    same_set = articles is wire
    n_articles, n_wire = len(articles.stems), len(wire.stems)
    # The space reads only the documents' stems, so the prepared texts need not be kept (`stems_document`).
    stems = articles.stems if same_set else articles.stems + wire.stems
    space = DocumentSpace([stems_document(terms) for terms in stems])
    wire_offset = 0 if same_set else n_articles

    # Copy grain: passage pairs sharing a bucket, reduced to the best passage agreement per document pair.
    query, index = cross_bucket_pairs(
        articles.passage_signatures,
        wire.passage_signatures,
        bands=config.passage_bands,
        rows=config.passage_rows,
        max_bucket=config.max_wire_bucket,
    )
    agreement = _agreement(articles.passage_signatures, wire.passage_signatures, query, index)
    passage_codes = articles.passage_owner[query] * n_wire + wire.passage_owner[index]
    passage_codes, best_agreement = _max_by_code(passage_codes, agreement)

    # Story grain: documents sharing their distinctive terms.
    terms = story_terms(space, config.story_terms, n_articles, same_set)
    term_hashes = np.array([token_hash32(term) for term in space.vocabulary], dtype=np.uint32)
    story_hasher = MinHasher(num_perm=config.story_bands * config.story_rows, seed=seed)
    term_signatures = story_hasher.signatures([term_hashes[columns] for columns in terms])
    nonempty = np.array([len(columns) > 0 for columns in terms], dtype=bool)
    article_rows = np.flatnonzero(nonempty[:n_articles])
    wire_rows = np.flatnonzero(nonempty[wire_offset : wire_offset + n_wire])
    query, index = cross_bucket_pairs(
        term_signatures[article_rows],
        term_signatures[wire_offset + wire_rows],
        bands=config.story_bands,
        rows=config.story_rows,
        max_bucket=config.max_wire_bucket,
    )
    story_codes = article_rows[query] * n_wire + wire_rows[index]

    codes = np.union1d(passage_codes, story_codes)
    article_index, wire_index = np.divmod(codes, np.int64(n_wire))
    keep = np.ones(len(codes), dtype=bool)
    if same_set:
        keep = ranks[wire_index] < ranks[article_index]
    article_index, wire_index, codes = article_index[keep], wire_index[keep], codes[keep]
    passage = np.zeros(len(codes), dtype=np.float32)
    found = np.searchsorted(passage_codes, codes)
    found = np.minimum(found, max(len(passage_codes) - 1, 0))
    if len(passage_codes):
        hit = passage_codes[found] == codes
        passage[hit] = best_agreement[found[hit]]
    cosine = np.empty(len(codes), dtype=np.float32)
    for start in range(0, len(codes), _COSINE_CHUNK):
        stop = start + _COSINE_CHUNK
        pairs = np.column_stack((article_index[start:stop], wire_offset + wire_index[start:stop]))
        cosine[start:stop] = space.cosine(pairs)
    # The top k by the larger of cosine and passage agreement, and the top k by passage agreement:
    # a day's many same-topic wire stories can outrank, by cosine, a story an article copied a
    # third of, but not by passage agreement.
    passes = (cosine >= config.min_cosine) | (passage >= config.min_passage_agreement)
    priority = np.where(passes, np.maximum(cosine, passage), -1.0)
    keep = _top_per_group(article_index, priority, wire_index, 0.0, config.top_k)
    keep |= _top_per_group(article_index, passage, wire_index, config.min_passage_agreement, config.top_k)
    article_index, wire_index, cosine, passage = (a[keep] for a in (article_index, wire_index, cosine, passage))
    order = np.lexsort((wire_index, -np.maximum(cosine, passage), article_index))
    article_index, wire_index, cosine, passage = (a[order] for a in (article_index, wire_index, cosine, passage))
    return Candidates(article_index, wire_index, cosine, passage, space, wire_offset)


def _top_per_group(groups: np.ndarray, scores: np.ndarray, ties: np.ndarray, floor: float, count: int) -> np.ndarray:
    """Mask of the `count` highest `scores` at or above `floor` within each group (ties by `ties`)."""
    keep = np.zeros(len(groups), dtype=bool)
    eligible = np.flatnonzero(scores >= floor)
    order = eligible[np.lexsort((ties[eligible], -scores[eligible], groups[eligible]))]
    sorted_groups = groups[order]
    rank = np.arange(len(order)) - np.searchsorted(sorted_groups, sorted_groups, side="left")
    keep[order[rank < count]] = True
    return keep


def story_terms(space: DocumentSpace, count: int, n_articles: int, same_set: bool) -> list[np.ndarray]:
    """Each document's `count` highest-weighted TF-IDF terms among those that can make a pair
    (`dedup.score.top_terms`, as `dedup cluster` picks them): across two sets a term makes a pair
    only if it is found on both sides (in an article and in a wire story), in one batch only if two
    documents hold it. Rows ``[0, n_articles)`` of the space are the articles, the rest the wire stories.
    """
    matrix = space.matrix
    if same_set:
        # The batch rule of `dedup.engine.stages.story_terms` (a layer above flag, so not imported):
        # the space's own document frequency, which counts the documents holding each term.
        usable = space.document_frequency >= 2
    else:
        split = matrix.indptr[n_articles]
        in_articles = np.bincount(matrix.indices[:split], minlength=matrix.shape[1]) > 0
        in_wire = np.bincount(matrix.indices[split:], minlength=matrix.shape[1]) > 0
        usable = in_articles & in_wire
    return top_terms(matrix, count, usable)


def cross_bucket_pairs(
    query_signatures: np.ndarray, index_signatures: np.ndarray, *, bands: int, rows: int, max_bucket: int
) -> tuple[np.ndarray, np.ndarray]:
    """(query row, index row) pairs that share an LSH bucket in at least one band, each pair once.

    The banding of `dedup.minhash.lsh_candidate_pairs`, but across two sets: the index rows of each
    band are sorted by key and every query row looks its key up, so pairs inside either set are
    never formed. A bucket with more than `max_bucket` index rows gives no pairs (boilerplate).

    It shares the bucket key (`dedup.minhash.row_keys`) but not `lsh_candidate_pairs` itself, which
    over the two sets joined would also pair documents within each set, count both sets' members
    against `max_bucket`, and make an oversized bucket a star from its first member instead of
    dropping it (`FlagConfig.max_wire_bucket` says why flag drops it): other candidates, other flags.
    """
    empty = np.zeros(0, dtype=np.int64)
    if len(query_signatures) == 0 or len(index_signatures) == 0:
        return empty, empty
    n_index = np.int64(len(index_signatures))
    # Merged band by band: what is held is the pairs found so far, once each, never every band's
    # pairs at once (20,000 one-word articles share buckets in every band).
    codes = np.zeros(0, dtype=np.int64)
    for band in range(bands):
        columns = slice(band * rows, (band + 1) * rows)
        index_keys = row_keys(index_signatures[:, columns])
        query_keys = row_keys(query_signatures[:, columns])
        order = np.argsort(index_keys, kind="stable")
        sorted_keys = index_keys[order]
        lo = np.searchsorted(sorted_keys, query_keys, side="left")
        hi = np.searchsorted(sorted_keys, query_keys, side="right")
        sizes = hi - lo
        sizes[sizes > max_bucket] = 0
        if not sizes.any():
            continue
        query_rows = np.repeat(np.arange(len(query_keys), dtype=np.int64), sizes)
        first = np.repeat(lo - (np.cumsum(sizes) - sizes), sizes)
        index_rows = order[first + np.arange(len(query_rows))]
        band_codes = unique_sorted(query_rows * n_index + index_rows)
        del query_rows, first, index_rows
        codes = band_codes if not len(codes) else unique_sorted(np.concatenate((codes, band_codes)))
    if not len(codes):
        return empty, empty
    return np.divmod(codes, n_index)


def _agreement(query_signatures, index_signatures, query, index) -> np.ndarray:
    """Share of equal slots of each (query, index) signature pair: the MinHash Jaccard estimate
    (`dedup.minhash.estimated_jaccard`, one pair at a time there, here vectorised over many)."""
    agreement = np.empty(len(query), dtype=np.float32)
    for start in range(0, len(query), _COSINE_CHUNK):
        stop = start + _COSINE_CHUNK
        equal = query_signatures[query[start:stop]] == index_signatures[index[start:stop]]
        agreement[start:stop] = equal.mean(axis=1)
    return agreement


def _max_by_code(codes: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique codes (sorted) and the largest value of each."""
    if len(codes) == 0:
        return codes.astype(np.int64), values
    order = np.argsort(codes, kind="stable")
    codes, values = codes[order], values[order]
    starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    return codes[starts], np.maximum.reduceat(values, starts)
