"""The candidates stage: pairs of documents that share an LSH bucket, never all pairs.

Within one set (`candidate_pairs`, `banded_pairs`: the story level) and across two sets
(`cross_bucket_pairs`: flag's articles against the wire, pairs inside either set never formed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dedup.arrays import unique_pairs, unique_sorted
from dedup.errors import ConfigError
from dedup.minhash import lsh_candidate_pairs, row_keys
from dedup.model import Document
from dedup.score import DocumentSpace
from dedup.stages.sketch import copy_signatures, story_signatures


@dataclass(frozen=True)
class CandidateConfig:
    """MinHash/LSH parameters of the two candidate grains.

    Copy grain: word 5-gram shingles, 32 bands of 4 rows (128 permutations); a pair at 5-gram
    Jaccard 0.5 becomes a candidate with probability 0.98, one at 0.2 with 0.05.
    Story grain: each article's `story_terms` most distinctive stems (TF-IDF weight), 32 bands of
    one row, so a pair sharing 5% of those terms (Jaccard 0.05) is found with probability 0.81 and
    one sharing 10% with 0.97. Rewrites share their story's terms while sharing almost no 5-grams
    (seeds 000/001: 5-gram Jaccard 0.01). Every pair at the story linkage's cosine must be proposed
    for average linkage to be exact: with 64 bands of 2 rows only 65% of same-event pairs of DUC 2004
    dev (71% of those at cosine >= 0.15) were candidates and its stories split (ARI 0.870, 36 stories
    for 25 events); with 32 of 1, 96% (98%), ARI 0.931. ECB+ dev 0.783 -> 0.785, METER dev per-day
    0.978 -> 0.977, for 7x the candidates on DUC (25% of all pairs), most below the alignment cosine.
    (Measured with the story linkage then at 0.15. At today's 0.10, `dedup.group.GroupConfig`, 94%
    of DUC dev's pairs at cosine >= 0.10 and 96% of ECB+ dev's are candidates, against 96% and 98%
    at >= 0.15; the grouping's figures are measured with these candidates.)
    """

    # 5-word shingles: the usual choice for near-duplicate web and news text (Broder 1997 used
    # word windows of this size); one edited word then changes at most 5 shingles.
    shingle_size: int = 5
    copy_bands: int = 32
    copy_rows: int = 4
    story_terms: int = 32
    story_bands: int = 32
    story_rows: int = 1
    # A bucket larger than this is a term every article shares (boilerplate); its members are
    # joined in a star, not all pairs, to keep the candidate count linear. The copy level's buckets
    # (CopyLevelConfig) are cut the same way. (`FlagConfig.max_wire_bucket` is another rule: across two
    # sets an oversized wire bucket is dropped, since a star would make its first wire story a
    # source of every article in the bucket.)
    max_bucket: int = 200

    def __post_init__(self) -> None:
        for name in (
            "shingle_size",
            "copy_bands",
            "copy_rows",
            "story_terms",
            "story_bands",
            "story_rows",
            "max_bucket",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")


def candidate_pairs(
    documents: Sequence[Document], space: DocumentSpace, config: CandidateConfig, seed: int
) -> np.ndarray:
    """Pairs (i < j) that share an LSH bucket at the copy grain or at the story grain."""
    if len(documents) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    return banded_pairs(copy_signatures(documents, config, seed), story_signatures(space, config, seed), config)


def banded_pairs(copy: np.ndarray, story: np.ndarray, config: CandidateConfig) -> np.ndarray:
    """Pairs that share a bucket in a band of either grain's signatures, sorted and unique."""
    if len(copy) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    copy_pairs = lsh_candidate_pairs(copy, bands=config.copy_bands, rows=config.copy_rows, max_bucket=config.max_bucket)
    story_pairs = lsh_candidate_pairs(
        story, bands=config.story_bands, rows=config.story_rows, max_bucket=config.max_bucket
    )
    pairs = np.concatenate([copy_pairs, story_pairs]).astype(np.int64).reshape(-1, 2)
    if not len(pairs):
        return pairs
    return np.stack(unique_pairs(pairs[:, 0], pairs[:, 1], len(copy)), axis=1)


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
