"""The pipeline a user writes by hand from datasketch and scikit-learn: the baseline `dedup` must beat.

Per-document `MinHash` objects over word 5-gram shingles (fed with `update_batch`, datasketch's
fastest per-document path), a `MinHashLSH` index queried with every document, TF-IDF cosine of
each candidate pair as verification, and connected components of the verified pairs. Parameters
are datasketch's and scikit-learn's usual ones, not tuned to any corpus: LSH threshold 0.5 on 128
permutations, cosine 0.5 on default `TfidfVectorizer` features.

Each stage is a function so that `benchmarks/run.py` can time it; `reference_cluster` chains them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from datasketch import MinHash, MinHashLSH
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer

NUM_PERM = 128
LSH_THRESHOLD = 0.5
SHINGLE_WORDS = 5
COSINE_THRESHOLD = 0.5
_TOKEN = re.compile(r"\w+")


def read_jsonl(path: str) -> tuple[list[str], list[str]]:
    """Ids and texts of a JSON Lines file, as a user's script reads them."""
    ids, texts = [], []
    with open(path, encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                record = json.loads(line)
                ids.append(record["id"])
                texts.append(record["text"])
    return ids, texts


def shingle(texts: Iterable[str], n: int = SHINGLE_WORDS) -> list[set[bytes]]:
    """Word n-gram shingles of each text, lower-cased, as the UTF-8 bytes datasketch hashes."""
    shingles = []
    for text in texts:
        tokens = _TOKEN.findall(text.lower())
        grams = {" ".join(tokens[i : i + n]).encode("utf-8") for i in range(max(1, len(tokens) - n + 1))}
        shingles.append(grams)
    return shingles


def signatures(shingles: Sequence[set[bytes]], num_perm: int = NUM_PERM, seed: int = 1) -> list[MinHash]:
    """One `MinHash` per document (datasketch's default sha1_hash32 over the shingle bytes)."""
    minhashes = []
    for grams in shingles:
        minhash = MinHash(num_perm=num_perm, seed=seed)
        minhash.update_batch(list(grams))
        minhashes.append(minhash)
    return minhashes


def lsh_pairs(minhashes: Sequence[MinHash], threshold: float = LSH_THRESHOLD) -> np.ndarray:
    """Index every signature in `MinHashLSH`, query each, and return the pairs (i < j) found."""
    index = MinHashLSH(threshold=threshold, num_perm=minhashes[0].hashvalues.size if minhashes else NUM_PERM)
    for key, minhash in enumerate(minhashes):
        index.insert(key, minhash)
    pairs = set()
    for key, minhash in enumerate(minhashes):
        for other in index.query(minhash):
            if other != key:
                pairs.add((min(key, other), max(key, other)))
    return np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)


def verify(texts: Sequence[str], pairs: np.ndarray, threshold: float = COSINE_THRESHOLD) -> np.ndarray:
    """The candidate pairs whose TF-IDF cosine (fitted on the whole batch) reaches `threshold`."""
    if len(pairs) == 0:
        return pairs
    matrix = TfidfVectorizer().fit_transform(texts)
    cosines = np.asarray(matrix[pairs[:, 0]].multiply(matrix[pairs[:, 1]]).sum(axis=1)).ravel()
    return pairs[cosines >= threshold]


def components(count: int, pairs: np.ndarray) -> np.ndarray:
    """Cluster label of each document: connected components of the verified pairs."""
    graph = sp.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(count, count))
    return connected_components(graph, directed=False)[1]


def reference_cluster(texts: Sequence[str], *, seed: int = 1) -> np.ndarray:
    """Cluster label of each text, by the whole hand-written pipeline."""
    minhashes = signatures(shingle(texts), seed=seed)
    return components(len(texts), verify(texts, lsh_pairs(minhashes)))
