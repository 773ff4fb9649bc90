from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from datasketch.hashfunc import sha1_hash32
from hypothesis import given
from hypothesis import strategies as st

from dedup.shingles import ShingleConfig, sha1_hash32_bytes, shingle_hashes, token_hash32

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
    with pytest.raises(ValueError, match="n must be a positive integer"):
        ShingleConfig(n=n)  # type: ignore[arg-type]


def test_default_config_uses_five_word_shingles() -> None:
    assert ShingleConfig().n == 5


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
