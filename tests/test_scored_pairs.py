"""ScoredPairs: a batch's scored pairs as columns behave as the tuple of ScoredPair they stand for."""

from __future__ import annotations

import pickle
from dataclasses import astuple, replace

import numpy as np

from dedup.model import ScoredPair, ScoredPairs
from dedup.stages.group import pairs_in_input_order

PAIRS = (
    ScoredPair(0, 2, 0.5, 0.1, 0.2, 0.3, 0.4, "same-story"),
    ScoredPair(1, 2, 0.9, 1.0, 0.95, 0.0, 0.0, "near-duplicate"),
    ScoredPair(0, 1, 0.05, 0.0, 0.0, 0.0, 0.0, "unrelated"),
)


def test_columns_read_back_as_the_pairs_they_hold():
    columns = ScoredPairs.of(PAIRS)
    assert len(columns) == 3 and columns == PAIRS and list(columns) == list(PAIRS)
    assert columns[1] == PAIRS[1] and columns[-1] == PAIRS[-1] and columns[0:2] == PAIRS[0:2]
    assert columns.copies().tolist() == [False, True, False]
    assert pickle.loads(pickle.dumps(columns)) == columns
    assert ScoredPairs.of(()) == () and not ScoredPairs.of(())


def test_unrelated_pairs_filled_in_bulk_then_put_one_by_one():
    columns = ScoredPairs.unrelated(np.array([0, 1]), np.array([2, 2]), np.array([0.5, 0.9]))
    assert columns[0] == ScoredPair(0, 2, 0.5, 0.0, 0.0, 0.0, 0.0, "unrelated")
    # One pair settled alone holds what the columns hold, with the same types.
    alone = ScoredPair.settled(np.int64(0), np.int64(2), np.float64(0.5))
    assert alone == columns[0] and list(map(type, astuple(alone))) == list(map(type, astuple(columns[0])))
    assert ScoredPair.settled(0, 2, 0.5, "same-story") == replace(columns[0], relation="same-story")
    columns.put(1, PAIRS[1])
    assert columns[1] == PAIRS[1] and columns[0].relation == "unrelated"


def test_renumbering_to_input_order_swaps_sides_and_sorts_as_the_dataclasses_did():
    positions = [2, 0, 1]  # document k was input at positions[k]
    renumbered = pairs_in_input_order(PAIRS, positions)
    expected = []
    for pair in PAIRS:
        a, b = positions[pair.a], positions[pair.b]
        if a < b:
            expected.append(replace(pair, a=a, b=b))
        else:
            swapped = {"shared_a": pair.shared_b, "shared_b": pair.shared_a}
            swapped.update(rewritten_a=pair.rewritten_b, rewritten_b=pair.rewritten_a)
            expected.append(replace(pair, a=b, b=a, **swapped))
    assert renumbered == tuple(sorted(expected, key=lambda p: (p.a, p.b)))
