"""The relate stage: `dedup.align.relate`, the one relation judgement, over many pairs of documents,
and the paraphrase diff of one pair.

A pair's verdict depends on its two articles only (each pair is aligned in its own sentence space,
`dedup.score.pair_space`), so `cluster`, `diff`, `flag`, `pairs` and the archive give one pair the
same relation and figures in any batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from dedup.align import (
    SentenceFigures,
    align,
    copy_ruled_out,
    needs_alignment,
    overlap_of,
    phrase_hashes,
    relate,
    same_story_by_cosine,
    settled_by_phrases,
    settled_unaligned,
    story_pair,
    word_changes,
)
from dedup.arrays import unique_sorted
from dedup.bulk_space import SentenceTables, pair_similarities
from dedup.config import DedupConfig
from dedup.kernels import pair_common_counts
from dedup.model import Document, PairDiff, ScoredPair, ScoredPairs
from dedup.score import RatioCache, pair_space

# `align_pairs(copies_only=True)` tries `dedup.align.copy_ruled_out` on pairs under this cosine
# only: above it nearly every pair that reaches the sentence similarities is a copy, which the bound
# cannot rule out, and trying costs about 50 us a pair for nothing (make_corpus 10k, seed 7: 0 of
# the 4,401 pairs at 0.5 or above ruled out, 37,752 of the 37,821 under it; generated 10k, seed 1:
# 6 of 13,199 and 161 of 269). A speed setting, set on those two throughput corpora: a pair not
# tried is aligned, as every pair was before, so no relation and no `dedup cluster` output depends
# on it (only whether a same-story pair in `ClusterResult.pairs` carries shares).
RULE_OUT_BELOW_COSINE = 0.5


def align_pairs(
    documents: Mapping[int, Document] | Sequence[Document],
    index_pairs: Sequence[tuple[int, int]],
    cosines: Sequence[float],
    config: DedupConfig,
    *,
    tables: SentenceTables | None = None,
    ratios: RatioCache | None = None,
    phrases: PhraseCache | None = None,
    copies_only: bool = False,
) -> list[ScoredPair]:
    """Alignment coverage and relation of each pair of documents (by index), in order.

    `dedup.align.relate` pair by pair, with the pair's own sentence space (the similarities of
    `dedup.score.pair_space`, computed for many pairs at once by `dedup.bulk_space`): a pair's
    verdict depends on its two articles only, never on the other articles of the batch, and is the
    one `dedup diff` and `dedup flag` give for it. `tables` are the `SentenceTables` of
    `documents` when the caller has them (a sequence, indexed alike); else they are made of the
    documents these pairs name. `ratios` is the run's `RatioCache` of sentence-pair word diffs
    (a run that calls this for many chunks of pairs passes one); else the call makes its own.
    The pairs `relate` settles without an alignment (`dedup.align.settled_unaligned`) are settled
    first, with no sentence similarity computed for them, from each document's phrases hashed once
    (`phrases`, a `PhraseCache` a run may fill beforehand for all its chunks).

    With `copies_only`, for a caller that shows the figures of copy relations only (the cluster
    pipeline), a pair whose sentence similarities rule every copy relation out
    (`dedup.align.copy_ruled_out`, tried under `RULE_OUT_BELOW_COSINE`, each document's
    `dedup.align.SentenceFigures` read from `tables`) is settled as `dedup.align.story_pair`
    without being aligned: the same relation, with no share (make_corpus 10k: 37,752 of the 42,222
    pairs that reach the similarities).
    """
    ratios = RatioCache() if ratios is None else ratios
    phrases = PhraseCache() if phrases is None else phrases
    settled: dict[int, ScoredPair] = {}
    for k, ((a, b), cosine) in enumerate(zip(index_pairs, cosines)):
        pair = settled_unaligned(a, b, documents[a], documents[b], cosine, config.relation, phrases=phrases)
        if pair is not None:
            settled[k] = pair
    to_align = [k for k in range(len(index_pairs)) if k not in settled]
    aligned_pairs = [index_pairs[k] for k in to_align]
    if tables is None:
        named = sorted({index for pair in aligned_pairs for index in pair})
        row_of = {index: row for row, index in enumerate(named)}
        tables = SentenceTables([documents[index] for index in named])
        table_pairs = [(row_of[a], row_of[b]) for a, b in aligned_pairs]
    else:
        table_pairs = list(aligned_pairs)
    scored: list[ScoredPair | None] = [settled.get(k) for k in range(len(index_pairs))]
    # An alignment asks for the prose similarity of links at either threshold, the lower first.
    prose_floor = min(config.score.ordered_similarity, config.score.rewritten_similarity)
    found = pair_similarities(tables, table_pairs, prose_floor=prose_floor)
    for k, (row_a, row_b), similarities in zip(to_align, table_pairs, found):
        (a, b), cosine = index_pairs[k], cosines[k]
        if (
            copies_only
            and cosine < RULE_OUT_BELOW_COSINE
            and copy_ruled_out(
                documents[a],
                documents[b],
                similarities.full,
                cosine,
                config.score,
                config.relation,
                figures=(_figures(tables, row_a), _figures(tables, row_b)),
            )
        ):
            scored[k] = story_pair(a, b, cosine, config.relation)
            continue
        pair, _ = relate(
            a,
            b,
            documents[a],
            documents[b],
            cosine,
            space_of=lambda _a, _b, found=similarities: found,
            score_config=config.score,
            relation_config=config.relation,
            ratios=ratios,
            phrases=phrases,
        )
        scored[k] = pair
    return scored  # type: ignore[return-value]  # every entry is set by now


def _figures(tables: SentenceTables, row: int) -> SentenceFigures:
    """`dedup.align.SentenceFigures` of document `row` of `tables`: views of its positions."""
    start, stop = tables.starts[row], tables.starts[row + 1]
    return SentenceFigures(
        tables.word_counts[start:stop],
        tables.text_lengths[start:stop],
        tables.mostly_quoted[start:stop],
        tables.word_keys[start:stop],
    )


class PhraseCache:
    """`dedup.align.phrase_hashes` of each document, computed once for all of its pairs: called
    with a document, it gives its phrases. Keyed by the document object (identity; the entry keeps
    the document, so an id is never reused while the cache lives)."""

    def __init__(self, documents: Iterable[Document] = ()) -> None:
        """A cache holding the phrases of `documents` already (computed before a run forks its
        workers, so that each does not compute them again)."""
        self._hashes: dict[int, tuple[Document, np.ndarray]] = {}
        for document in documents:
            self(document)

    def __call__(self, document: Document) -> np.ndarray:
        entry = self._hashes.get(id(document))
        if entry is None:
            entry = self._hashes[id(document)] = (document, phrase_hashes(document))
        return entry[1]


def settle_by_cosine(
    pairs: np.ndarray, cosines: np.ndarray, wordless: np.ndarray, config: DedupConfig
) -> tuple[ScoredPairs, list[int]]:
    """Every candidate pair (rows of `pairs`, document indices) as `relate` settles it by its cosine
    alone (`ScoredPairs.unrelated`), and the rows that `dedup.align.needs_alignment` says must be
    aligned instead (given which documents have no content word: `wordless`), whose entries the
    caller replaces (`ScoredPairs.put`) with `align_pairs`' verdicts. In bulk, as columns, without
    a Python object per pair."""
    scored = ScoredPairs.unrelated(pairs[:, 0], pairs[:, 1], np.asarray(cosines, dtype=np.float64))
    aligned = needs_alignment(cosines, wordless[pairs[:, 0]], wordless[pairs[:, 1]], config.relation)
    return scored, np.flatnonzero(aligned).tolist()


def settle_by_phrases(
    scored: ScoredPairs,
    rows: Sequence[int] | np.ndarray,
    documents: Sequence[Document],
    phrases: PhraseCache,
    config: DedupConfig,
) -> np.ndarray:
    """Settle in bulk the pairs at `rows` of `scored` (rows whose pairs must be aligned or settled
    by `dedup.align.settled_unaligned`) that `settled_unaligned` settles by their phrases, as it
    settles them (`dedup.align.settled_by_phrases`; `ScoredPairs.put_settled`), and return the
    other rows, in order, for `align_pairs`: one compiled loop over every pair's phrases (each
    document's from `phrases`) instead of a Python call a pair (make_corpus 10k: 171k of 213k).
    """
    rows = np.asarray(rows, dtype=np.int64)
    cosines = scored.cosine[rows]
    # Only pairs in the rule's range of cosines need an overlap: whatever it is, the others stay.
    in_range = settled_by_phrases(cosines, np.zeros(len(rows)), config.relation)
    a, b = scored.a[rows[in_range]], scored.b[rows[in_range]]
    indices = unique_sorted(np.concatenate((a, b)))
    hashes = [phrases(documents[index]) for index in indices.tolist()]
    lengths = np.array([len(values) for values in hashes], dtype=np.int64)
    stops = np.cumsum(lengths)
    values = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint32)
    first, second = np.searchsorted(indices, a), np.searchsorted(indices, b)
    shared = pair_common_counts(values, stops - lengths, stops, first, second, np.empty(len(a), dtype=np.int64))
    overlap = overlap_of(shared, lengths[first], lengths[second])  # `dedup.align.phrase_overlap`'s
    settled = np.zeros(len(rows), dtype=bool)
    settled[np.flatnonzero(in_range)] = settled_by_phrases(cosines[in_range], overlap, config.relation)
    scored.put_settled(rows[settled], same_story_by_cosine(cosines[settled], config.relation))
    return rows[~settled]


def pair_diff(
    documents: Sequence[Document],
    first: int,
    second: int,
    cosine: float,
    config: DedupConfig,
    *,
    ratios: RatioCache | None = None,
) -> PairDiff:
    """`PairDiff` of documents `first` (A) and `second` (B), their cosine given, sentences weighed
    in the pair's own space (`dedup.score.pair_space`), as `cluster` weighs them; `ratios` is the
    run's `dedup.score.RatioCache` when it diffs many pairs."""
    a, b = documents[first], documents[second]
    pair, alignment = relate(
        first,
        second,
        a,
        b,
        float(cosine),
        score_config=config.score,
        relation_config=config.relation,
        ratios=ratios,
    )
    if alignment is None:  # settled as unrelated by the cosine; aligned all the same, to be shown
        alignment = align(a, b, pair_space(a, b), config=config.score, ratios=ratios)
    changes = tuple(
        word_changes(
            " ".join(alignment.a_sentences[i].text for i in link.a),
            " ".join(alignment.b_sentences[j].text for j in link.b),
        )
        if link.a and link.b
        else ()
        for link in alignment.links
    )
    return PairDiff(
        alignment,
        pair.relation,
        float(cosine),
        changes,
        shared=(pair.shared_a, pair.shared_b),
        rewritten=(pair.rewritten_a, pair.rewritten_b),
    )
