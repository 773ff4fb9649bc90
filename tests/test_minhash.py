from __future__ import annotations

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.config import CandidateConfig
from dedup.minhash import MinHasher, estimated_jaccard, lsh_candidate_pairs
from dedup.shingles import shingle_hashes


def _identity(value):
    return value


def _datasketch_values(hashes: np.ndarray, num_perm: int, seed: int, scheme: str = "affine32") -> np.ndarray:
    minhash = MinHash(num_perm=num_perm, seed=seed, hashfunc=_identity, scheme=scheme)
    minhash.update_batch(hashes)
    return minhash.hashvalues


def _varied_documents() -> list[np.ndarray]:
    rng = np.random.default_rng(2024)
    return [
        np.array([], dtype=np.uint32),
        np.array([123456789], dtype=np.uint32),
        np.array([0, 2**32 - 1, 0, 2**32 - 1], dtype=np.uint32),  # repeats and the extremes
        np.full(50, 42, dtype=np.uint32),
        rng.integers(0, 2**32, 10_000, dtype=np.uint32),
        np.array([], dtype=np.uint32),
        rng.integers(0, 2**32, 497, dtype=np.uint32),
        np.arange(300, dtype=np.uint32),  # structured input: what the affine32 pre-mix is for
        np.array([], dtype=np.uint32),
    ]


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (1, 1), (64, 0), (256, 7), (33, 2**32 - 1)])
def test_permutations_are_datasketchs(scheme: str, num_perm: int, seed: int) -> None:
    hasher = MinHasher(num_perm, seed, scheme=scheme)
    reference_a, reference_b = MinHash(num_perm=num_perm, seed=seed, scheme=scheme).permutations
    assert np.array_equal(hasher.a, reference_a)
    assert np.array_equal(hasher.b, reference_b)


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (1, 1), (64, 0), (256, 7), (33, 2**32 - 1)])
def test_signatures_equal_datasketch_bit_for_bit(scheme: str, num_perm: int, seed: int) -> None:
    documents = _varied_documents()
    signatures = MinHasher(num_perm, seed, scheme=scheme).signatures(documents)
    assert signatures.shape == (len(documents), num_perm)
    for row, hashes in zip(signatures, documents, strict=True):
        reference = _datasketch_values(hashes, num_perm, seed, scheme)
        assert row.dtype == reference.dtype
        assert np.array_equal(row, reference)


@pytest.mark.parametrize("block_bytes", [1, 512, 4096, 100_003])
def test_signatures_do_not_depend_on_the_block_size(block_bytes: int) -> None:
    # Small blocks split documents across blocks and put several documents in one block.
    documents = _varied_documents()
    hasher = MinHasher(16, 3)
    assert np.array_equal(hasher.signatures(documents, block_bytes=block_bytes), hasher.signatures(documents))


def test_empty_document_gets_datasketchs_initial_value() -> None:
    signatures = MinHasher(32, 1).signatures([np.array([], dtype=np.uint32)] * 3)
    assert np.array_equal(signatures, np.full((3, 32), 2**32 - 1))
    assert MinHash(num_perm=32).is_empty()
    assert np.array_equal(signatures[0], MinHash(num_perm=32).hashvalues)


def test_no_documents_give_an_empty_matrix() -> None:
    assert MinHasher(16, 1).signatures([]).shape == (0, 16)


def test_signature_one_is_a_row_of_signatures() -> None:
    documents = _varied_documents()
    hasher = MinHasher(64, 5)
    signatures = hasher.signatures(documents)
    for row, hashes in zip(signatures, documents, strict=True):
        assert np.array_equal(hasher.signature_one(hashes), row)


def test_integer_lists_and_wider_dtypes_are_accepted() -> None:
    hashes = [5, 2**32 - 1, 17]
    hasher = MinHasher(16, 1)
    expected = hasher.signature_one(np.array(hashes, dtype=np.uint32))
    assert np.array_equal(hasher.signature_one(np.array(hashes, dtype=np.int64)), expected)
    assert np.array_equal(hasher.signatures([hashes, []])[0], expected)


@pytest.mark.parametrize("bad", [[-1], [2**32], [1.5]])
def test_hashes_outside_32_bits_are_refused(bad: list) -> None:
    with pytest.raises(ValueError, match="shingle hashes"):
        MinHasher(16, 1).signature_one(np.array(bad))


def test_unigram_signature_equals_default_datasketch_on_utf8_words() -> None:
    words = "the central bank raised interest rates by half a point on thursday".split()
    reference = MinHash(num_perm=128, seed=1)
    reference.update_batch([word.encode("utf-8") for word in words])
    assert np.array_equal(MinHasher(128, 1).signature_one(shingle_hashes(words, 1)), reference.hashvalues)


def test_lean_minhash_from_our_values_equals_datasketchs() -> None:
    documents = _varied_documents()[1:5]
    signatures = MinHasher(128, 9).signatures(documents)
    for row, hashes in zip(signatures, documents, strict=True):
        reference = MinHash(num_perm=128, seed=9, hashfunc=_identity)
        reference.update_batch(hashes)
        ours, theirs = LeanMinHash(seed=9, hashvalues=row, scheme="affine32"), LeanMinHash(reference)
        assert ours == theirs
        buffer, reference_buffer = bytearray(ours.bytesize()), bytearray(theirs.bytesize())
        ours.serialize(buffer)
        theirs.serialize(reference_buffer)
        assert buffer == reference_buffer


def test_estimated_jaccard_matches_datasketch_and_the_true_value() -> None:
    a = np.arange(0, 2000, dtype=np.uint32)
    b = np.arange(1000, 3000, dtype=np.uint32)  # true Jaccard 1000 / 3000
    hasher = MinHasher(256, 1)
    estimate = estimated_jaccard(hasher.signature_one(a), hasher.signature_one(b))
    reference_a, reference_b = (MinHash(256, 1, hashfunc=_identity) for _ in range(2))
    reference_a.update_batch(a)
    reference_b.update_batch(b)
    assert estimate == reference_a.jaccard(reference_b)
    assert abs(estimate - 1 / 3) < 0.1


def test_estimated_jaccard_refuses_signatures_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="one length"):
        estimated_jaccard(np.zeros(4, dtype=np.uint32), np.zeros(5, dtype=np.uint32))


def _news_batch() -> list[list[str]]:
    rng = np.random.default_rng(5)
    vocabulary = [f"word{i}" for i in range(5000)]
    story = [vocabulary[i] for i in rng.integers(0, 5000, 400)]
    lightly_edited = list(story)
    for position in rng.choice(400, 8, replace=False):
        lightly_edited[position] = "edited"
    unrelated = [[vocabulary[i] for i in rng.integers(0, 5000, 400)] for _ in range(20)]
    # Story at 0, its edited copy at 11, unrelated stories elsewhere.
    return [story, *unrelated[:10], lightly_edited, *unrelated[10:]]


def test_lsh_finds_a_near_duplicate_and_not_unrelated_stories() -> None:
    config = CandidateConfig()
    hasher = MinHasher(config.copy_bands * config.copy_rows, 1)
    signatures = hasher.signatures([shingle_hashes(tokens, config.shingle_size) for tokens in _news_batch()])
    pairs = lsh_candidate_pairs(
        signatures, bands=config.copy_bands, rows=config.copy_rows, max_bucket=config.max_bucket
    )
    assert pairs.tolist() == [[0, 11]]


def test_lsh_pairs_are_unique_ordered_and_sorted() -> None:
    rng = np.random.default_rng(3)
    # Few distinct values per slot, so many documents share buckets in several bands.
    signatures = rng.integers(0, 3, size=(60, 16)).astype(np.uint32)
    pairs = lsh_candidate_pairs(signatures, bands=8, rows=2)
    assert pairs.dtype == np.int64
    assert pairs.shape[1] == 2
    assert len(pairs) > 0
    assert (pairs[:, 0] < pairs[:, 1]).all()
    assert len({tuple(pair) for pair in pairs.tolist()}) == len(pairs)
    assert pairs.tolist() == sorted(pairs.tolist())


def test_lsh_pairs_equal_datasketch_minhashlsh() -> None:
    rng = np.random.default_rng(11)
    base = [rng.integers(0, 2**32, 300, dtype=np.uint32) for _ in range(15)]
    # Each base document and a copy with a third of its shingles replaced: Jaccard 0.5.
    edited = [np.concatenate([doc[:200], rng.integers(0, 2**32, 100, dtype=np.uint32)]) for doc in base]
    documents = base + edited
    signatures = MinHasher(128, 1).signatures(documents)
    index = MinHashLSH(num_perm=128, params=(32, 4))
    sketches = [LeanMinHash(seed=1, hashvalues=row, scheme="affine32") for row in signatures]
    for key, sketch in enumerate(sketches):
        index.insert(key, sketch)
    expected = sorted(
        {(min(i, j), max(i, j)) for i, sketch in enumerate(sketches) for j in index.query(sketch) if i != j}
    )
    assert len(expected) >= 10
    assert [tuple(pair) for pair in lsh_candidate_pairs(signatures, bands=32, rows=4).tolist()] == expected


def test_a_huge_bucket_becomes_a_star_around_its_first_member() -> None:
    signatures = np.ones((300, 8), dtype=np.uint32)
    star = lsh_candidate_pairs(signatures, bands=2, rows=4, max_bucket=200)
    assert star.tolist() == [[0, j] for j in range(1, 300)]
    complete = lsh_candidate_pairs(signatures, bands=2, rows=4, max_bucket=300)
    assert len(complete) == 300 * 299 // 2


def test_lsh_with_fewer_than_two_documents_gives_no_pairs() -> None:
    assert lsh_candidate_pairs(np.zeros((1, 8), dtype=np.uint32), bands=2, rows=4).shape == (0, 2)


def test_lsh_refuses_more_bands_than_the_signature_holds() -> None:
    with pytest.raises(ValueError, match=r"bands \* rows"):
        lsh_candidate_pairs(np.zeros((3, 8), dtype=np.uint32), bands=3, rows=4)
    with pytest.raises(ValueError, match="max_bucket"):
        lsh_candidate_pairs(np.zeros((3, 8), dtype=np.uint32), bands=2, rows=4, max_bucket=0)


@pytest.mark.parametrize(
    ("changes", "parameter"),
    [
        ({"copy_bands": 0}, "copy_bands"),
        ({"copy_rows": -2}, "copy_rows"),
        ({"story_rows": 2.0}, "story_rows"),
        ({"story_terms": True}, "story_terms"),
        ({"max_bucket": 0}, "max_bucket"),
    ],
)
def test_candidate_config_names_the_bad_parameter(changes: dict, parameter: str) -> None:
    with pytest.raises(ValueError, match=parameter):
        CandidateConfig(**changes)


def test_minhasher_names_the_bad_parameter() -> None:
    with pytest.raises(ValueError, match="num_perm"):
        MinHasher(0)
    with pytest.raises(ValueError, match="seed"):
        MinHasher(128, -1)
    with pytest.raises(ValueError, match="scheme"):
        MinHasher(128, 1, scheme="affine64")


def test_band_keys_and_bucket_pairs_give_the_pairs_of_lsh_candidate_pairs():
    from dedup.minhash import band_keys, bucket_pairs

    generator = np.random.default_rng(7)
    # Few distinct values per column, so that buckets are large and some exceed max_bucket.
    signatures = generator.integers(0, 3, size=(300, 8), dtype=np.uint32)
    expected = lsh_candidate_pairs(signatures, bands=4, rows=2, max_bucket=20)
    keys = band_keys(signatures, bands=4, rows=2)
    pairs = []
    for band in range(4):
        for key in np.unique(keys[:, band]):
            pairs.append(bucket_pairs(np.flatnonzero(keys[:, band] == key), 20))
    found = np.unique(np.concatenate(pairs), axis=0)
    assert np.array_equal(found, expected)
    assert len(expected) > 0


def _flat(documents: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.array([len(document) for document in documents], dtype=np.int64)
    hashes = np.concatenate([np.zeros(0, dtype=np.uint32), *documents]).astype(np.uint32)
    return hashes, lengths


hash_documents = st.lists(
    st.lists(st.integers(min_value=0, max_value=2**32 - 1), max_size=40).map(lambda h: np.array(h, dtype=np.uint32)),
    max_size=8,
)


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
@settings(deadline=None)
@given(documents=hash_documents, block_bytes=st.sampled_from([1, 40, 100, 300, 1000, 4 << 20]))
def test_flat_signatures_equal_signatures_and_datasketch(
    scheme: str, documents: list[np.ndarray], block_bytes: int
) -> None:
    hasher = MinHasher(8, 4, scheme=scheme)
    hashes, lengths = _flat(documents)
    flat = hasher.signatures_flat(hashes, lengths, block_bytes=block_bytes)
    assert flat.shape == (len(documents), 8)
    assert np.array_equal(flat, hasher.signatures(documents))
    for row, document in zip(flat, documents, strict=True):
        reference = _datasketch_values(document, 8, 4, scheme)
        assert row.dtype == reference.dtype
        assert np.array_equal(row, reference)


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
@pytest.mark.parametrize("block_bytes", [1, 512, 4096, 100_003])
def test_flat_signatures_of_varied_documents_across_block_sizes(scheme: str, block_bytes: int) -> None:
    # Empty documents first, between and last; 10,000 hashes in 1-hash blocks at block_bytes=1.
    documents = _varied_documents()
    hasher = MinHasher(16, 3, scheme=scheme)
    flat = hasher.signatures_flat(*_flat(documents), block_bytes=block_bytes)
    assert np.array_equal(flat, hasher.signatures(documents, block_bytes=block_bytes))
    for row, hashes in zip(flat, documents, strict=True):
        assert np.array_equal(row, _datasketch_values(hashes, 16, 3, scheme))


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
@pytest.mark.parametrize("n_docs", [0, 1, 4])
def test_flat_signatures_of_only_empty_documents(scheme: str, n_docs: int) -> None:
    hasher = MinHasher(32, 1, scheme=scheme)
    flat = hasher.signatures_flat(np.zeros(0, dtype=np.uint32), np.zeros(n_docs, dtype=np.int64), block_bytes=1)
    assert flat.shape == (n_docs, 32)
    assert np.array_equal(flat, np.full((n_docs, 32), 2**32 - 1))
    assert np.array_equal(flat, hasher.signatures([np.zeros(0, dtype=np.uint32)] * n_docs))
    if n_docs:
        assert np.array_equal(flat[0], MinHash(num_perm=32, seed=1, scheme=scheme).hashvalues)


@pytest.mark.parametrize("lengths", [[2, 2], [3, 3], [6], [], [0, 0]])
def test_flat_signatures_refuse_lengths_that_do_not_sum_to_the_hashes(lengths: list[int]) -> None:
    with pytest.raises(ValueError, match=r"lengths must .*sum to len\(hashes\) \(5\), got sum"):
        MinHasher(16, 1).signatures_flat(np.arange(5, dtype=np.uint32), np.array(lengths, dtype=np.int64))


@pytest.mark.parametrize("lengths", [[6, -1], [3, -1, 3], [-5, 10]])
def test_flat_signatures_refuse_negative_lengths(lengths: list[int]) -> None:
    # These lengths do sum to len(hashes): the message must still say what is wrong.
    with pytest.raises(ValueError, match=r"lengths must be a 1-D array of non-negative counts, got \[.*-[0-9]"):
        MinHasher(16, 1).signatures_flat(np.arange(5, dtype=np.uint32), np.array(lengths, dtype=np.int64))
