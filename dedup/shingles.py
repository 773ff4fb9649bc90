"""Word shingles (n-grams) of a token sequence and their 32-bit hashes.

MinHash needs each document as a set of integers. This module turns a document's tokens into the
uint32 hashes of its word n-grams: every token is hashed once (the cache pays for itself because a
news vocabulary repeats), and the n token hashes of each window are combined with numpy instead of
joining and hashing n-gram strings. All hashes are deterministic across processes and machines;
Python's salted built-in `hash` is never used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from dedup.errors import ConfigError
from dedup.wordhash import fmix64


def sha1_hash32_bytes(data: bytes) -> int:
    """Return the first 4 bytes of SHA-1 of `data` as a little-endian unsigned integer.

    This is bit for bit `datasketch.hashfunc.sha1_hash32`, datasketch's default hash function, so
    a unigram signature from this package equals a `datasketch.MinHash()` fed the UTF-8 tokens.
    """
    return int.from_bytes(hashlib.sha1(data).digest()[:4], "little")


# A memo of a constant function, not run state: the hash depends on the token alone, whichever run
# asks, and the memo is bounded (least recently used tokens dropped first).
@lru_cache(maxsize=1 << 18)
def token_hash32(token: str) -> int:
    """Return the deterministic 32-bit hash of one token: `sha1_hash32_bytes` of its UTF-8 bytes.

    Cached, because the tokens of a news batch come from a vocabulary far smaller than the batch.
    """
    return sha1_hash32_bytes(token.encode("utf-8"))


# Odd 64-bit multiplier of the polynomial window combination (the golden-ratio constant).
_WINDOW_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
# After the fmix64 finaliser the high 32 bits kept depend on all n token hashes of the window.
_SHIFT_32 = np.uint64(32)


def _combine_windows(token_hashes: np.ndarray, width: int) -> np.ndarray:
    """Hash every run of `width` consecutive token hashes into one uint32 (wrapping uint64 math)."""
    windows = len(token_hashes) - width + 1
    combined = token_hashes[:windows].astype(np.uint64)
    for offset in range(1, width):
        combined *= _WINDOW_MULTIPLIER
        combined += token_hashes[offset : offset + windows]
    return (fmix64(combined) >> _SHIFT_32).astype(np.uint32)


def shingle_hashes(tokens: Sequence[str], n: int) -> np.ndarray:
    """Return the uint32 hashes of the word n-grams of `tokens`, in order of position.

    Call this to turn a document into the integer set MinHash works on. For ``n == 1`` the result
    is the token hashes themselves (`token_hash32`). A document with fewer than `n` tokens gives
    one shingle made of all its tokens, so a short text still gets a signature; an empty one gives
    an empty array. Repeated n-grams are kept (MinHash ignores repeats).

    Parameters
    ----------
    tokens : sequence of str
        The document's tokens, in order.
    n : int
        Words per shingle, at least 1.

    Returns
    -------
    numpy.ndarray
        uint32 array of length ``max(len(tokens) - n + 1, 1)``, or 0 for no tokens.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        msg = f"n must be a positive integer, got {n!r}"
        raise ConfigError(msg)
    token_hashes = np.fromiter(map(token_hash32, tokens), dtype=np.uint32, count=len(tokens))
    if n == 1 or len(token_hashes) == 0:
        return token_hashes
    return _combine_windows(token_hashes, min(n, len(token_hashes)))


def token_hashes(tokens: Sequence[str]) -> np.ndarray:
    """uint32 `token_hash32` of each token, in order (through a plain dict cache, which is several
    times faster per token than `token_hash32`'s own)."""
    return np.fromiter(map(_TOKEN_HASHES.__getitem__, tokens), dtype=np.uint32, count=len(tokens))


# Like `token_hash32`'s memo, a memo of a constant function, not run state: a value depends on its
# token alone, and the table is bounded (`_TOKEN_HASH_CACHE` tokens, then no more are kept).
class _TokenHashes(dict):
    def __missing__(self, token: str) -> int:
        value = sha1_hash32_bytes(token.encode("utf-8"))
        if len(self) < _TOKEN_HASH_CACHE:  # full: frequent words are in by now, rare ones hashed anew
            self[token] = value
        return value


_TOKEN_HASH_CACHE = 1 << 20
_TOKEN_HASHES = _TokenHashes()


def shingle_hashes_many(token_hash_arrays: Sequence[np.ndarray], n: int) -> list[np.ndarray]:
    """`shingle_hashes` of many documents given their token hashes, computed in one numpy pass.

    Equal, document by document, to ``shingle_hashes(tokens, n)``: the windows of all documents
    are combined at once over their concatenation, and those that straddle two documents dropped.
    The arrays returned are views into one buffer.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        msg = f"n must be a positive integer, got {n!r}"
        raise ConfigError(msg)
    lengths = np.fromiter(map(len, token_hash_arrays), dtype=np.int64, count=len(token_hash_arrays))
    if n == 1 or not len(lengths):
        return [np.asarray(h, dtype=np.uint32) for h in token_hash_arrays]
    tokens = np.concatenate([np.asarray(h, dtype=np.uint32) for h in token_hash_arrays])
    combined = _combine_windows(tokens, n) if len(tokens) >= n else np.zeros(0, dtype=np.uint32)
    starts = np.cumsum(lengths) - lengths
    result = []
    for start, length, hashes in zip(starts.tolist(), lengths.tolist(), token_hash_arrays):
        if length >= n:
            result.append(combined[start : start + length - n + 1])
        elif length:
            result.append(_combine_windows(np.asarray(hashes, dtype=np.uint32), length))
        else:
            result.append(np.zeros(0, dtype=np.uint32))
    return result


def shingle_hashes_flat(token_hashes: np.ndarray, offsets: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """`shingle_hashes_many` for documents given as one array of all their token hashes and offsets
    (document i's tokens are ``token_hashes[offsets[i]:offsets[i + 1]]``), without a per-document
    array in or out.

    uint32 token hashes give exactly `shingle_hashes_many`'s values. Every bit of uint64 token
    hashes (`dedup.wordhash`'s) counts: windows combine all 64, and a one-word shingle (n = 1) is
    the XOR of the two halves, which leaves a value below 2**32 as it is.

    Returns the shingle hashes of all documents in order (uint32) and each document's count, as
    `dedup.minhash.MinHasher.signatures_flat` takes them.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        msg = f"n must be a positive integer, got {n!r}"
        raise ConfigError(msg)
    offsets = np.asarray(offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    token_hashes = np.asarray(token_hashes)
    if n == 1:
        if token_hashes.dtype == np.uint64:
            return (token_hashes ^ (token_hashes >> np.uint64(32))).astype(np.uint32), lengths
        return token_hashes.astype(np.uint32, copy=False), lengths
    windows = np.maximum(lengths - n + 1, 0)
    combined = _combine_windows(token_hashes, n) if len(token_hashes) >= n else np.zeros(0, dtype=np.uint32)
    # Window k of the concatenation belongs to a document when it starts in it and ends inside it.
    first_window = np.repeat(offsets[:-1], windows)
    within = np.arange(len(first_window)) - np.repeat(np.cumsum(windows) - windows, windows)
    shingles = combined[first_window + within]
    short = np.flatnonzero((lengths > 0) & (lengths < n))
    if len(short):
        # A document shorter than n words is one shingle of all its words.
        counts = np.where((lengths > 0) & (lengths < n), 1, windows)
        pieces = np.split(shingles, np.cumsum(windows)[:-1])
        for doc in short.tolist():
            start = offsets[doc]
            pieces[doc] = _combine_windows(np.asarray(token_hashes[start : offsets[doc + 1]]), int(lengths[doc]))
        return np.concatenate(pieces) if pieces else shingles, counts
    return shingles, windows
