from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from dedup.arrays import unique_sorted


@given(st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1), max_size=200))
def test_unique_sorted_equals_numpy_unique(values: list[int]) -> None:
    array = np.array(values, dtype=np.int64)
    result = unique_sorted(array)
    assert result.dtype == np.int64
    assert result.tolist() == np.unique(array).tolist()


def test_unique_sorted_of_unsigned_and_empty_arrays_and_leaves_its_input_alone() -> None:
    values = np.array([2**64 - 1, 3, 3, 0, 2**64 - 1], dtype=np.uint64)
    assert unique_sorted(values).tolist() == [0, 3, 2**64 - 1]
    assert values.tolist() == [2**64 - 1, 3, 3, 0, 2**64 - 1]
    assert unique_sorted(np.zeros(0, dtype=np.int64)).tolist() == []


def test_numbered_distinct_numbers_objects_in_order_of_first_appearance():
    from dedup.arrays import numbered_distinct

    first, second = ("a", "b"), ("c",)
    twin = tuple(["a", "b"])  # equal to `first`, another object: numbered apart
    values = [second, first, second, twin, first]
    distinct, numbers = numbered_distinct(values)
    assert [id(value) for value in distinct] == [id(second), id(first), id(twin)]
    assert numbers.tolist() == [0, 1, 0, 2, 1]
    assert numbered_distinct([])[0] == [] and numbered_distinct([])[1].tolist() == []


def test_gathered_runs_concatenate_the_runs_named():
    from dedup.arrays import gathered_runs

    flat = np.array([10, 11, 20, 30, 31, 32])
    lengths = np.array([2, 1, 0, 3])
    assert gathered_runs(flat, lengths, np.array([3, 0, 2, 1, 0])).tolist() == [30, 31, 32, 10, 11, 20, 10, 11]
    assert gathered_runs(flat, lengths, np.array([], dtype=np.int64)).tolist() == []
