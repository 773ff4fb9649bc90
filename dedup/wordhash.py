"""The words of many texts at once, as 64-bit hashes computed in numpy over their UTF-8 bytes.

`dedup.text.prepare` builds sentences, quotes, words and stems one document at a time in Python,
about 1 ms per article: right for alignment, too slow for a copy-level pass over millions of
articles. `word_hashes` needs only each text's sequence of words, and finds them for a whole
chunk of texts with array operations: the texts are joined into one byte buffer, ASCII letters
are lower-cased and bytes classified by a lookup table, word boundaries found by comparing
neighbours, and each word's bytes read eight at a time through an unaligned uint64 view.

A word is a maximal run of ASCII letters and digits and of non-ASCII characters other than
Unicode punctuation and spaces (`_PUNCTUATION`), close to the ``\\w+`` of `re` (which also splits
at ``_``). In scripts written without spaces (Chinese, Japanese, Thai: `dedup.text.SPACELESS_RANGES`)
a run would be a whole clause, so each pair of neighbouring characters of a run is a word instead
(a run of one character is one word), as `dedup.text.words` has it. ASCII letters are lower-cased
in bytes; other scripts are lower-cased by ``str.lower`` before encoding, only in texts that are
not ASCII. Hashes depend only on a word's bytes, never on the batch, the chunking or the process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dedup.text import SPACELESS_RANGES

_ASCII_CASE_BIT = np.uint8(0x20)
# Words longer than this many bytes (URLs, base64 blobs) are hashed one by one with hashlib.
_LONG_WORD = 64
_CHUNK_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_FMIX64_1 = np.uint64(0xFF51AFD7ED558CCD)
_FMIX64_2 = np.uint64(0xC4CEB9FE1A85EC53)
_SHIFT_33 = np.uint64(33)
_BYTE_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [(1 << 64) - 1], dtype=np.uint64)


def _range_bounds(ranges: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Sorted bounds ``first, last + 1`` of code point ranges: a code point is in one of them when
    ``np.searchsorted(bounds, code, side="right")`` is odd."""
    return np.array([bound for first, last in sorted(ranges) for bound in (first, last + 1)], dtype=np.int64)


# Unicode punctuation and spaces that end a word: Latin-1 symbols and the no-break space, general
# punctuation (dashes, curly quotes, ellipsis), CJK punctuation, the Arabic comma, semicolon,
# question mark and percent and decimal signs, the Urdu full stop, the Devanagari dandas, and
# fullwidth punctuation.
_PUNCTUATION = _range_bounds(
    (
        (0x0080, 0x00BF),
        (0x2000, 0x207F),
        (0x3000, 0x303F),
        (0x060C, 0x060C),
        (0x061B, 0x061B),
        (0x061F, 0x061F),
        (0x066A, 0x066D),
        (0x06D4, 0x06D4),
        (0x0964, 0x0965),
        (0xFF01, 0xFF0F),
        (0xFF1A, 0xFF20),
        (0xFF3B, 0xFF40),
        (0xFF5B, 0xFF65),
    )
)
_SPACELESS = _range_bounds(SPACELESS_RANGES)


def _leads_of_apart_characters() -> np.ndarray:
    """Which lead bytes may start a punctuation or spaceless character: every three- and four-byte
    lead, and the two-byte leads of the punctuation below U+0800."""
    table = np.zeros(256, dtype=bool)
    table[0xE0:] = True
    for first, last in zip(_PUNCTUATION[0::2].tolist(), (_PUNCTUATION[1::2] - 1).tolist()):
        for code in range(first, min(last, 0x7FF) + 1):
            table[0xC0 | (code >> 6)] = True
    return table


_MAY_BE_APART = _leads_of_apart_characters()


@dataclass(frozen=True)
class WordBatch:
    """The words of a sequence of texts: ``hashes[offsets[i]:offsets[i + 1]]`` are text i's, in order."""

    hashes: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def lengths(self) -> np.ndarray:
        """Words per text."""
        return np.diff(self.offsets)


def word_hashes(texts: Sequence[str]) -> WordBatch:
    """Return the 64-bit hash of every word of every text, with where each text's words start.

    Call it on a chunk of texts (a few thousand) at a time: its arrays take about 20 bytes per
    input byte while it runs.

    Parameters
    ----------
    texts : sequence of str
        The texts, in order.

    Returns
    -------
    WordBatch
        uint64 word hashes of all texts in order, and int64 offsets of length ``len(texts) + 1``.
    """
    encoded = [(text if text.isascii() else text.lower()).encode("utf-8") for text in texts]
    sizes = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    # One separator byte between texts (and 8 zero bytes of padding for the uint64 view).
    buffer = b"\n".join(encoded) + bytes(8)
    raw = np.frombuffer(buffer, dtype=np.uint8)
    n_bytes = len(raw) - 8
    is_word = _word_bytes(raw[:n_bytes])
    pair_starts, pair_lengths = _non_ascii_words(raw[:n_bytes], is_word)

    edges = np.flatnonzero(is_word[1:] != is_word[:-1]) + 1
    if n_bytes and is_word[0]:
        edges = np.concatenate(([0], edges))
    if n_bytes and is_word[-1]:
        edges = np.concatenate((edges, [n_bytes]))
    starts, lengths = edges[0::2], edges[1::2] - edges[0::2]
    if len(pair_starts):
        order = np.argsort(np.concatenate((starts, pair_starts)), kind="stable")
        starts = np.concatenate((starts, pair_starts))[order]
        lengths = np.concatenate((lengths, pair_lengths))[order]

    text_starts = np.cumsum(sizes + 1) - sizes - 1
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    offsets[1:] = np.searchsorted(starts, text_starts + sizes, side="left")
    if len(starts) == 0:
        return WordBatch(np.zeros(0, dtype=np.uint64), offsets)

    return WordBatch(_hash_words(_ascii_lower(raw), starts, lengths), offsets)


def _word_bytes(raw: np.ndarray) -> np.ndarray:
    """True for ASCII letters and digits and for every byte of a non-ASCII character (comparisons
    on uint8 wrap around, so ``x - a < n`` tests ``a <= x < a + n``; 4x faster than a lookup table)."""
    is_letter = ((raw | _ASCII_CASE_BIT) - np.uint8(ord("a"))) < np.uint8(26)
    is_letter |= (raw - np.uint8(ord("0"))) < np.uint8(10)
    is_letter |= raw >= np.uint8(0x80)
    return is_letter


def _ascii_lower(raw: np.ndarray) -> np.ndarray:
    """`raw` with ASCII capitals lower-cased."""
    is_capital = (raw - np.uint8(ord("A"))) < np.uint8(26)
    return raw | (is_capital.view(np.uint8) << np.uint8(5))


def _non_ascii_words(raw: np.ndarray, is_word: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mark the bytes of punctuation and space characters (`_PUNCTUATION`) and of spaceless-script
    characters as not part of a run word, and return the (start, length) in bytes of the words of
    the spaceless scripts, in order: each pair of neighbouring characters of a run, and each lone
    character.

    `raw` is valid UTF-8 (encoded from str), so every lead byte has its whole character in it.
    Only characters whose lead byte may start one of these are decoded (not Cyrillic or Greek).
    """
    lead = np.flatnonzero(raw >= 0xC2)
    lead = lead[_MAY_BE_APART[raw[lead]]]
    if not len(lead):
        return _NO_WORDS, _NO_WORDS
    first = raw[lead].astype(np.int32)
    size = 2 + (first >= 0xE0) + (first >= 0xF0)
    last = len(raw) - 1
    c1, c2, c3 = (raw[np.minimum(lead + k, last)].astype(np.int32) & 0x3F for k in (1, 2, 3))
    code = np.where(
        size == 2,
        ((first & 0x1F) << 6) | c1,
        np.where(
            size == 3, ((first & 0x0F) << 12) | (c1 << 6) | c2, ((first & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3
        ),
    )
    spaceless = np.searchsorted(_SPACELESS, code, side="right") % 2 == 1
    apart = spaceless | (np.searchsorted(_PUNCTUATION, code, side="right") % 2 == 1)
    for k in range(4):
        is_word[lead[apart & (size > k)] + k] = False
    if not spaceless.any():
        return _NO_WORDS, _NO_WORDS
    starts, sizes = lead[spaceless], size[spaceless].astype(np.int64)
    # Character i begins a pair when character i + 1 starts where it ends; a character joined to
    # neither neighbour is a word alone.
    joined = starts[:-1] + sizes[:-1] == starts[1:]
    begins_pair = np.concatenate((joined, [False]))
    alone = ~begins_pair & ~np.concatenate(([False], joined))
    words = np.flatnonzero(begins_pair | alone)
    lengths = sizes[words]
    pairs = begins_pair[words]
    lengths[pairs] += sizes[words[pairs] + 1]
    return starts[words], lengths


_NO_WORDS = np.zeros(0, dtype=np.int64)


def fmix64(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser applied in place to a uint64 array (and returned): every
    input bit then affects every output bit, so any slice of the bits is a usable hash."""
    values ^= values >> _SHIFT_33
    values *= _FMIX64_1
    values ^= values >> _SHIFT_33
    values *= _FMIX64_2
    values ^= values >> _SHIFT_33
    return values


def _hash_words(lowered: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """fmix64 of a polynomial over each word's bytes taken eight at a time, seeded with its length."""
    # Every byte position read as the little-endian uint64 of the 8 bytes starting there.
    view = np.ndarray(shape=(len(lowered) - 7,), dtype="<u8", buffer=lowered, strides=(1,))
    hashes = lengths.astype(np.uint64)
    hashes *= _CHUNK_MULTIPLIER
    hashes += view[starts] & _BYTE_MASKS[np.minimum(lengths, 8)]
    active = np.arange(len(starts))
    for chunk_start in range(8, _LONG_WORD, 8):
        active = active[lengths[active] > chunk_start]
        if not len(active):
            break
        remaining = np.minimum(lengths[active] - chunk_start, 8)
        chunk = view[starts[active] + chunk_start] & _BYTE_MASKS[remaining]
        hashes[active] = hashes[active] * _CHUNK_MULTIPLIER + chunk
    fmix64(hashes)
    for k in np.flatnonzero(lengths > _LONG_WORD).tolist():
        word = lowered[starts[k] : starts[k] + lengths[k]].tobytes()
        hashes[k] = int.from_bytes(hashlib.blake2b(word, digest_size=8).digest(), "little")
    return hashes
