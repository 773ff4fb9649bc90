"""Compiled loops (numba) for the dot products the story level takes by the million.

Each kernel sums exactly as the numpy or scipy code it replaces summed, so that no value changes
by a bit: one product after another in column order in float32, as a scipy sparse product with
a vector sums (`dots_with_dense`, `pair_dots` with `in_order`), or by numpy's pairwise summation,
as ``np.add.reduceat`` sums a float32 segment (`pair_dots`). Where the numpy code
spent its time in building gathered sparse rows and scipy's checks of them, a loop over the
matrix's own arrays does the same arithmetic and nothing else.

numba compiles each kernel on its first call in a process (about a second) and keeps the machine
code in a cache beside this file (`cache=True`), so later runs load it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# numpy's pairwise summation: blocks of this many values are summed with eight running sums.
_PAIRWISE_BLOCK = 128


@njit(cache=True, nogil=True)
def _pairwise_leaf(values, start, n):  # pragma: no cover - compiled
    """numpy's ``pairwise_sum`` of ``values[start:start + n]`` for n up to `_PAIRWISE_BLOCK`,
    summed in the values' own float type (n >= 1): one after another under 8 values, else with
    eight running sums and the rest added after."""
    if n < 8:
        total = values[start] - values[start]  # a zero of the values' type
        for i in range(n):
            total += values[start + i]
        return total
    r0 = values[start]
    r1 = values[start + 1]
    r2 = values[start + 2]
    r3 = values[start + 3]
    r4 = values[start + 4]
    r5 = values[start + 5]
    r6 = values[start + 6]
    r7 = values[start + 7]
    i = 8
    last = n - (n % 8)
    while i < last:
        r0 += values[start + i]
        r1 += values[start + i + 1]
        r2 += values[start + i + 2]
        r3 += values[start + i + 3]
        r4 += values[start + i + 4]
        r5 += values[start + i + 5]
        r6 += values[start + i + 6]
        r7 += values[start + i + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += values[start + i]
        i += 1
    return total


@njit(cache=True, nogil=True)
def _pairwise_block(values, start, n):  # pragma: no cover - compiled
    """numpy's ``pairwise_sum`` of ``values[start:start + n]`` (n >= 1): above `_PAIRWISE_BLOCK`
    values, the sum of the two halves' sums (the first half's length a multiple of 8), each summed
    the same way. numpy recurses; this walks the same tree with a stack of its own, since numba
    cannot load a recursive function back from its cache."""
    if n <= _PAIRWISE_BLOCK:
        return _pairwise_leaf(values, start, n)
    # Tasks (start, length, combine?) and the sums made so far; the tree is at most 64 levels deep.
    task_start = np.empty(128, dtype=np.int64)
    task_length = np.empty(128, dtype=np.int64)
    task_combine = np.empty(128, dtype=np.bool_)
    sums = np.empty(128, dtype=values.dtype)
    n_tasks, n_sums = 1, 0
    task_start[0], task_length[0], task_combine[0] = start, n, False
    while n_tasks:
        n_tasks -= 1
        first, length, combine = task_start[n_tasks], task_length[n_tasks], task_combine[n_tasks]
        if combine:
            n_sums -= 1
            sums[n_sums - 1] = sums[n_sums - 1] + sums[n_sums]
        elif length <= _PAIRWISE_BLOCK:
            sums[n_sums] = _pairwise_leaf(values, first, length)
            n_sums += 1
        else:
            half = length // 2
            half -= half % 8
            task_start[n_tasks], task_length[n_tasks], task_combine[n_tasks] = first, length, True
            task_start[n_tasks + 1], task_length[n_tasks + 1], task_combine[n_tasks + 1] = (
                first + half,
                length - half,
                False,
            )
            task_start[n_tasks + 2], task_length[n_tasks + 2], task_combine[n_tasks + 2] = first, half, False
            n_tasks += 3
    return sums[0]


@njit(cache=True, nogil=True)
def _reduceat_sum(values, n):  # pragma: no cover - compiled
    """``np.add.reduceat`` of one segment ``values[:n]`` (n >= 1): its first value, plus
    the pairwise sum of the others, as numpy's reduction loop adds them."""
    if n == 1:
        return values[0]
    return values[0] + _pairwise_block(values, 1, n - 1)


@njit(cache=True, nogil=True)
def pair_dots(indptr, indices, data, left, right, dense, in_order, out):  # pragma: no cover - compiled
    """``out[k] = row(left[k]) . row(right[k])`` of a CSR matrix (sorted columns; float32, or
    float64 summed alike in float64): the
    products of the columns both rows hold, in column order, summed one after another in float32
    (`in_order`, as a sparse product sums them) or as ``np.add.reduceat`` sums them (pairwise).
    The pairs come grouped by left row (each left row's pairs in one run), so that each left row
    is spread into `dense` (zeros, a row long; zeros again on return) once for all its pairs."""
    products = np.empty(indptr[-1] - indptr[0] + 1, dtype=data.dtype)
    k = 0
    n_pairs = len(left)
    while k < n_pairs:
        row = left[k]
        for e in range(indptr[row], indptr[row + 1]):
            dense[indices[e]] = data[e]
        while k < n_pairs and left[k] == row:
            other = right[k]
            n = 0
            for e in range(indptr[other], indptr[other + 1]):
                product = dense[indices[e]] * data[e]
                if product != 0:
                    products[n] = product
                    n += 1
            if n == 0:
                out[k] = 0.0
            elif in_order:
                total = products[0]
                for i in range(1, n):
                    total += products[i]
                out[k] = total
            else:
                out[k] = _reduceat_sum(products, n)
            k += 1
        for e in range(indptr[row], indptr[row + 1]):
            dense[indices[e]] = 0
    return out


@njit(cache=True, nogil=True)
def dots_with_dense(starts, lengths, indices, data, dense, out):  # pragma: no cover - compiled
    """``out[k]``: the dot product with `dense` of the sparse row held at ``indices[starts[k]:
    starts[k] + lengths[k]]`` (sorted columns) and its `data` (float32), summed one after another in
    column order in float32."""
    for k in range(len(starts)):
        total = np.float32(0.0)
        for e in range(starts[k], starts[k] + lengths[k]):
            total += data[e] * dense[indices[e]]
        out[k] = total
    return out
