"""The signature stage alone at a million documents: word hashes -> 5-gram shingles -> MinHash.

Documents are the word sequences of a generated corpus (`benchmarks/generate.py`, tokenised with
`dedup.text.words`), each used `--copies` times with one word changed per copy so that every
document is distinct, streamed in chunks: per chunk, token hashes (`token_hash32`), shingles
(`shingle_hashes_many`) and signatures (`MinHasher`, 128 permutations) are computed and written
into the signature matrix, and the chunk is dropped. Peak memory is therefore the signature
matrix (n x 128 x 4 bytes) plus one chunk's shingles and permuted block, plus the base corpus's
words. Prints docs/s, shingles/s and peak memory (ru_maxrss and tracemalloc). Asserts nothing.

    .venv/bin/python benchmarks/bench_signatures.py --corpus /tmp/dedup-bench-100000-seed1.jsonl --copies 10
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc

import numpy as np

from dedup.minhash import MinHasher
from dedup.shingles import shingle_hashes_many, token_hash32, token_hashes
from dedup.text import words


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, help="JSON Lines corpus from benchmarks/generate.py")
    parser.add_argument("--copies", type=int, default=10, help="times each corpus document is used (default 10)")
    parser.add_argument("--chunk", type=int, default=10_000, help="documents per chunk (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="MinHash seed (default 1)")
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the traced-memory figure (faster)")
    args = parser.parse_args(argv)

    interned: dict[str, str] = {}  # one string per distinct word keeps the base corpus small
    with open(args.corpus, encoding="utf-8") as stream:
        base = [[interned.setdefault(w, w) for w in words(json.loads(line)["text"])] for line in stream]
    n_docs = len(base) * args.copies
    print(f"{len(base)} corpus documents x {args.copies} copies = {n_docs} documents, chunks of {args.chunk}")
    if not args.no_tracemalloc:
        tracemalloc.start()
    hasher = MinHasher(128, args.seed)
    signatures = np.empty((n_docs, hasher.num_perm), dtype=np.uint32)
    shingles_total = 0
    hashing = shingling = signing = 0.0
    for start in range(0, n_docs, args.chunk):
        stop = min(start + args.chunk, n_docs)
        began = time.perf_counter()
        token_arrays = []
        for index in range(start, stop):
            tokens = token_hashes(base[index % len(base)])
            copy = index // len(base)
            if copy and len(tokens):  # one word of each copy replaced by a copy-specific one
                tokens = tokens.copy()
                tokens[copy % len(tokens)] = token_hash32(f"copy{copy}")
            token_arrays.append(tokens)
        hashed = time.perf_counter()
        shingles = shingle_hashes_many(token_arrays, 5)
        shingled = time.perf_counter()
        signatures[start:stop] = hasher.signatures(shingles)
        signed = time.perf_counter()
        shingles_total += sum(map(len, shingles))
        hashing, shingling, signing = (
            hashing + hashed - began,
            shingling + shingled - hashed,
            signing + signed - shingled,
        )
    total = hashing + shingling + signing
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / ((1 << 20) if sys.platform == "darwin" else 1024)
    for stage, seconds in (("token hashes", hashing), ("shingles", shingling), ("signatures", signing)):
        print(f"{stage:<14} {seconds:8.2f} s {n_docs / seconds:>12,.0f} docs/s")
    print(
        f"{'whole stage':<14}{total:8.2f} s {n_docs / total:>12,.0f} docs/s {shingles_total / total:>13,.0f} shingles/s"
    )
    print(f"signature matrix {signatures.nbytes / 1e6:.0f} MB; peak RSS {rss:.0f} MB", end="")
    if not args.no_tracemalloc:
        print(f"; traced peak {tracemalloc.get_traced_memory()[1] / 1e6:.0f} MB (tracing slows the run)")
    else:
        print()


if __name__ == "__main__":
    main()
