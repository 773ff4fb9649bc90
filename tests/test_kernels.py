"""The compiled loops of `dedup.kernels` sum as the numpy code they stand for sums, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from dedup import kernels


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_segment_sums_are_numpy_reduceat_bit_for_bit(dtype) -> None:
    """numpy sums a segment of `np.add.reduceat` as its first value plus the pairwise sum of the
    rest (eight running sums up to 128 values, halves above): every length from 1 to 300, and
    long segments several halvings deep, give numpy's value to the last bit."""
    rng = np.random.default_rng(3)
    values = (rng.random(40_000) * 10.0 ** rng.integers(-3, 3, 40_000)).astype(dtype)
    lengths = list(range(1, 301)) + [1_000, 1_029, 4_096, 17_003, 39_999]
    for length in lengths:
        start = int(rng.integers(0, len(values) - length + 1))
        segment = values[start : start + length]
        expected = np.add.reduceat(segment, [0])[0]
        found = kernels._reduceat_sum(segment, length)
        assert np.asarray(found, dtype=dtype).tobytes() == np.asarray(expected, dtype=dtype).tobytes(), length


def test_dots_with_dense_sum_in_column_order_in_float32() -> None:
    rng = np.random.default_rng(4)
    columns = np.sort(rng.choice(500, size=300, replace=False)).astype(np.int32)
    weights = rng.random(300).astype(np.float32)
    dense = rng.random(500).astype(np.float32)
    starts, lengths = np.array([0, 10, 0]), np.array([300, 50, 0])
    out = kernels.dots_with_dense(starts, lengths, columns, weights, dense, np.empty(3, dtype=np.float32))
    for k in range(3):
        part = slice(starts[k], starts[k] + lengths[k])
        expected = np.cumsum(weights[part] * dense[columns[part]], dtype=np.float32)[-1] if lengths[k] else 0.0
        assert out[k].tobytes() == np.float32(expected).tobytes()


def test_kernels_compile_uncached_where_numba_has_nowhere_to_cache(monkeypatch) -> None:
    """numba refuses ``cache=True`` when neither the package's folder nor the user's cache folder
    can be written (a read-only install, no home): the kernel is then compiled without a cache."""
    asked = []

    def fake_njit(**options):
        asked.append(options)
        if options.get("cache"):
            raise RuntimeError("cannot cache function 'f': no locator available for file 'kernels.py'")
        return lambda function: ("compiled", function)

    monkeypatch.setattr(kernels, "njit", fake_njit)

    def add(x, y):
        return x + y

    assert kernels._compiled(add) == ("compiled", add)
    assert asked == [{"cache": True, "nogil": True}, {"nogil": True}]


def test_sorted_common_count_is_the_size_of_numpys_intersection() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        first = np.unique(rng.integers(0, 60, rng.integers(0, 40)).astype(np.uint32))
        second = np.unique(rng.integers(0, 60, rng.integers(0, 40)).astype(np.uint32))
        expected = len(np.intersect1d(first, second, assume_unique=True))
        assert kernels.sorted_common_count(first, second) == expected == kernels.sorted_common_count(second, first)
    top = np.array([0, 2**32 - 1], dtype=np.uint32)  # the ends of uint32 compare as unsigned
    assert kernels.sorted_common_count(top, np.array([2**32 - 1], dtype=np.uint32)) == 1


def test_move_rows_forward_packs_rows_at_the_front_in_order() -> None:
    """Rows spread through the arrays with gaps (some empty, one already at the front, one
    overlapping its own destination) end up one after another at the front, unchanged."""
    rng = np.random.default_rng(5)
    lengths = np.array([3, 0, 5, 1, 7, 0, 2, 4], dtype=np.int32)
    gaps = np.array([0, 2, 0, 1, 3, 1, 0, 2])
    starts = (np.cumsum(gaps + lengths) - lengths).astype(np.int32)
    size = int(starts[-1] + lengths[-1] + 3)
    columns = rng.integers(0, 1_000, size).astype(np.int32)
    counts = rng.random(size).astype(np.float32)
    rows = [(columns[s : s + n].copy(), counts[s : s + n].copy()) for s, n in zip(starts, lengths)]
    moved = kernels.move_rows_forward(columns, counts, starts, lengths)
    np.testing.assert_array_equal(moved, np.cumsum(lengths) - lengths)
    for (row_columns, row_counts), start, length in zip(rows, moved, lengths):
        np.testing.assert_array_equal(columns[start : start + length], row_columns)
        np.testing.assert_array_equal(counts[start : start + length], row_counts)


def _copy_bound_by_numpy(similarity, a, b, anchor_bar, anchors_needed, chain_floor, plain_floor):
    """`kernels.copy_bound` as numpy computed it before it was compiled (`dedup.align`'s bound with
    Python floats for the bars, which numpy compares in the array's own type)."""
    best_a, best_b = similarity.max(axis=1), similarity.max(axis=0)
    anchors = min(int(np.count_nonzero(best_a >= anchor_bar)), int(np.count_nonzero(best_b >= anchor_bar)))
    floor = chain_floor if anchors >= anchors_needed else plain_floor
    same = (a["keys"][:, None] == b["keys"][None, :]) & (a["words"] > 0)[:, None] & (b["words"] > 0)[None, :]
    held_a = (best_a >= floor) | same.any(axis=1)
    held_b = (best_b >= floor) | same.any(axis=0)

    def share(side, held):
        prose = int(side["chars"][~side["quoted"]].sum())
        held_prose = int(side["chars"][held & ~side["quoted"]].sum())
        held_quoted = int(side["chars"][held & side["quoted"]].sum())
        total = prose + held_quoted
        return (held_prose + held_quoted) / total if total else 0.0

    links = min(int(np.count_nonzero(held_a)), int(np.count_nonzero(held_b)))
    return int(a["words"][held_a].sum(dtype=np.int64)), share(a, held_a), share(b, held_b), links


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_copy_bound_gives_the_figures_numpy_gave(dtype) -> None:
    """Held words, share bounds and links equal numpy's for random similarities, sentence figures
    and word keys (some shared), with many similarities exactly at the bars as the float type holds
    them (a bar of 0.35 is 0.3499999940395355 in float32: numpy compares there, and so must the loop)."""
    rng = np.random.default_rng(21)
    bars = (0.35, 0.15, 0.25)
    for trial in range(400):
        n_a, n_b = int(rng.integers(1, 30)), int(rng.integers(1, 30))
        similarity = rng.random((n_a, n_b)).astype(dtype) * dtype(rng.choice([0.4, 1.0]))
        at_bars = rng.random((n_a, n_b)) < 0.2
        similarity[at_bars] = np.array(bars, dtype=dtype)[rng.integers(0, 3, int(at_bars.sum()))]
        sides = []
        for n in (n_a, n_b):
            sides.append(
                {
                    "words": rng.integers(0, 30, n).astype(np.int32) * (rng.random(n) > 0.1),
                    "chars": rng.integers(0, 200, n).astype(np.int32),
                    "quoted": rng.random(n) < 0.3,
                    "keys": rng.integers(0, 40, n).astype(np.int64),
                }
            )
        a, b = sides
        a["words"], b["words"] = a["words"].astype(np.int32), b["words"].astype(np.int32)
        anchors_needed = int(rng.integers(0, 5))
        expected = _copy_bound_by_numpy(similarity, a, b, 0.35, anchors_needed, 0.15, 0.25)
        found = kernels.copy_bound(
            similarity,
            a["words"], a["chars"], a["quoted"], a["keys"],
            b["words"], b["chars"], b["quoted"], b["keys"],
            dtype(0.35), anchors_needed, dtype(0.15), dtype(0.25),
        )  # fmt: skip
        assert tuple(found) == expected, trial
