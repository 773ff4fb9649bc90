"""The prepare stage: articles into `Document`s (sentences, quotes, tokens, stems), a batch at a time."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from dedup.model import Article, Document
from dedup.progress import PREPARE, Progress, no_progress
from dedup.text import TextCache, TextLayout, lay_out, prepare


def prepare_all(
    articles: Sequence[Article], progress: Progress = no_progress, *, layouts: Iterable[TextLayout] | None = None
) -> list[Document]:
    """Prepare every article (normalise, strip furniture, split sentences), in input order.

    In this process: copies share their repeated sentences' texts and token tuples through one
    unbounded `dedup.text.TextCache`, made for this batch and dropped with it, which documents
    prepared in workers and sent back would not (measured on 10k generated articles: two workers
    10% faster, 35% more memory; sent back packed and unpacked with this cache: 0.5-1.9 s faster at
    10k, slower at 100k, docs/scaling.md). `layouts` are the articles' `dedup.text.lay_out`, in
    order, when the caller has them found elsewhere (a stream: the cluster pipeline's workers lay
    out texts, `lay_out_chunk`, while this builds the documents): the same documents as preparing
    them whole here. Python's cyclic garbage collector is paused meanwhile (`collector_paused`).
    """
    cache = TextCache(bounded=False)  # entries are the documents' own, kept anyway (`TextCache`)
    documents = []
    given = iter(layouts) if layouts is not None else None
    with collector_paused():
        for article in articles:
            layout = None
            if given is not None and (layout := next(given, None)) is None:
                raise ValueError(f"fewer layouts than articles: none for article {len(documents)}")
            documents.append(prepare(article, cache=cache, layout=layout))
            progress(PREPARE, 1)
    # Read to its end, which also lets a stream from workers finish (and its workers go) now.
    if given is not None and next(given, None) is not None:
        raise ValueError(f"more layouts than the {len(articles)} articles")
    return documents


def lay_out_chunk(articles: Sequence[Article], chunk: tuple[int, int]) -> list[TextLayout]:
    """The `dedup.text.lay_out` of the texts of articles numbered ``chunk[0]`` to ``chunk[1]``
    (excluded): a job a worker can do apart from the `TextCache` that `prepare_all` builds with."""
    start, stop = chunk
    return [lay_out(article.text) for article in articles[start:stop]]


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
