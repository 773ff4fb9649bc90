"""Small numpy helpers shared by the stages."""

from __future__ import annotations

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
