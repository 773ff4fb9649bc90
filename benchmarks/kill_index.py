"""Kill -9 during `add`, again and again: nothing committed is lost and the index stays readable.

A child process adds a generated corpus to an index with `dedup.Index.add`, one call per batch,
printing the number of articles the index holds after each commit. The parent kills it with
SIGKILL at random moments, then opens the index: it must hold at least what the child last
reported, in whole batches, pass SQLite's integrity check, and answer `stats` and a `check`.
The child is restarted (articles already in the index are skipped) until the corpus is in.

    .venv/bin/python benchmarks/kill_index.py --docs 20000 --kills 5
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def child(index_path: str, corpus: str, batch: int) -> None:
    from dedup import Article, Index

    with open(corpus, encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    articles = [Article(id=r["id"], text=r["text"], published=r.get("published")) for r in records]
    with Index(index_path, batch_size=batch) as index:
        for start in range(0, len(articles), batch):
            index.add(articles[start : start + batch])
            print(index.stats().articles, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus-dir", default="/tmp")
    parser.add_argument("--child", nargs=2, metavar=("INDEX", "CORPUS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], args.batch)
        return
    folder = Path(args.corpus_dir)
    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / f"dedup-bench-{args.docs}-seed{args.seed}.jsonl"
    if not corpus.exists():
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--docs", str(args.docs)]
            + ["--seed", str(args.seed), "-o", str(corpus)],
            check=True,
        )
    index = str(folder / f"kill-index-{args.docs}.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(index + suffix):
            os.remove(index + suffix)
    rng = random.Random(args.seed)
    command = [sys.executable, __file__, "--batch", str(args.batch), "--child", index, str(corpus)]
    committed, lost, kills, runs = 0, 0, 0, 0
    while True:
        writer = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        runs += 1
        if kills < args.kills:
            time.sleep(rng.uniform(2.0, 25.0))
        if writer.poll() is None and kills < args.kills:
            os.kill(writer.pid, signal.SIGKILL)
            kills += 1
        writer.wait()
        assert writer.stdout is not None
        reported = [int(line) for line in writer.stdout.read().split()]
        committed = max([committed, *reported])
        connection = sqlite3.connect(index)
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        try:
            held = connection.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        except sqlite3.OperationalError:  # killed before the index was made: nothing to hold yet
            held = 0
        connection.close()
        lost += max(0, committed - held)
        print(
            f"run {runs}{' (killed)' if writer.returncode == -signal.SIGKILL else ''}: child reported "
            f"{reported[-1] if reported else 0}, index holds {held}, integrity {integrity}",
            flush=True,
        )
        if writer.returncode == 0:
            break
    from dedup import Article, Index

    with Index(index, create=False) as archive:
        stats = archive.stats()
        with open(corpus, encoding="utf-8") as lines:
            first = json.loads(next(lines))
        verdict = archive.check([Article(id="probe", text=first["text"])]).verdicts[0]
    print(
        f"{kills} kills during the add of {args.docs}; final index {stats.articles} articles; lost {lost} committed; "
        f"probe check: {verdict.verdict} of {verdict.matches[0].id if verdict.matches else '-'}"
    )
    if lost or stats.articles != args.docs:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
