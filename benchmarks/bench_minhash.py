"""Throughput of shingling, MinHash signatures and LSH banding, against datasketch on the same shingles.

Synthetic news-length documents (seeded, so every run sees the same batch): tokens drawn from a
vocabulary of fake words with Zipf-like frequencies (word of rank k has weight k**-skew; skew 0 is
uniform), and a share of documents that are lightly edited copies of earlier ones so that LSH has
something to find. Prints documents per second for each stage and the peak memory; asserts nothing
about timings.

    .venv/bin/python benchmarks/bench_minhash.py --docs 5000
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc

import numpy as np
from datasketch import MinHash

from dedup.config import CandidateConfig
from dedup.minhash import MinHasher, lsh_candidate_pairs
from dedup.shingles import shingle_hashes, token_hash32


def synthetic_documents(
    n_docs: int, *, tokens_per_doc: int, vocabulary_size: int, skew: float, copy_share: float, seed: int
) -> list[list[str]]:
    """`n_docs` token lists; `copy_share` of them are earlier documents with 5% of tokens replaced."""
    rng = np.random.default_rng(seed)
    vocabulary = np.array([f"w{rank:05d}{rng.integers(0, 1000):03d}" for rank in range(vocabulary_size)])
    weights = np.arange(1, vocabulary_size + 1, dtype=np.float64) ** -skew
    weights /= weights.sum()
    documents: list[list[str]] = []
    for index in range(n_docs):
        if index and rng.random() < copy_share:
            copy = list(documents[rng.integers(0, index)])
            for position in rng.choice(len(copy), len(copy) // 20, replace=False):
                copy[position] = str(vocabulary[rng.integers(0, vocabulary_size)])
            documents.append(copy)
        else:
            documents.append(vocabulary[rng.choice(vocabulary_size, tokens_per_doc, p=weights)].tolist())
    return documents


def _identity(value):
    return value


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def _report(stage: str, n_docs: int, seconds: float) -> None:
    print(f"{stage:<38} {seconds:8.3f} s {n_docs / seconds:>10,.0f} docs/s   peak RSS {_peak_rss_mb():7.1f} MB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000, help="documents in the batch (default 5000)")
    parser.add_argument("--tokens", type=int, default=500, help="tokens per document (default 500)")
    parser.add_argument("--vocabulary", type=int, default=30_000, help="distinct fake words (default 30000)")
    parser.add_argument("--skew", type=float, default=1.0, help="Zipf exponent of word frequencies; 0 = uniform")
    parser.add_argument("--copy-share", type=float, default=0.1, help="share of edited copies (default 0.1)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generator and of the permutations")
    args = parser.parse_args(argv)

    # The copy grain of `dedup cluster` (DedupConfig's candidates): 5-word shingles, 32 bands of 4 rows.
    grain = CandidateConfig()
    num_perm = grain.copy_bands * grain.copy_rows
    documents = synthetic_documents(
        args.docs,
        tokens_per_doc=args.tokens,
        vocabulary_size=args.vocabulary,
        skew=args.skew,
        copy_share=args.copy_share,
        seed=args.seed,
    )
    n_docs = len(documents)
    print(
        f"{n_docs} documents x {args.tokens} tokens, vocabulary {args.vocabulary} (skew {args.skew}), "
        f"n={grain.shingle_size}, num_perm={num_perm}, bands={grain.copy_bands} x rows={grain.copy_rows}"
    )

    token_hash32.cache_clear()
    start = time.perf_counter()
    shingles = [shingle_hashes(tokens, grain.shingle_size) for tokens in documents]
    _report("shingling (cold token cache)", n_docs, time.perf_counter() - start)
    start = time.perf_counter()
    shingles = [shingle_hashes(tokens, grain.shingle_size) for tokens in documents]
    _report("shingling (warm token cache)", n_docs, time.perf_counter() - start)

    hasher = MinHasher(num_perm, args.seed)
    start = time.perf_counter()
    signatures = hasher.signatures(shingles)
    _report("dedup MinHasher.signatures", n_docs, time.perf_counter() - start)

    start = time.perf_counter()
    reference = MinHash.bulk(shingles, num_perm=num_perm, seed=args.seed, hashfunc=_identity)
    _report("datasketch MinHash.bulk", n_docs, time.perf_counter() - start)
    differing = sum(not np.array_equal(row, m.hashvalues) for row, m in zip(signatures, reference, strict=True))
    print(f"signatures differing from datasketch's: {differing} of {n_docs}")

    start = time.perf_counter()
    pairs = lsh_candidate_pairs(signatures, bands=grain.copy_bands, rows=grain.copy_rows, max_bucket=grain.max_bucket)
    _report("dedup lsh_candidate_pairs", n_docs, time.perf_counter() - start)
    print(f"candidate pairs: {len(pairs)}")

    tracemalloc.start()
    hasher.signatures(shingles)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    output = signatures.nbytes / (1 << 20)
    print(f"signatures: traced peak {peak / (1 << 20):.1f} MB, of which the result is {output:.1f} MB")


if __name__ == "__main__":
    main()
