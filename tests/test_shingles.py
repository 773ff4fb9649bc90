from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from datasketch.hashfunc import sha1_hash32
from hypothesis import given
from hypothesis import strategies as st

from dedup.config import CandidateConfig, CopyLevelConfig
from dedup.shingles import (
    sha1_hash32_bytes,
    shingle_hashes,
    shingle_hashes_flat,
    shingle_hashes_many,
    token_hash32,
)

WORDS = "the minister said on tuesday that the talks would resume next week in geneva".split()


def test_one_shingle_per_window() -> None:
    hashes = shingle_hashes(WORDS, 5)
    assert hashes.dtype == np.uint32
    assert len(hashes) == len(WORDS) - 5 + 1
    assert len(set(hashes.tolist())) == len(hashes)


def test_same_tokens_give_same_hashes_on_every_call() -> None:
    assert np.array_equal(shingle_hashes(WORDS, 3), shingle_hashes(list(WORDS), 3))


def test_hashes_do_not_depend_on_the_process() -> None:
    # Python's built-in str hash is salted per process; these hashes must not be.
    code = f"from dedup.shingles import shingle_hashes; print(shingle_hashes({WORDS!r}, 3).tolist())"
    other_process = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "123"},
    )
    assert other_process.stdout.strip() == str(shingle_hashes(WORDS, 3).tolist())


def test_shared_passage_gives_shared_shingles() -> None:
    rewrite = ["officials", "confirmed"] + WORDS[:8] + ["in", "a", "statement"]
    shared = set(shingle_hashes(WORDS, 5).tolist()) & set(shingle_hashes(rewrite, 5).tolist())
    assert len(shared) == 8 - 5 + 1


def test_word_order_matters() -> None:
    assert shingle_hashes(["a", "b", "c"], 3)[0] != shingle_hashes(["c", "b", "a"], 3)[0]


def test_document_shorter_than_n_gives_one_shingle() -> None:
    short = shingle_hashes(["breaking", "news"], 5)
    assert len(short) == 1
    assert short[0] != shingle_hashes(["news", "breaking"], 5)[0]
    assert len(shingle_hashes(["alone"], 5)) == 1


def test_empty_document_gives_no_shingles() -> None:
    hashes = shingle_hashes([], 5)
    assert hashes.dtype == np.uint32
    assert len(hashes) == 0


def test_unigrams_are_the_token_hashes() -> None:
    assert shingle_hashes(WORDS, 1).tolist() == [token_hash32(word) for word in WORDS]


def test_token_hash_is_datasketch_default_hash_of_utf8() -> None:
    for token in ["minister", "Zürich", "", "東京"]:
        assert token_hash32(token) == sha1_hash32(token.encode("utf-8")) == sha1_hash32_bytes(token.encode())


@pytest.mark.parametrize("n", [0, -1, 2.5, True])
def test_bad_shingle_size_is_refused(n: object) -> None:
    with pytest.raises(ValueError, match="n must be a positive integer"):
        shingle_hashes(WORDS, n)  # type: ignore[arg-type]


def test_default_config_uses_five_word_shingles() -> None:
    assert CandidateConfig().shingle_size == 5
    assert CopyLevelConfig().shingle_size == 5


tokens_strategy = st.lists(st.text(min_size=1, max_size=8), max_size=30)


@given(tokens=tokens_strategy, n=st.integers(min_value=1, max_value=7))
def test_each_shingle_hashes_its_own_window(tokens: list[str], n: int) -> None:
    hashes = shingle_hashes(tokens, n)
    assert hashes.dtype == np.uint32
    if not tokens:
        assert len(hashes) == 0
    elif len(tokens) < n:
        assert len(hashes) == 1
    else:
        assert len(hashes) == len(tokens) - n + 1
        # A shingle's hash depends on its window only, not on where the window sits.
        for position in range(0, len(hashes), 3):
            window = tokens[position : position + n]
            assert hashes[position] == shingle_hashes(window, n)[0]


@given(tokens=tokens_strategy, n=st.integers(min_value=1, max_value=7))
def test_shingles_of_a_concatenation_include_each_part(tokens: list[str], n: int) -> None:
    doubled = shingle_hashes(tokens + tokens, n)
    if len(tokens) >= n:
        single = shingle_hashes(tokens, n)
        assert np.array_equal(doubled[: len(single)], single)
        assert np.array_equal(doubled[-len(single) :], single)


def _documents_of_lengths(lengths: list[int], dtype: type[np.unsignedinteger], seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    high = 2**32 if dtype is np.uint32 else 2**64
    return [rng.integers(0, high, length, dtype=dtype) for length in lengths]


def _flat_and_per_document(documents: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    offsets = np.cumsum([0, *map(len, documents)])
    token_hashes = np.concatenate(documents) if documents else np.zeros(0, dtype=np.uint32)
    shingles, counts = shingle_hashes_flat(token_hashes, offsets, n)
    return shingles, counts, shingle_hashes_many(documents, n)


@st.composite
def _lengths_around_n(draw: st.DrawFn) -> tuple[int, list[int]]:
    """n and document lengths from {0, 1, n - 1, n, n + 1, 30}, in any order."""
    n = draw(st.integers(min_value=1, max_value=6))
    lengths = draw(st.lists(st.sampled_from(sorted({0, 1, n - 1, n, n + 1, 30})), max_size=12))
    return n, lengths


@given(case=_lengths_around_n(), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_flat_shingles_equal_shingle_hashes_many_per_document(case: tuple[int, list[int]], seed: int) -> None:
    n, lengths = case
    shingles, counts, expected = _flat_and_per_document(_documents_of_lengths(lengths, np.uint32, seed), n)
    assert shingles.dtype == np.uint32
    assert counts.tolist() == [len(document) for document in expected]
    assert shingles.tolist() == [value for document in expected for value in document.tolist()]


@given(case=_lengths_around_n(), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_flat_shingles_of_uint64_hashes_with_32_bit_values_equal_the_uint32_ones(
    case: tuple[int, list[int]], seed: int
) -> None:
    n, lengths = case
    documents = _documents_of_lengths(lengths, np.uint32, seed)
    wide_shingles, wide_counts, wide_expected = _flat_and_per_document([d.astype(np.uint64) for d in documents], n)
    shingles, counts, _ = _flat_and_per_document(documents, n)
    assert wide_shingles.dtype == np.uint32
    assert wide_counts.tolist() == counts.tolist() == [len(document) for document in wide_expected]
    assert wide_shingles.tolist() == shingles.tolist()
    assert wide_shingles.tolist() == [value for document in wide_expected for value in document.tolist()]


def test_flat_unigrams_of_uint64_hashes_fold_both_halves() -> None:
    documents = _documents_of_lengths([3, 0, 1, 30], np.uint64, seed=1)
    shingles, counts, _ = _flat_and_per_document(documents, 1)
    assert counts.tolist() == [3, 0, 1, 30]
    expected = [(int(value) & 0xFFFFFFFF) ^ (int(value) >> 32) for value in np.concatenate(documents)]
    assert shingles.tolist() == expected


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_flat_shingles_of_uint64_hashes_depend_on_the_high_bits_of_their_own_words_only(n: int) -> None:
    documents = _documents_of_lengths([0, 1, n - 1, n, n + 1, 30], np.uint64, seed=n)
    shingles, counts, _ = _flat_and_per_document(documents, n)
    changed = [document.copy() for document in documents]
    changed[-1][10] ^= np.uint64(1 << 50)  # one word of the 30-word document, a high bit only
    other, other_counts, _ = _flat_and_per_document(changed, n)
    assert other_counts.tolist() == counts.tolist()
    differing = np.flatnonzero(other != shingles)
    last_start = int(counts[:-1].sum())
    # exactly the windows of the last document that hold word 10
    assert (differing - last_start).tolist() == list(range(max(0, 10 - n + 1), 11))


def test_flat_shingles_of_no_documents_are_empty() -> None:
    shingles, counts = shingle_hashes_flat(np.zeros(0, dtype=np.uint64), np.array([0]), 5)
    assert len(shingles) == 0
    assert len(counts) == 0
    shingles, counts = shingle_hashes_flat(np.zeros(0, dtype=np.uint32), np.array([0, 0, 0]), 5)
    assert len(shingles) == 0
    assert counts.tolist() == [0, 0]


@pytest.mark.parametrize("n", [0, -1, 2.5, True, None])
def test_flat_shingles_refuse_a_bad_shingle_size(n: object) -> None:
    with pytest.raises(ValueError, match="n must be a positive integer"):
        shingle_hashes_flat(np.arange(10, dtype=np.uint32), np.array([0, 4, 10]), n)  # type: ignore[arg-type]
