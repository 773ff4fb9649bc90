"""Small numpy helpers shared by the stages."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """The distinct values of a 1-D array, ascending: what ``np.unique(values)`` returns.

    By sorting a copy and keeping each value that differs from its predecessor. numpy 2.x's
    ``np.unique`` without ``return_*`` options goes through a hash table instead, which measured
    about 20 times slower on int64 pair codes (1.3M codes: 0.68 s against 0.028 s; numpy 2.4).
    """
    ordered = np.sort(np.asarray(values).ravel())
    keep = np.empty(len(ordered), dtype=bool)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def pair_codes(first: np.ndarray, second: np.ndarray, count: int) -> np.ndarray:
    """Each unordered pair of `first[k]` and `second[k]` (numbers under `count`) as one int64,
    ``smaller * count + larger``: sorting the codes sorts the pairs by (smaller, larger), and
    ``np.divmod(code, count)`` gives the pair back."""
    first, second = np.asarray(first, dtype=np.int64), np.asarray(second, dtype=np.int64)
    return np.minimum(first, second) * np.int64(count) + np.maximum(first, second)


def unique_pairs(first: np.ndarray, second: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Each unordered pair of `first[k]` and `second[k]` (numbers under `count`) once, as (smaller,
    larger), sorted, by their `pair_codes` (``np.unique(pairs, axis=0)`` took 2.35 s of make_corpus
    10k's 3.2M candidate pairs)."""
    return np.divmod(unique_sorted(pair_codes(first, second, count)), np.int64(count))


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, s + n) for s, n in zip(starts, lengths)])``, without the loop."""
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    begin = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    return np.arange(total, dtype=np.int64) + np.repeat(starts - begin, lengths)


def numbered_distinct(values: Sequence[object]) -> tuple[list, np.ndarray]:
    """The distinct objects of `values` in order of first appearance, and each value's number among
    them. Distinct by identity: copies of a story share one tuple per repeated sentence (the
    `dedup.text.TextCache`), and telling those apart by address costs no hashing of their
    contents; equal values that are distinct objects are numbered apart, which a caller that
    reads the values' contents cannot tell."""
    addresses = np.fromiter(map(id, values), dtype=np.uint64, count=len(values))
    _, first, inverse = np.unique(addresses, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return [values[k] for k in first[order].tolist()], rank[inverse.ravel()]


def gathered_runs(flat: np.ndarray, lengths: np.ndarray, numbers: np.ndarray) -> np.ndarray:
    """Runs `numbers` of `flat`, concatenated in that order, where run k is the next `lengths[k]`
    entries of `flat` (the runs one after another)."""
    starts = np.cumsum(lengths) - lengths
    return flat[ranges(starts[numbers], lengths[numbers])]
