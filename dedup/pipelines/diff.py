"""The diff pipeline: prepare -> TF-IDF cosine -> relate, the alignment and word changes kept
(`dedup.stages.relate.pair_diff`), for one pair or for the pairs a cluster result names."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dedup.config import DedupConfig
from dedup.model import Article, PairDiff
from dedup.score import DocumentSpace, RatioCache
from dedup.stages.prepare import prepare_all
from dedup.stages.relate import pair_diff
from dedup.text import TextCache, prepare


def diff_articles(a: Article, b: Article, config: DedupConfig, *, cache: TextCache | None = None) -> PairDiff:
    """`PairDiff` of two checked articles (A first), their cosine in the two's own TF-IDF space
    (shipped background weights), so the diff of a pair does not depend on any batch. `cache` is
    the caller's `TextCache` when it diffs many pairs with texts in common; else the call makes one."""
    cache = TextCache() if cache is None else cache
    documents = [prepare(a, cache=cache), prepare(b, cache=cache)]
    cosine = float(DocumentSpace(documents).cosine(np.array([[0, 1]]))[0])
    return pair_diff(documents, 0, 1, cosine, config)


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
