"""Which articles may be whose source in flag: time order in a batch that is its own wire, and the
wire stories that are an article itself."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dedup.dates import published_moment
from dedup.model import Article


def time_ranks(articles: Sequence[Article]) -> tuple[np.ndarray, str]:
    """Each article's position in time (float, smaller is earlier) and the rule that gave it.

    Articles are ranked by `published` (ISO 8601; a naive time is taken as UTC), ties by input
    order. With no dated article, input order is time order (``input``). With some dated, the
    undated rank after all of them (``published+undated``), and since a source must rank strictly
    earlier and an undated article ranks `inf`, an undated article is never a source. A `published`
    that is not a date counts as none (`dedup.dates.published_moment`; `flag_articles` warns of it).
    """
    moments = [published_moment(article.published) for article in articles]
    dated = [m for m in moments if m is not None]
    if not dated:
        return np.arange(len(articles), dtype=np.float64), "input"
    ordinal = sorted(range(len(articles)), key=lambda i: (moments[i] is None, moments[i] or dated[0], i))
    ranks = np.empty(len(articles), dtype=np.float64)
    for position, index in enumerate(ordinal):
        ranks[index] = position if moments[index] is not None else np.inf
    return ranks, "published" if len(dated) == len(articles) else "published+undated"


def same_articles(articles: Sequence[Article], stories: Sequence[Article]) -> dict[int, set[int]]:
    """Wire stories that are the article itself (the same id, or read from the same file): an
    article is never its own source."""
    by_key: dict[tuple[str, str], list[int]] = {}
    for w, story in enumerate(stories):
        by_key.setdefault(("id", story.id), []).append(w)
        if story.origin:
            by_key.setdefault(("origin", story.origin), []).append(w)
    selves: dict[int, set[int]] = {}
    for a, article in enumerate(articles):
        own = set(by_key.get(("id", article.id), []))
        if article.origin:
            own |= set(by_key.get(("origin", article.origin), []))
        if own:
            selves[a] = own
    return selves
