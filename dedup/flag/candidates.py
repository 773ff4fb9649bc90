"""Stage 2 of flagging: each article's wire candidates, found by LSH at two grains across the
two sets, scored by whole-document cosine and passage agreement, the top k kept."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dedup.flag.config import FlagConfig
from dedup.flag.features import Features
from dedup.model import stems_document
from dedup.score import DocumentSpace
from dedup.stages.candidates import cross_bucket_pairs
from dedup.stages.sketch import story_terms, term_signatures

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
    terms = story_terms(space, config.story_terms, across=None if same_set else n_articles)
    signatures = term_signatures(space, terms, config.story_bands * config.story_rows, seed)
    nonempty = np.array([len(columns) > 0 for columns in terms], dtype=bool)
    article_rows = np.flatnonzero(nonempty[:n_articles])
    wire_rows = np.flatnonzero(nonempty[wire_offset : wire_offset + n_wire])
    query, index = cross_bucket_pairs(
        signatures[article_rows],
        signatures[wire_offset + wire_rows],
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
