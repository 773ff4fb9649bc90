"""The prepare stage: articles into `Document`s (sentences, quotes, tokens, stems), a batch at a time."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from dedup.model import Article, Document
from dedup.progress import PREPARE, Progress, no_progress
from dedup.text import TextCache, prepare


def prepare_all(articles: Sequence[Article], progress: Progress = no_progress) -> list[Document]:
    """Prepare every article (normalise, strip furniture, split sentences), in input order.

    In this process: copies share their repeated sentences' texts and token tuples through one
    unbounded `dedup.text.TextCache`, made for this batch and dropped with it, which documents
    prepared in workers and sent back would not (measured on 10k generated articles: two workers
    10% faster, 35% more memory; sent back packed and unpacked with this cache: 0.5-1.9 s faster at
    10k, slower at 100k, docs/scaling.md). Python's cyclic garbage collector is paused meanwhile
    (`collector_paused`).
    """
    cache = TextCache(bounded=False)  # entries are the documents' own, kept anyway (`TextCache`)
    documents = []
    with collector_paused():
        for article in articles:
            documents.append(prepare(article, cache=cache))
            progress(PREPARE, 1)
    return documents


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector inside the block (restored as it was after it).

    Preparing a batch makes millions of lasting objects (sentences, token tuples) and no reference
    cycles, and every full collection walks all the objects made so far, so the stage slowed as the
    batch grew: `benchmarks/generate.py` articles prepared at 1,100 a second for 10k and 1,020 for
    40k, against 1,330 and 1,340 with the collector paused (one process on this machine).
    Reference counting still frees everything that is dropped meanwhile.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
