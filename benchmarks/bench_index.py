"""The archive's figures: add N generated articles, then check single articles against it.

- add: `dedup index add` over N articles in a child process: docs/s and peak memory (PSS and RSS
  of the process tree, `benchmarks/memory.py`); beside it, `dedup cluster --level copies` over the
  same N articles, for comparison;
- check: single articles that are not in the index (generated with the archive, so many are
  copies of archived ones) checked one at a time through `dedup.Index.check`: p50, p90, p99 and
  max latency after one warm-up check;
- size: bytes on disk per archived article (after a WAL checkpoint).

    .venv/bin/python benchmarks/bench_index.py --docs 100000 --queries 300

Timings depend on the machine and its load; say which when quoting them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.memory import run_measured  # noqa: E402

DEDUP = [sys.executable, "-c", "from dedup.cli import main; main()"]


def corpus_files(n_docs: int, n_queries: int, seed: int, folder: Path) -> tuple[Path, Path]:
    """The archive's N articles and the queries, cut from one generated corpus of N + Q."""
    whole = folder / f"dedup-bench-{n_docs + n_queries}-seed{seed}.jsonl"
    if not whole.exists():
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--docs", str(n_docs + n_queries)]
            + ["--seed", str(seed), "-o", str(whole)],
            check=True,
        )
    archive, queries = (
        folder / f"index-archive-{n_docs}-seed{seed}.jsonl",
        folder / f"index-queries-{n_docs}-seed{seed}.jsonl",
    )
    if not archive.exists() or not queries.exists():
        with (
            open(whole, encoding="utf-8") as lines,
            open(archive, "w", encoding="utf-8") as a,
            open(queries, "w", encoding="utf-8") as q,
        ):
            for k, line in enumerate(lines):
                (a if k < n_docs else q).write(line)
    return archive, queries


def measured(command: list[str]) -> dict:
    start = time.perf_counter()
    completed, peak = run_measured(command)
    seconds = time.perf_counter() - start
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {completed.stderr.strip()[-500:]}")
    return {"seconds": seconds, "pss_mib": peak.pss / 2**20, "rss_mib": peak.rss / 2**20, "stdout": completed.stdout}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus-dir", default="/tmp")
    parser.add_argument("--index", default=None, help="index path (default: beside the corpus, made anew)")
    parser.add_argument("--skip-cluster", action="store_true", help="do not run dedup cluster --level copies")
    parser.add_argument("--check-only", action="store_true", help="reuse the index made by an earlier run: checks only")
    args = parser.parse_args(argv)
    folder = Path(args.corpus_dir)
    folder.mkdir(parents=True, exist_ok=True)
    archive, queries = corpus_files(args.docs, args.queries, args.seed, folder)
    index = args.index or str(folder / f"bench-index-{args.docs}.db")
    if not args.check_only:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(index + suffix):
                os.remove(index + suffix)

        add = measured([*DEDUP, "index", "add", "--index", index, str(archive)])
        print(
            f"add {args.docs} articles: {add['seconds']:.1f} s, {args.docs / add['seconds']:.0f} docs/s, "
            f"peak PSS {add['pss_mib']:.0f} MiB (RSS {add['rss_mib']:.0f} MiB)",
            flush=True,
        )
        if not args.skip_cluster:
            copies = measured(
                [*DEDUP, "cluster", "--level", "copies", "--format", "jsonl", "-o", os.devnull, str(archive)]
            )
            print(
                f"cluster --level copies, same {args.docs}: {copies['seconds']:.1f} s, "
                f"{args.docs / copies['seconds']:.0f} docs/s, peak PSS {copies['pss_mib']:.0f} MiB "
                f"(RSS {copies['rss_mib']:.0f} MiB)",
                flush=True,
            )

    connection = sqlite3.connect(index)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    size = os.path.getsize(index)
    print(f"index on disk: {size / 2**20:.1f} MiB, {size / args.docs / 1024:.2f} KiB per article", flush=True)

    from dedup import Article, Index

    with open(queries, encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    articles = [Article(id=r["id"], text=r["text"], published=r.get("published")) for r in records]
    random.Random(args.seed).shuffle(articles)
    latencies, verdicts = [], {}
    with Index(index, create=False) as archive_index:
        archive_index.check(articles[:1])
        for article in articles:
            start = time.perf_counter()
            verdict = archive_index.check([article]).verdicts[0]
            latencies.append((time.perf_counter() - start) * 1000)
            verdicts[verdict.verdict] = verdicts.get(verdict.verdict, 0) + 1
    print(
        f"check 1 article against {args.docs}: p50 {percentile(latencies, 0.5):.1f} ms, "
        f"p90 {percentile(latencies, 0.9):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms, "
        f"max {max(latencies):.1f} ms over {len(latencies)} checks; verdicts {json.dumps(verdicts, sort_keys=True)}",
        flush=True,
    )


if __name__ == "__main__":
    main()
