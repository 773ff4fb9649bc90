"""Throughput and memory of `dedup.pairs.score_sentence_pairs`, as `dedup pairs` runs it.

Pairs are MSRP train sentence pairs when the evaluation data is there (cycled to reach --pairs),
else pairs of sentences of the example articles (examples/seeds), drawn with a fixed seed. Scores
them in chunks of --chunk-size (the CLI's default, 2,000) and in one batch, and prints pairs per
second, the peak traced memory of one call and the process's peak RSS; asserts nothing.

    .venv/bin/python benchmarks/bench_pairs.py --pairs 4000
    .venv/bin/python benchmarks/bench_pairs.py --pairs 500 --semantic   # with the embedding model
                                                                        # (`make semantic` first)
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from dedup.cli.pairs import CHUNK_SIZES, SEMANTIC_CHUNK_SIZE
from dedup.eval import data_root, load_msrp
from dedup.model import Article
from dedup.pairs import score_sentence_pairs
from dedup.text import prepare

SEEDS = Path(__file__).resolve().parents[1] / "examples" / "seeds"


def sentence_pairs(count: int, seed: int) -> tuple[list[tuple[str, str]], str]:
    """`count` sentence pairs and a word on where they came from."""
    root = data_root()
    if root is not None and (root / "msrp").is_dir():
        base = [(p.text1, p.text2) for p in load_msrp(root / "msrp")]
        origin = "MSRP train" + (f" (cycled: texts repeat after {len(base):,} pairs)" if count > len(base) else "")
    else:
        sentences = [
            s.text
            for path in sorted(SEEDS.glob("*.txt"))
            for s in prepare(Article(path.stem, path.read_text())).sentences
        ]
        rng = np.random.default_rng(seed)
        picks = rng.integers(0, len(sentences), size=(count, 2))
        base = [(sentences[i], sentences[j]) for i, j in picks.tolist()]
        origin = "examples/seeds sentences"
    return [base[k % len(base)] for k in range(count)], origin


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux, bytes on macOS
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def _run(label: str, pairs: list[tuple[str, str]], chunk: int, semantic=None) -> None:
    start = time.perf_counter()
    for offset in range(0, len(pairs), chunk):
        score_sentence_pairs(pairs[offset : offset + chunk], semantic=semantic)
    seconds = time.perf_counter() - start
    if semantic is not None:  # tracing every allocation of the model would take minutes
        print(f"{label:<28} {seconds:8.2f} s {len(pairs) / seconds:>9,.1f} pairs/s   peak RSS {_peak_rss_mb():7.1f} MB")
        return
    tracemalloc.start()
    score_sentence_pairs(pairs[:chunk])
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label:<28} {seconds:8.2f} s {len(pairs) / seconds:>9,.0f} pairs/s   "
        f"peak traced (one chunk) {traced / (1 << 20):7.1f} MB   peak RSS {_peak_rss_mb():7.1f} MB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=4000, help="number of sentence pairs (default 4,000)")
    parser.add_argument("--chunk-size", type=int, default=None, help="pairs per call (default: the CLI's)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--semantic", action="store_true", help="with the embedding model (dedup.semantic)")
    args = parser.parse_args(argv)
    pairs, origin = sentence_pairs(args.pairs, args.seed)
    print(f"{len(pairs):,} sentence pairs from {origin}")
    if args.chunk_size is None:
        args.chunk_size = SEMANTIC_CHUNK_SIZE if args.semantic else CHUNK_SIZES["sentence"]
    if args.semantic:
        from dedup.semantic import SentenceEncoder

        start = time.perf_counter()
        encoder = SentenceEncoder()
        print(f"model loaded in {time.perf_counter() - start:.1f} s (peak RSS {_peak_rss_mb():.0f} MB)")
        _run(f"semantic, chunks of {args.chunk_size:,}", pairs, args.chunk_size, encoder)
        return 0
    _run(f"chunks of {args.chunk_size:,}", pairs, args.chunk_size)
    _run("one batch", pairs, len(pairs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
