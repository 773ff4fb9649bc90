"""The diff pipeline: prepare -> TF-IDF cosine -> relate, the alignment and word changes kept
(`dedup.stages.relate.pair_diff`), for one pair or for the pairs a cluster result names."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dedup.background import unweighed_stems
from dedup.config import DedupConfig
from dedup.model import Article, Document, PairDiff
from dedup.score import DocumentFrequencies, DocumentSpace, RatioCache, document_frequencies
from dedup.stages.prepare import prepare_all
from dedup.stages.relate import pair_diff
from dedup.text import TextCache, prepare


def diff_articles(
    a: Article,
    b: Article,
    config: DedupConfig,
    *,
    cache: TextCache | None = None,
    context: Sequence[Article] = (),
) -> PairDiff:
    """`PairDiff` of two checked articles (A first), their cosine in the two's TF-IDF space with
    the shipped background weights, so that for English text the diff of a pair does not depend
    on any batch. Words of other scripts, which the background cannot weigh, are weighed by the
    document frequencies of `context` (the batch the two come from; A and B count in it as
    members), as `cluster` weighs them in that batch, or of the pair alone without one: so a pair
    of Russian articles has the cosine `cluster` gives it. The batch is prepared only when the
    pair holds such words. `cache` is the caller's `TextCache` when it diffs many pairs with texts
    in common; else the call makes one."""
    cache = TextCache() if cache is None else cache
    documents = [prepare(a, cache=cache), prepare(b, cache=cache)]
    frequencies = None
    if context and _needs_batch_weights(documents):
        ids = {article.id for article in context}
        batch = [prepare(article, cache=cache) for article in context]
        batch += [document for document in documents if document.id not in ids]
        frequencies = DocumentFrequencies(document_frequencies(batch), len(batch))
    cosine = float(DocumentSpace(documents, frequencies=frequencies).cosine(np.array([[0, 1]]))[0])
    return pair_diff(documents, 0, 1, cosine, config)


def _needs_batch_weights(documents: Sequence[Document]) -> bool:
    """True when a stem of `documents` has no background weight (a word of another script)."""
    stems = sorted({stem for document in documents for sentence in document.sentences for stem in sentence.stems})
    return bool(unweighed_stems(stems))


def diffs_of_pairs(
    articles: Sequence[Article], pairs: Sequence[tuple[int, int]], config: DedupConfig
) -> list[PairDiff]:
    """`PairDiff` of each pair of `articles` (by index, A first), cosines in the batch's TF-IDF
    space as `cluster` computes them, with one `TextCache` and `RatioCache` for the call."""
    if not pairs:
        return []
    documents = prepare_all(articles)
    indices = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    cosines = DocumentSpace(documents).cosine(indices).tolist()
    ratios = RatioCache()
    return [
        pair_diff(documents, int(i), int(j), cosine, config, ratios=ratios) for (i, j), cosine in zip(indices, cosines)
    ]
