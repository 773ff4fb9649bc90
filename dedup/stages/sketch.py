"""The sketch stage: MinHash signatures that candidates are banded from.

Two grains for prepared documents (the story level, flag, the archive): the copy grain, word
shingles across sentence ends (`copy_signatures`), and the story grain, each document's most
distinctive TF-IDF terms (`story_signatures`). And the copy level's bulk sketch of raw texts
(`sketch_texts`): word hashes in numpy, 5-gram signatures, a fingerprint of the word sequence and
hashed term counts, without preparing sentences.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from dedup.errors import ConfigError
from dedup.minhash import MinHasher
from dedup.model import Document
from dedup.score import DocumentSpace, document_terms, top_terms
from dedup.shingles import shingle_hashes_flat, shingle_hashes_many, token_hash32, token_hashes
from dedup.wordhash import WordBatch, fmix64, word_hashes

if TYPE_CHECKING:  # the candidates stage, which holds its config, imports this module
    from dedup.stages.candidates import CandidateConfig


def story_terms(
    space: DocumentSpace, count: int, *, min_frequency: int = 2, across: int | None = None
) -> list[np.ndarray]:
    """Each document's `count` highest-weighted TF-IDF terms among those that can make a pair
    (`dedup.score.top_terms`; ties in weight go to the lower column).

    A term found in one document only cannot make a pair, and batch IDF ranks exactly those
    highest, so they are left out before ranking. Within one set (`across` None) a term can make a
    pair when `min_frequency` documents hold it (`space.document_frequency` counts the whole
    batch, also when the space holds part of it); an archive, where a term seen once may be shared
    by an article still to come, keeps every term (`min_frequency` 1). Across two sets (rows
    ``[0, across)`` of the space the one, the rest the other: flag's articles and wire stories) a
    term makes a pair only if it is found on both sides.
    """
    matrix = space.matrix
    if across is None:
        usable = space.document_frequency >= min_frequency
    else:
        split = matrix.indptr[across]
        in_first = np.bincount(matrix.indices[:split], minlength=matrix.shape[1]) > 0
        in_second = np.bincount(matrix.indices[split:], minlength=matrix.shape[1]) > 0
        usable = in_first & in_second
    return top_terms(matrix, count, usable)


def document_shingles(documents: Sequence[Document], n: int) -> list[np.ndarray]:
    """`shingle_hashes` of each document's words (across sentence ends), in one numpy pass.

    A sentence repeated across copies is hashed once: the distinct sentences' words are hashed in
    one pass, and each document's token hashes are its sentences' runs of them.
    """
    if not documents:
        return []
    tokens, tokens_of = document_terms(documents, lambda sentence: sentence.words, token_hashes)
    return shingle_hashes_many(np.split(tokens, np.cumsum(tokens_of)[:-1]), n)


def copy_signatures(documents: Sequence[Document], config: CandidateConfig, seed: int) -> np.ndarray:
    """MinHash signature of each document's word shingles (the copy grain)."""
    hasher = MinHasher(num_perm=config.copy_bands * config.copy_rows, seed=seed)
    return hasher.signatures(document_shingles(documents, config.shingle_size))


def story_signatures(space: DocumentSpace, config: CandidateConfig, seed: int, *, min_frequency: int = 2) -> np.ndarray:
    """MinHash signature of each document's most distinctive stems (the story grain; `story_terms`)."""
    terms = story_terms(space, config.story_terms, min_frequency=min_frequency)
    return term_signatures(space, terms, config.story_bands * config.story_rows, seed)


def term_signatures(space: DocumentSpace, terms: Sequence[np.ndarray], num_perm: int, seed: int) -> np.ndarray:
    """MinHash signature of each document's `terms` (columns of `space`), each term hashed by its text."""
    term_hashes = np.array([token_hash32(term) for term in space.vocabulary], dtype=np.uint32)
    return MinHasher(num_perm=num_perm, seed=seed).signatures([term_hashes[columns] for columns in terms])


@dataclasses.dataclass(frozen=True)
class CopyLevelConfig:
    """Parameters of the copy level (`dedup.cluster_copies`, ``dedup cluster --level copies``):
    copies found by word 5-gram MinHash/LSH and verified by TF-IDF cosine, without sentences.

    Candidates: 128 permutations in 64 bands of 2 rows, so a pair at 5-gram Jaccard 0.2 becomes
    a candidate with probability 0.93 and one at 0.1 with 0.47: two copies of one wire story that
    each dropped and edited different sentences share little of their 5-grams while sharing most
    of their words. On the generated 10k corpus (benchmarks/run.py) the families' ARI is 0.984
    with 32 bands of 4 rows, 0.997 with 42 of 3 and 0.999 with 64 of 2, for 10,831, 11,986 and
    13,027 candidate pairs; every remaining error is a family split, none a merge.
    A candidate is a copy when its whole-document TF-IDF cosine reaches `min_cosine`: 0.5, the
    value a hand-written datasketch pipeline uses (benchmarks/reference.py); 0.4 changes the
    ARI above by less than 0.001.
    """

    shingle_size: int = 5
    num_perm: int = 128
    bands: int = 64
    rows: int = 2
    min_cosine: float = 0.5
    # Words are hashed into 2**22 TF-IDF columns, 4x scikit-learn's HashingVectorizer default:
    # with a vocabulary of 400,000 words a word shares its column with another about one time in
    # ten, nearly always a rare word with a rare word, which moves a cosine very little.
    feature_bits: int = 22
    # Articles sketched by a worker at once: about 0.5 MB of text and 10 MB of working arrays,
    # which stay in cache; 1,000 was slower on two workers (benchmarks/run.py, 10k corpus).
    chunk_size: int = 250

    def __post_init__(self) -> None:
        for name in ("shingle_size", "num_perm", "bands", "rows", "chunk_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if self.bands * self.rows > self.num_perm:
            msg = f"bands * rows must be at most num_perm ({self.num_perm}), got {self.bands} * {self.rows}"
            raise ConfigError(msg)
        if not 0.0 <= self.min_cosine <= 1.0:
            raise ConfigError(f"min_cosine must be between 0 and 1, got {self.min_cosine!r}")
        if (
            isinstance(self.feature_bits, bool)
            or not isinstance(self.feature_bits, int)
            or not 8 <= self.feature_bits <= 30
        ):
            raise ConfigError(f"feature_bits must be an integer from 8 to 30, got {self.feature_bits!r}")


@dataclasses.dataclass(frozen=True)
class TextSketches:
    """What the copy level keeps of a chunk of texts, row i for text i.

    `signatures`: MinHash of the word 5-grams; `shingles`: how many 5-grams each text has;
    `fingerprints`: a 64-bit hash of the whole word sequence (equal for texts whose words are
    equal); `counts`: term counts, CSR over hashed word columns (sorted within each row).
    """

    signatures: np.ndarray
    shingles: np.ndarray
    fingerprints: np.ndarray
    counts: sp.csr_matrix


def sketch_texts(texts: list[str], config: CopyLevelConfig, seed: int) -> TextSketches:
    """Sketch a chunk of texts: the per-article stage of the copy level, independent of other chunks."""
    words = word_hashes(texts)
    shingles, shingle_counts = shingle_hashes_flat(words.hashes, words.offsets, config.shingle_size)
    signatures = MinHasher(config.num_perm, seed).signatures_flat(shingles, shingle_counts)
    fingerprints = _sequence_fingerprints(words)
    return TextSketches(signatures, shingle_counts.astype(np.int32), fingerprints, hashed_term_counts(words, config))


_POSITION_MULTIPLIER = np.uint64(0xC2B2AE3D27D4EB4F)


def _sequence_fingerprints(words: WordBatch) -> np.ndarray:
    """A 64-bit hash of each text's word sequence: ``sum(hash_i * M**i)`` in wrapping uint64 over
    its words' positions, plus its length, through MurmurHash3's fmix64; equal word sequences
    give equal fingerprints."""
    lengths = words.lengths
    positions = np.arange(len(words.hashes)) - np.repeat(words.offsets[:-1], lengths)
    powers = np.full(int(lengths.max(initial=0)) + 1, _POSITION_MULTIPLIER, dtype=np.uint64)
    powers[0] = 1
    np.multiply.accumulate(powers, out=powers)
    terms = words.hashes * powers[positions]
    sums = np.zeros(len(words), dtype=np.uint64)
    nonempty = lengths > 0
    if nonempty.any():
        sums[nonempty] = np.add.reduceat(terms, words.offsets[:-1][nonempty])
    sums += lengths.astype(np.uint64)
    return fmix64(sums)


def hashed_term_counts(words: WordBatch, config: CopyLevelConfig) -> sp.csr_matrix:
    """Each text's word counts over `feature_bits`-bit hashed columns (top bits of the word hash)."""
    bits = config.feature_bits
    # One sortable key per word, (text, column); 32-bit when it fits, which sorts twice as fast.
    key_type = np.uint32 if (len(words) << bits) <= (1 << 32) else np.uint64
    keys = (words.hashes >> np.uint64(64 - bits)).astype(key_type)
    keys |= np.repeat(np.arange(len(words), dtype=key_type) << key_type(bits), words.lengths)
    keys.sort()
    first = np.empty(len(keys), dtype=bool)
    first[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.diff(starts, append=len(keys)).astype(np.float32)
    keys = keys[starts]
    indptr = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(np.bincount((keys >> key_type(bits)).astype(np.int64), minlength=len(words)), out=indptr[1:])
    columns = (keys & key_type((1 << bits) - 1)).astype(np.int32)
    return sp.csr_matrix((counts, columns, indptr), shape=(len(words), 1 << bits))
