"""The candidates stage: pairs of documents that share an LSH bucket, never all pairs.

Within one set (`candidate_pairs`, `banded_pairs`: the story level) and across two sets
(`cross_bucket_pairs`: flag's articles against the wire, pairs inside either set never formed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from dedup.arrays import unique_sorted
from dedup.minhash import lsh_candidate_pairs, row_keys
from dedup.model import Document
from dedup.score import DocumentSpace
from dedup.stages.sketch import copy_signatures, story_signatures

if TYPE_CHECKING:  # the config module imports flag, which imports this module
    from dedup.config import CandidateConfig


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
    return np.unique(pairs, axis=0) if len(pairs) else pairs


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
