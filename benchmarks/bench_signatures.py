"""The signature stage alone at a million documents, as the copy level runs it: text -> word hashes
(`dedup.wordhash`) -> word 5-gram shingles -> MinHash signatures (128 permutations), in batches
of 250 texts spread over worker processes (`dedup.pipelines.copies`' engine), into one signature matrix.

Documents are the texts of a generated corpus (`benchmarks/generate.py`), each used `--copies`
times, copy k with the word ``copyk`` appended so that every document is distinct. The base texts
are held in memory (so reading JSON is not timed) and shared with the forked workers; the peak
memory is sampled from outside as the PSS of the whole process tree, and is the base texts, the
signature matrix (n x 128 x 4 bytes) and each worker's batch. Prints docs/s, the CPU seconds of
each step summed over the workers, and the peak. Asserts nothing.

    .venv/bin/python benchmarks/bench_signatures.py --corpus /tmp/dedup-bench-100000-seed1.jsonl --copies 10
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dedup.engine.local import ordered_map, workers  # noqa: E402
from dedup.minhash import MinHasher  # noqa: E402
from dedup.shingles import shingle_hashes_flat  # noqa: E402
from dedup.wordhash import word_hashes  # noqa: E402

_BASE: list[str] = []
_HASHER: list[MinHasher] = []


def _sign(span: tuple[int, int]) -> tuple[int, np.ndarray, tuple[float, float, float]]:
    """Signatures of documents start..stop-1, and the seconds of each step."""
    start, stop = span
    texts = [_BASE[i % len(_BASE)] + (f" copy{i // len(_BASE)}" if i >= len(_BASE) else "") for i in range(start, stop)]
    began = time.perf_counter()
    words = word_hashes(texts)
    hashed = time.perf_counter()
    shingles, counts = shingle_hashes_flat(words.hashes, words.offsets, 5)
    shingled = time.perf_counter()
    signatures = _HASHER[0].signatures_flat(shingles, counts)
    signed = time.perf_counter()
    return start, signatures, (hashed - began, shingled - hashed, signed - shingled)


def child(corpus: str, copies: int, chunk: int, processes: int, seed: int) -> dict:
    with open(corpus, encoding="utf-8") as stream:
        _BASE.extend(json.loads(line)["text"] for line in stream)
    _HASHER.append(MinHasher(128, seed))
    n_docs = len(_BASE) * copies
    signatures = np.empty((n_docs, 128), dtype=np.uint32)
    spans = ((start, min(start + chunk, n_docs)) for start in range(0, n_docs, chunk))
    steps = np.zeros(3)
    began = time.perf_counter()
    for start, block, seconds in ordered_map(_sign, spans, processes, in_flight=2 * processes):
        signatures[start : start + len(block)] = block
        steps += seconds
    elapsed = time.perf_counter() - began
    return {
        "docs": n_docs,
        "base": len(_BASE),
        "seconds": elapsed,
        "steps": steps.tolist(),
        "mb": signatures.nbytes / 1e6,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, help="JSON Lines corpus from benchmarks/generate.py")
    parser.add_argument("--copies", type=int, default=10, help="times each corpus document is used (default 10)")
    parser.add_argument("--chunk", type=int, default=250, help="documents per batch (default 250)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: every CPU)")
    parser.add_argument("--seed", type=int, default=1, help="MinHash seed (default 1)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    processes = args.workers or workers()
    if args.child:
        json.dump(child(args.corpus, args.copies, args.chunk, processes, args.seed), sys.stdout)
        return

    from benchmarks.memory import run_measured

    command = [sys.executable, __file__, "--child", "--corpus", args.corpus, "--copies", str(args.copies)]
    command += ["--chunk", str(args.chunk), "--workers", str(processes), "--seed", str(args.seed)]
    completed, peak = run_measured(command, interval=0.1)
    if completed.returncode != 0:
        raise SystemExit(completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else "failed")
    result = json.loads(completed.stdout)
    n_docs, seconds = result["docs"], result["seconds"]
    print(f"{result['base']} corpus documents x {args.copies} = {n_docs:,} documents, batches of {args.chunk}")
    print(f"signature stage: {seconds:.1f} s, {n_docs / seconds:,.0f} docs/s on {processes} worker processes")
    for step, cpu in zip(("word hashes", "shingles", "signatures"), result["steps"]):
        print(f"  {step:<12} {cpu:7.1f} CPU s summed over workers ({n_docs / cpu:,.0f} docs per CPU second)")
    print(
        f"peak memory of the {peak.processes} processes: PSS {peak.pss / 1e6:,.0f} MB (RSS summed {peak.rss / 1e6:,.0f}"
        f" MB), of which the signature matrix {result['mb']:,.0f} MB"
    )


if __name__ == "__main__":
    main()
