"""The relate stage: `dedup.align.relate`, the one relation judgement, over many pairs of documents,
and the paraphrase diff of one pair.

A pair's verdict depends on its two articles only (each pair is aligned in its own sentence space,
`dedup.score.pair_space`), so `cluster`, `diff`, `flag`, `pairs` and the archive give one pair the
same relation and figures in any batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Generic, TypeVar

import numpy as np

from dedup.align import (
    SentenceFigures,
    align,
    copy_ruled_out,
    needs_alignment,
    phrase_hashes,
    relate,
    settled_unaligned,
    story_pair,
    word_changes,
)
from dedup.bulk_space import SentenceTables, pair_similarities
from dedup.config import DedupConfig
from dedup.model import Document, PairDiff, ScoredPair, ScoredPairs
from dedup.score import RatioCache, pair_space

T = TypeVar("T")


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
    figures: FiguresCache | None = None,
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
    (`dedup.align.copy_ruled_out`) is settled as `dedup.align.story_pair` without being aligned:
    the same relation, with no share (make_corpus 10k: 37,752 of the 42,222 pairs that reach the
    similarities). `figures` holds each document's `dedup.align.SentenceFigures` for that test (a
    run passes one `FiguresCache` for all its chunks); else the call makes its own.
    """
    ratios = RatioCache() if ratios is None else ratios
    phrases = PhraseCache() if phrases is None else phrases
    figures = FiguresCache() if figures is None else figures
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
    for k, similarities in zip(to_align, found):
        (a, b), cosine = index_pairs[k], cosines[k]
        if copies_only and copy_ruled_out(
            documents[a],
            documents[b],
            similarities.full,
            cosine,
            config.score,
            config.relation,
            figures=(figures(documents[a]), figures(documents[b])),
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


class DocumentCache(Generic[T]):
    """A figure of each document (`compute(document)`), computed once for all of its pairs: called
    with a document, it gives its figure. Keyed by the document object (identity; the entry keeps
    the document, so an id is never reused while the cache lives)."""

    def __init__(self, compute: Callable[[Document], T], documents: Iterable[Document] = ()) -> None:
        """A cache holding the figures of `documents` already (computed before a run forks its
        workers, so that each does not compute them again)."""
        self._compute = compute
        self._values: dict[int, tuple[Document, T]] = {}
        for document in documents:
            self(document)

    def __call__(self, document: Document) -> T:
        entry = self._values.get(id(document))
        if entry is None:
            entry = self._values[id(document)] = (document, self._compute(document))
        return entry[1]


class PhraseCache(DocumentCache[np.ndarray]):
    """`dedup.align.phrase_hashes` of each document, computed once for all of its pairs."""

    def __init__(self, documents: Iterable[Document] = ()) -> None:
        """A cache holding the phrases of `documents` already."""
        super().__init__(phrase_hashes, documents)


class FiguresCache(DocumentCache[SentenceFigures]):
    """`dedup.align.SentenceFigures` of each document, computed once for all of its pairs (a forked
    worker fills its own as it meets them)."""

    def __init__(self) -> None:
        """An empty cache."""
        super().__init__(SentenceFigures.of)


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
