"""The prepare stage: articles into `Document`s (sentences, quotes, tokens, stems), a batch at a time."""

from __future__ import annotations

from collections.abc import Sequence

from dedup.model import Article, Document
from dedup.progress import PREPARE, Progress, no_progress
from dedup.text import TextCache, prepare


def prepare_all(articles: Sequence[Article], progress: Progress = no_progress) -> list[Document]:
    """Prepare every article (normalise, strip furniture, split sentences), in input order.

    In this process: copies share their repeated sentences' texts and token tuples through one
    `dedup.text.TextCache`, made for this batch and dropped with it, which documents prepared in
    workers and sent back would not (measured on 10k generated articles: two workers 10% faster,
    35% more memory).
    """
    cache = TextCache()
    documents = []
    for article in articles:
        documents.append(prepare(article, cache=cache))
        progress(PREPARE, 1)
    return documents
