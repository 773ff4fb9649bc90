"""Helper for the kill tests: add generated articles to an index, a batch per `Index.add` call,
printing the number of articles committed after each batch (flushed), so that a test that kills
this process knows what the index must hold.

    python tests/index_writer.py INDEX N_DOCS SEED BATCH
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate, sentence_sources  # noqa: E402
from dedup import Article, Index  # noqa: E402


def main(path: str, n_docs: int, seed: int, batch: int) -> None:
    records = list(generate(n_docs, seed, sentence_sources(None)))
    articles = [Article(id=r["id"], text=r["text"], published=r["published"]) for r in records]
    with Index(path, batch_size=batch) as index:
        for start in range(0, len(articles), batch):
            index.add(articles[start : start + batch])
            print(index.stats().articles, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
