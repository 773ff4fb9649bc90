"""MinHash signatures of many documents at once, and LSH banding that turns them into candidate pairs.

`MinHasher` gives, bit for bit, the hash values of `datasketch.MinHash` with the same `num_perm`,
`seed` and scheme, fed the same 32-bit shingle hashes through an identity `hashfunc`; it computes
them for a whole batch in numpy instead of one `update_batch` per document. `lsh_candidate_pairs`
does the banding of `datasketch.MinHashLSH` on a signature matrix and returns index pairs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dedup.arrays import unique_sorted
from dedup.errors import ConfigError

SCHEMES = ("affine32", "legacy")
"""Permutation schemes of datasketch 2.x that `MinHasher` reproduces; "affine32" is datasketch's default."""

_MERSENNE_PRIME = np.uint64((1 << 61) - 1)
_LEGACY_MAX_HASH = np.uint64((1 << 32) - 1)
_AFFINE32_MAX_HASH = np.uint32((1 << 32) - 1)
_UINT32_LIMIT = 1 << 32
# Permuted values of one block of shingles take at most this many bytes (signature memory is extra).
# 4 MB measured fastest (5,000 documents of 500 shingles, 128 permutations: 1 MB 13k docs/s, 4 MB
# 30k, 32 MB 10k); with large blocks each pass over a block goes to main memory.
_BLOCK_BYTES = 4 << 20
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
_BAND_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_BANDS_PER_MERGE = 8


def _check_positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        msg = f"{name} must be a positive integer, got {value!r}"
        raise ConfigError(msg)


def check_seed(seed: object) -> None:
    """Raise `ConfigError` unless `seed` is a MinHash seed: an integer in [0, 2**32)."""
    # numpy.random.RandomState, which datasketch seeds, takes 0 <= seed < 2**32.
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < _UINT32_LIMIT:
        msg = f"seed must be an integer in [0, 2**32), got {seed!r}"
        raise ConfigError(msg)


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser, as datasketch applies it before the affine32 permutations."""
    shift_1, multiplier_1, shift_2, multiplier_2, shift_3 = _FMIX32
    values = values ^ (values >> shift_1)
    values *= multiplier_1
    values ^= values >> shift_2
    values *= multiplier_2
    values ^= values >> shift_3
    return values


class MinHasher:
    """MinHash permutations of `datasketch.MinHash`, applied to many documents at once.

    Parameters
    ----------
    num_perm : int
        Hash values per signature.
    seed : int
        Seed of the permutations; the same seed gives the same permutations as datasketch.
    scheme : {"affine32", "legacy"}
        datasketch's permutation scheme. "affine32" (datasketch 2.x's default) pre-mixes each
        input with MurmurHash3's finaliser, then ``a * h + b mod 2**32``; signatures are uint32.
        "legacy" (datasketch before 2.0) is ``((a * h + b) mod (2**61 - 1)) & (2**32 - 1)``;
        signatures are uint64.
    """

    def __init__(self, num_perm: int = 128, seed: int = 1, *, scheme: str = "affine32") -> None:
        _check_positive_int("num_perm", num_perm)
        check_seed(seed)
        if scheme not in SCHEMES:
            msg = f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}"
            raise ConfigError(msg)
        self.num_perm = int(num_perm)
        self.seed = int(seed)
        self.scheme = scheme
        # Drawn exactly as datasketch.MinHash._init_permutations draws them.
        generator = np.random.RandomState(self.seed)
        if scheme == "legacy":
            pairs = [
                (
                    generator.randint(1, _MERSENNE_PRIME, dtype=np.uint64),
                    generator.randint(0, _MERSENNE_PRIME, dtype=np.uint64),
                )
                for _ in range(self.num_perm)
            ]
            self.a, self.b = np.array(pairs, dtype=np.uint64).T.copy()
            self.dtype: type[np.unsignedinteger] = np.uint64
            self.max_hash: np.unsignedinteger = _LEGACY_MAX_HASH
        else:
            half_a = generator.randint(0, 1 << 31, self.num_perm, dtype=np.uint32)
            self.a = half_a * np.uint32(2) + np.uint32(1)  # odd, so a bijection of [0, 2**32)
            self.b = generator.randint(0, 1 << 32, self.num_perm, dtype=np.uint32)
            self.dtype = np.uint32
            self.max_hash = _AFFINE32_MAX_HASH

    def signatures(self, shingle_hash_arrays: Sequence[np.ndarray], *, block_bytes: int = _BLOCK_BYTES) -> np.ndarray:
        """Return the MinHash signature of every document, one row each.

        Row ``i`` equals the `hashvalues` of ``datasketch.MinHash(num_perm, seed, scheme=scheme,
        hashfunc=lambda x: x)`` after ``update_batch(shingle_hash_arrays[i])``. A document with no
        shingles gets datasketch's initial value, `max_hash`, in every slot.

        Parameters
        ----------
        shingle_hash_arrays : sequence of 1-D integer arrays
            Each document's shingle hashes (from `dedup.shingles.shingle_hashes`), in ``[0, 2**32)``.
        block_bytes : int
            Upper bound on the memory of the permuted values computed at once.

        Returns
        -------
        numpy.ndarray
            Shape ``(len(shingle_hash_arrays), num_perm)``, dtype uint32 ("affine32") or uint64
            ("legacy"), as datasketch stores them.
        """
        lengths = np.fromiter(map(len, shingle_hash_arrays), dtype=np.int64, count=len(shingle_hash_arrays))
        if not lengths.any():
            return self.signatures_flat(np.zeros(0, dtype=np.uint32), lengths, block_bytes=block_bytes)
        hashes = np.concatenate([np.asarray(h).ravel() for h in shingle_hash_arrays if len(h)])
        return self.signatures_flat(hashes, lengths, block_bytes=block_bytes)

    def signatures_flat(
        self, hashes: np.ndarray, lengths: np.ndarray, *, block_bytes: int = _BLOCK_BYTES
    ) -> np.ndarray:
        """`signatures` of documents given as one array of all their shingle hashes, in document
        order, and the number of hashes of each (no per-document arrays to build or join).

        Parameters
        ----------
        hashes : numpy.ndarray
            1-D integers in ``[0, 2**32)``: document 0's shingle hashes, then document 1's, ...
        lengths : numpy.ndarray
            1-D non-negative integers summing to ``len(hashes)``.
        block_bytes : int
            Upper bound on the memory of the permuted values computed at once.
        """
        _check_positive_int("block_bytes", block_bytes)
        lengths = np.asarray(lengths, dtype=np.int64)
        hashes = np.asarray(hashes).ravel()
        if lengths.ndim != 1 or (lengths < 0).any():
            msg = f"lengths must be a 1-D array of non-negative counts, got {lengths.tolist()[:10]}"
            raise ValueError(msg)
        if int(lengths.sum()) != len(hashes):
            msg = f"lengths must sum to len(hashes) ({len(hashes)}), got sum {int(lengths.sum())}"
            raise ValueError(msg)
        signatures = np.full((len(lengths), self.num_perm), self.max_hash, dtype=self.dtype)
        if not len(hashes):
            return signatures
        hashes = _as_hash32(hashes)
        hashes = _fmix32(hashes) if self.scheme == "affine32" else hashes.astype(np.uint64)

        starts = np.cumsum(lengths) - lengths
        nonempty_docs = np.flatnonzero(lengths)
        nonempty_starts = starts[nonempty_docs]
        block_rows = max(1, block_bytes // (self.num_perm * np.dtype(self.dtype).itemsize))
        # Permutations x shingles: numpy's reduceat along the last axis is ~20x faster than along
        # the first, and a block that fits in cache makes permute-then-reduce one pass over memory.
        buffer = np.empty((self.num_perm, min(block_rows, len(hashes))), dtype=self.dtype)
        for block_start in range(0, len(hashes), block_rows):
            block_stop = min(block_start + block_rows, len(hashes))
            permuted = self._permute(hashes[block_start:block_stop], buffer[:, : block_stop - block_start])
            # A block holds the tail of the document it starts in, then whole documents, then maybe
            # the head of one more: one segment each, and no document twice.
            first = np.searchsorted(nonempty_starts, block_start, side="right")
            last = np.searchsorted(nonempty_starts, block_stop, side="left")
            segment_starts = np.concatenate(([block_start], nonempty_starts[first:last])) - block_start
            segment_docs = nonempty_docs[first - 1 : last]
            minima = np.minimum.reduceat(permuted, segment_starts, axis=1).T
            signatures[segment_docs] = np.minimum(signatures[segment_docs], minima)
        return signatures

    def signature_one(self, shingle_hashes: np.ndarray) -> np.ndarray:
        """Return the signature of one document: `signatures` of a batch of one, as a 1-D array."""
        return self.signatures([shingle_hashes])[0]

    def _permute(self, hashes: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Apply every permutation to every (pre-mixed) hash: ``out[k, i] = perm_k(hashes[i])``."""
        np.multiply(self.a[:, None], hashes, out=out)
        out += self.b[:, None]
        if self.scheme == "legacy":
            # np.mod by this scalar measured 4x faster (numpy 2.4) than the shift-and-add Mersenne
            # reduction ((x & p) + (x >> 61), then one conditional subtraction), which is equally exact.
            np.mod(out, _MERSENNE_PRIME, out=out)
            out &= _LEGACY_MAX_HASH
        return out


def _as_hash32(hashes: np.ndarray) -> np.ndarray:
    """Return `hashes` as uint32, refusing values a 32-bit hash cannot have."""
    if hashes.dtype == np.uint32:
        return hashes
    if hashes.dtype.kind not in "iu":
        msg = f"shingle hashes must be integers in [0, 2**32), got dtype {hashes.dtype}"
        raise ValueError(msg)
    if hashes.min() < 0 or hashes.max() >= _UINT32_LIMIT:
        msg = f"shingle hashes must be integers in [0, 2**32), got values from {hashes.min()} to {hashes.max()}"
        raise ValueError(msg)
    return hashes.astype(np.uint32)


def estimated_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Return the MinHash estimate of the Jaccard similarity of two documents' shingle sets.

    The share of slots in which the two signatures agree, as `datasketch.MinHash.jaccard` gives it.
    """
    sig_a, sig_b = np.asarray(sig_a), np.asarray(sig_b)
    if sig_a.shape != sig_b.shape or sig_a.ndim != 1 or sig_a.size == 0:
        msg = f"signatures must be 1-D and of one length, got shapes {sig_a.shape} and {sig_b.shape}"
        raise ValueError(msg)
    return float(np.count_nonzero(sig_a == sig_b)) / sig_a.size


def lsh_candidate_pairs(signatures: np.ndarray, *, bands: int, rows: int, max_bucket: int = 200) -> np.ndarray:
    """Return the pairs of documents that share an LSH bucket in at least one band.

    Band ``k`` is signature columns ``k * rows`` to ``(k + 1) * rows``, as in
    `datasketch.MinHashLSH`. Two documents share a bucket when those columns are equal. Each band
    is reduced to one 64-bit key per document; two different band contents that happen to get one
    key (odds about 2**-64 a pair) only add a candidate, never lose one.

    A bucket with more than `max_bucket` members (text shared by many documents: boilerplate, a
    stock paragraph) does not give all its pairs; each member is paired with the bucket's first
    (lowest-index) member only, a star, so the output stays linear in the batch size. Two other
    members of such a bucket become a pair only if they also share a bucket in another band, which
    copies of each other almost always do.

    Parameters
    ----------
    signatures : numpy.ndarray
        Shape ``(n_docs, num_perm)``, from `MinHasher.signatures`.
    bands, rows : int
        Number of bands and rows per band, with ``bands * rows <= num_perm``.
    max_bucket : int
        Largest bucket whose members are all paired with each other.

    Returns
    -------
    numpy.ndarray
        int64 array of shape ``(k, 2)``: unique pairs ``(i, j)`` with ``i < j``, sorted.
    """
    signatures = np.asarray(signatures)
    if signatures.ndim != 2:
        msg = f"signatures must be a 2-D array (documents x hash values), got shape {signatures.shape}"
        raise ValueError(msg)
    for name, value in (("bands", bands), ("rows", rows), ("max_bucket", max_bucket)):
        _check_positive_int(name, value)
    n_docs, num_perm = signatures.shape
    if bands * rows > num_perm:
        msg = f"bands * rows must be at most num_perm ({num_perm}), got bands={bands} * rows={rows}"
        raise ConfigError(msg)
    if n_docs < 2:
        return np.empty((0, 2), dtype=np.int64)

    # Close copies share a bucket in most bands, so each band group's codes are deduplicated before
    # the next group is made: memory holds the distinct pairs and one group's codes, not every
    # band's (at 100k generated articles, 64 bands: 194k pairs among 10M codes).
    distinct = []
    for first_band in range(0, bands, _BANDS_PER_MERGE):
        codes = [
            _band_pair_codes(row_keys(signatures[:, band * rows : (band + 1) * rows]), max_bucket)
            for band in range(first_band, min(first_band + _BANDS_PER_MERGE, bands))
        ]
        distinct.append(unique_sorted(np.concatenate(codes)))
    unique_codes = unique_sorted(np.concatenate(distinct))
    return np.column_stack(np.divmod(unique_codes, np.int64(n_docs)))


def band_keys(signatures: np.ndarray, *, bands: int, rows: int) -> np.ndarray:
    """Shape ``(n_docs, bands)`` uint64: each document's bucket key in each band, as
    `lsh_candidate_pairs` computes them; for an engine that groups documents by key itself."""
    signatures = np.asarray(signatures)
    keys = np.empty((signatures.shape[0], bands), dtype=np.uint64)
    for band in range(bands):
        keys[:, band] = row_keys(signatures[:, band * rows : (band + 1) * rows])
    return keys


def bucket_pairs(members: np.ndarray, max_bucket: int) -> np.ndarray:
    """The pairs `lsh_candidate_pairs` makes of one bucket's members (document indices, sorted
    ascending): all of them up to `max_bucket` members, else a star from the first member."""
    members = np.asarray(members, dtype=np.int64)
    if len(members) <= max_bucket:
        left, right = np.triu_indices(len(members), k=1)
        return np.column_stack((members[left], members[right]))
    return np.column_stack((np.full(len(members) - 1, members[0]), members[1:]))


def row_keys(band: np.ndarray) -> np.ndarray:
    """One uint64 key per row of `band` (one band's signature columns), equal for equal rows
    (polynomial in wrapping uint64): the bucket key of every LSH banding in the package."""
    keys = band[:, 0].astype(np.uint64)
    for column in range(1, band.shape[1]):
        keys *= _BAND_MULTIPLIER
        keys += band[:, column]
    return keys


def _band_pair_codes(keys: np.ndarray, max_bucket: int) -> np.ndarray:
    """Pairs of documents with equal keys, each coded as ``i * n_docs + j`` with ``i < j``."""
    n_docs = len(keys)
    # A stable sort keeps each bucket's members in index order, so a pair's left member is the smaller.
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    bucket_starts = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
    bucket_sizes = np.diff(np.append(bucket_starts, n_docs))
    member_bucket_start = np.repeat(bucket_starts, bucket_sizes)
    member_bucket_size = np.repeat(bucket_sizes, bucket_sizes)
    positions = np.arange(n_docs)

    # Buckets up to max_bucket: each member pairs with every later member of its bucket.
    later_members = member_bucket_start + member_bucket_size - positions - 1
    later_members[member_bucket_size > max_bucket] = 0
    left = np.repeat(positions, later_members)
    first_pair_of_left = np.repeat(np.cumsum(later_members) - later_members, later_members)
    right = left + 1 + (np.arange(len(left)) - first_pair_of_left)

    # Larger buckets: a star from the first member.
    star_member = (member_bucket_size > max_bucket) & (positions != member_bucket_start)
    left = np.concatenate((left, member_bucket_start[star_member]))
    right = np.concatenate((right, positions[star_member]))
    return order[left].astype(np.int64) * n_docs + order[right]
