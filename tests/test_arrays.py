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
