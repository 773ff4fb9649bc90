from __future__ import annotations

import os
import re
import string
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.wordhash import WordBatch, word_hashes

ASCII_ALPHABET = string.ascii_letters + string.digits + " \n" + string.punctuation
ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
VOCABULARY = ["the", "The", "THE", "minister", "Minister", "said", "2024", "g7", "G7", "a", "A", "x1y2"]

# Characters that end a word (Unicode punctuation and spaces), by how many UTF-8 bytes they take.
TWO_BYTE_SEPARATORS = ["\u00a0", "\u00ab", "\u00bb"]  # no-break space, guillemets
THREE_BYTE_SEPARATORS = [
    "\u2018",  # left single quotation mark
    "\u2019",  # right single quotation mark (the curly apostrophe)
    "\u201c",  # left double quotation mark
    "\u201d",  # right double quotation mark
    "\u2013",  # en dash
    "\u2014",  # em dash
    "\u2026",  # horizontal ellipsis
    "\u3002",  # ideographic full stop
    "\u3000",  # ideographic space
    "\u060c",  # Arabic comma
    "\u061f",  # Arabic question mark
    "\u06d4",  # Urdu full stop
    "\u0964",  # Devanagari danda
    "\uff0c",  # fullwidth comma
]
SEPARATORS = TWO_BYTE_SEPARATORS + THREE_BYTE_SEPARATORS


def _hash_of(word: str) -> int:
    """The hash of `word` on its own, in a batch of one."""
    batch = word_hashes([word])
    assert len(batch.hashes) == 1
    return int(batch.hashes[0])


def _words_of(batch: WordBatch, index: int) -> list[int]:
    return batch.hashes[batch.offsets[index] : batch.offsets[index + 1]].tolist()


vocabulary_texts = st.lists(
    st.tuples(st.sampled_from(VOCABULARY), st.text(alphabet=string.punctuation + "\n", max_size=3)),
    max_size=12,
).map(lambda parts: " ".join(word + separator for word, separator in parts))
ascii_texts = st.one_of(st.text(alphabet=ASCII_ALPHABET, max_size=60), vocabulary_texts)


@given(texts=st.lists(ascii_texts, max_size=8))
def test_ascii_words_are_runs_of_letters_and_digits_case_folded(texts: list[str]) -> None:
    batch = word_hashes(texts)
    expected = [[word.lower() for word in ASCII_WORD.findall(text)] for text in texts]

    assert batch.hashes.dtype == np.uint64
    assert batch.offsets.dtype == np.int64
    assert len(batch) == len(texts)
    assert batch.lengths.tolist() == [len(words) for words in expected]
    # Two words get equal hashes iff their lower-cased strings are equal (and in the same order).
    hash_by_word: dict[str, int] = {}
    word_by_hash: dict[int, str] = {}
    for index, words in enumerate(expected):
        for word, word_hash in zip(words, _words_of(batch, index), strict=True):
            assert hash_by_word.setdefault(word, word_hash) == word_hash
            assert word_by_hash.setdefault(word_hash, word) == word


def test_underscore_and_apostrophe_split_words() -> None:
    batch = word_hashes(["snake_case it's e-mail"])
    assert batch.hashes.tolist() == [_hash_of(word) for word in ["snake", "case", "it", "s", "e", "mail"]]


@given(texts=st.lists(ascii_texts, max_size=8))
def test_a_words_hash_does_not_depend_on_its_text_position_or_neighbours(texts: list[str]) -> None:
    batch = word_hashes(texts)
    for index, text in enumerate(texts):
        assert _words_of(batch, index) == [_hash_of(word) for word in ASCII_WORD.findall(text)]


# Non-ASCII letters and three-byte punctuation, so that chunking is also checked on texts that are
# lower-cased by `str.lower`; two-byte punctuation at the very end is the known bug tested below.
mixed_alphabet = ASCII_ALPHABET + "éÉüÜçЖжМосквА東京都" + "".join(THREE_BYTE_SEPARATORS)


@given(
    texts=st.lists(st.one_of(ascii_texts, st.text(alphabet=mixed_alphabet, max_size=40)), max_size=10),
    cuts=st.lists(st.integers(min_value=0, max_value=10), max_size=4),
)
def test_hashes_do_not_depend_on_the_batch_or_its_chunking(texts: list[str], cuts: list[int]) -> None:
    whole = word_hashes(texts)
    bounds = [0, *sorted(min(cut, len(texts)) for cut in cuts), len(texts)]
    chunks = [word_hashes(texts[start:stop]) for start, stop in zip(bounds[:-1], bounds[1:])]
    assert whole.hashes.tolist() == np.concatenate([chunk.hashes for chunk in chunks]).tolist()
    assert whole.lengths.tolist() == np.concatenate([chunk.lengths for chunk in chunks]).tolist()
    singles = [word_hashes([text]) for text in texts]
    assert whole.lengths.tolist() == [len(single.hashes) for single in singles]
    assert whole.offsets.tolist() == np.cumsum([0, *(len(single.hashes) for single in singles)]).tolist()


@pytest.mark.parametrize("separator", SEPARATORS)
def test_unicode_punctuation_and_spaces_split_words(separator: str) -> None:
    alpha, beta = _hash_of("alpha"), _hash_of("beta")
    texts = [f"alpha{separator}beta", f"{separator}alpha{separator}{separator}beta", f"{separator}{separator}", "beta"]
    batch = word_hashes(texts)
    assert _words_of(batch, 0) == [alpha, beta]
    assert _words_of(batch, 1) == [alpha, beta]
    assert _words_of(batch, 2) == []
    assert _words_of(batch, 3) == [beta]


@pytest.mark.parametrize("separator", [*TWO_BYTE_SEPARATORS, *THREE_BYTE_SEPARATORS])
def test_punctuation_at_the_end_of_the_last_text_ends_the_word(separator: str) -> None:
    batch = word_hashes(["first text", f"alpha{separator}", separator])
    assert _words_of(batch, 1) == [_hash_of("alpha")]
    assert _words_of(batch, 2) == []


@pytest.mark.parametrize("word", ["café", "naïve", "Zürich", "Москва", "straße", "ελληνικά", "हिन्दी", "مدرَّبة"])
def test_non_ascii_letters_stay_inside_words(word: str) -> None:
    batch = word_hashes([f"in {word}, today"])
    assert batch.lengths.tolist() == [3]
    assert batch.hashes[1] == _hash_of(word)
    assert batch.hashes[1] != _hash_of(word[:-1])


def test_scripts_without_spaces_give_pairs_of_neighbouring_characters() -> None:
    batch = word_hashes(["在東京都，iPhone手机。", "好", "ไทย x"])
    pairs = ["在東", "東京", "京都", "iphone", "手机"]
    assert _words_of(batch, 0) == [_hash_of(word) for word in pairs]
    assert _words_of(batch, 1) == [_hash_of("好")]
    assert _words_of(batch, 2) == [_hash_of("ไท"), _hash_of("ทย"), _hash_of("x")]
    # An edit changes the pairs it touches only.
    edited = word_hashes(["国家统计局周一公布", "国家统计局周二公布"])
    assert len(set(_words_of(edited, 0)) & set(_words_of(edited, 1))) == 8 - 2


@pytest.mark.parametrize(("capitals", "small"), [("ÉTÉ", "été"), ("Москва", "москва"), ("ZÜRICH", "zürich")])
def test_non_ascii_capitals_fold(capitals: str, small: str) -> None:
    assert _hash_of(capitals) == _hash_of(small)
    # An ASCII word in a text that is not ASCII gets the hash it has in an ASCII text.
    assert word_hashes([f"Paris {capitals}"]).hashes.tolist() == [_hash_of("paris"), _hash_of(small)]


@pytest.mark.parametrize("length", [1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 66, 200])
def test_words_differing_only_in_their_last_byte_differ(length: int) -> None:
    stem = ("abcdefghij" * 20)[: length - 1]
    hashes = word_hashes([f"{stem}x {stem}y {stem}X"]).hashes.tolist()
    assert len(hashes) == 3
    assert hashes[0] != hashes[1]
    assert hashes[0] == hashes[2]


@pytest.mark.parametrize("length", [64, 65, 100, 1000])
def test_long_words_get_a_hash_folded_and_independent_of_position(length: int) -> None:
    word = ("Base64Blob" * 100)[:length]
    batch = word_hashes([f"see {word} here", word.lower(), word.upper()])
    assert batch.lengths.tolist() == [3, 1, 1]
    assert batch.hashes[1] == batch.hashes[3] == batch.hashes[4]
    assert batch.hashes[1] not in (batch.hashes[0], batch.hashes[2])
    assert batch.hashes[1] != _hash_of(word[:-1])
    assert batch.hashes[1] != _hash_of("c" + word[1:])


@given(st.lists(st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=150), max_size=20))
def test_distinct_words_of_any_length_get_distinct_hashes(words: list[str]) -> None:
    hashes = word_hashes(words).hashes.tolist()
    assert len(hashes) == len(words)
    assert len(set(hashes)) == len({word.lower() for word in words})


def test_empty_whitespace_and_punctuation_only_texts_have_no_words() -> None:
    texts = ["", "one two", "   ", "\n\t\n", "three", "...!?", "--- (*) ---", "", "— … 。", "four five six", ""]
    batch = word_hashes(texts)
    assert batch.lengths.tolist() == [0, 2, 0, 0, 1, 0, 0, 0, 0, 3, 0]
    assert batch.offsets.tolist() == [0, 0, 2, 2, 2, 3, 3, 3, 3, 3, 6, 6]
    assert batch.hashes.tolist() == [_hash_of(word) for word in "one two three four five six".split()]


@pytest.mark.parametrize("texts", [[], [""], ["", "", ""], [" ", "?!", "\n"]])
def test_texts_without_words_give_empty_hashes(texts: list[str]) -> None:
    batch = word_hashes(texts)
    assert batch.hashes.dtype == np.uint64
    assert len(batch.hashes) == 0
    assert batch.offsets.tolist() == [0] * (len(texts) + 1)
    assert len(batch) == len(texts)


def test_hashes_are_uint64_and_the_same_in_another_process() -> None:
    texts = ["The minister said", "ÉTÉ à Москва — 東京都", "x" * 100]  # 東京都: two words
    code = f"from dedup.wordhash import word_hashes; print(word_hashes({texts!r}).hashes.tolist())"
    other_process = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "123"},
    )
    hashes = word_hashes(texts).hashes
    assert hashes.dtype == np.uint64
    assert len(hashes) == 9
    assert other_process.stdout.strip() == str(hashes.tolist())
    # Full 64-bit values, not 32-bit ones widened.
    assert int(hashes.max()) >= 1 << 32
