"""Derivation against a wire set: which articles are wholly, partially or not derived from wire copy.

For every input article, `flag_articles` finds the wire stories it may draw on (MinHash/LSH at two
grains, then a cheap filter on document cosine and passage agreement: never all pairs), aligns the
article with a bounded number of them, and reads a METER label (Gaizauskas et al. 2001) off what
the alignments cover:

- ``wholly-derived``: the article is essentially wire copy, verbatim, edited or rewritten;
- ``partially-derived``: a clear part of it comes from wire (copied passages, or a run of
  rewritten sentences), the rest is its own;
- ``non-derived``: it may report the same event and quote the same people, but does not reuse wire text.

Without a wire set the batch is its own wire: each article is compared with earlier articles (by
`published`) and the earliest one it derives from is its presumed source.

Stages, each a function over plain data so that an engine can map them later, one module each:
`features` (prepare, passage signatures, stems) -> `candidates` (LSH across the two sets, cosine,
top-k) -> `alignments` (align each article with its candidates) -> `judge` (per-sentence classes,
coverage, derivation). `config` holds `FlagConfig`, `result` what `flag_articles` returns; this
module is the entry point, which checks its input and composes the stages.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

import numpy as np

from dedup.dates import published_moment, published_problem
from dedup.errors import DedupError
from dedup.flag.alignments import judge_all
from dedup.flag.candidates import Candidates, cross_bucket_pairs, select_candidates, story_terms
from dedup.flag.config import FlagConfig
from dedup.flag.features import Features, document_features, window_starts
from dedup.flag.judge import derivation_of, derivation_score, judge, phrase_containment, sentence_links
from dedup.flag.result import (
    DERIVATIONS,
    DERIVED_CLASSES,
    ArticleFlag,
    Evidence,
    FlagResult,
    SharedQuotes,
    Shares,
    Source,
)
from dedup.model import Article
from dedup.progress import CANDIDATES, Progress, no_progress
from dedup.score import ScoreConfig
from dedup.text import TextCache
from dedup.validate import checked_articles
from dedup.version import __version__

__all__ = [
    "DERIVATIONS",
    "DERIVED_CLASSES",
    "ArticleFlag",
    "Candidates",
    "Evidence",
    "Features",
    "FlagConfig",
    "FlagResult",
    "SharedQuotes",
    "Shares",
    "Source",
    "cross_bucket_pairs",
    "derivation_of",
    "derivation_score",
    "document_features",
    "flag_articles",
    "judge",
    "judge_all",
    "phrase_containment",
    "select_candidates",
    "sentence_links",
    "story_terms",
    "time_ranks",
    "window_starts",
]


def flag_articles(
    articles: Iterable[Article],
    *,
    wire: Iterable[Article] | None = None,
    config: FlagConfig | None = None,
    score: ScoreConfig | None = None,
    seed: int = 1,
    progress: Progress | None = None,
) -> FlagResult:
    """Flag each article as wholly, partially or non-derived from wire copy, with sources and evidence.

    Call it to learn, for every article of a batch, how much of it is wire copy, from which wire
    story, and which of its sentences show it.

    Parameters
    ----------
    articles : iterable of Article
        The articles to judge; ids must be unique.
    wire : iterable of Article, optional
        The wire stories they may draw on; ids must be unique (they may repeat article ids). When
        omitted, sources are looked for inside the batch: an article can only derive from an
        earlier one (by `published`; ties keep input order). If no article is dated, input order
        is time order; if only some are, an undated article is compared with every dated one and
        is never taken as a source, since nothing says what it came before.
    config : FlagConfig, optional
        Candidate search parameters and class boundaries; the shipped, measured defaults when omitted.
    score : ScoreConfig, optional
        The sentence classes of the alignment, `dedup cluster`'s own (`DedupConfig.score`).
    seed : int
        Seed of the MinHash permutations (`DedupConfig.seed`). `dedup.flag` passes all three from
        one `DedupConfig`; this is the stage under it.
    progress : callable, optional
        ``progress(stage, advance)`` is called as work is done, for a progress bar: ``prepare``
        once per document (wire stories and articles), ``candidates`` once with the number of
        articles to judge, then ``score`` once per article judged.

    Returns
    -------
    FlagResult
        One `ArticleFlag` per article, in input order.

    Raises
    ------
    DedupError
        For an empty batch, an empty wire set, an object that is not an Article, a repeated id.
        Without a wire set, a `published` value that is not an ISO 8601 date is not an error: the
        article is taken as undated and `FlagResult.warnings` says so.
    """

    config = config or FlagConfig()
    score = score or ScoreConfig()
    report = progress or no_progress
    batch = _checked(articles, "article")
    if not batch:
        raise DedupError("flag: no articles to flag")
    if wire is None:
        ranks, order = time_ranks(batch)
        stories, mode = batch, "batch"
    else:
        stories = _checked(wire, "wire story")
        if not stories:
            raise DedupError("flag: the wire set is empty: give at least one wire story to compare with")
        ranks, order, mode = None, "none", "wire"
    date_warnings: tuple[str, ...] = ()
    if wire is None:
        found = (published_problem(article.published, article.origin or article.id) for article in batch)
        date_warnings = tuple(problem for problem in found if problem is not None)
    cache = TextCache()  # this run's: the articles and wire stories share their repeated sentences
    article_features = document_features(
        batch, config, stride=config.passage_words // 2 or 1, seed=seed, progress=report, cache=cache
    )
    wire_features = (
        article_features
        if wire is None
        else document_features(stories, config, stride=config.passage_words, seed=seed, progress=report, cache=cache)
    )
    candidates = select_candidates(article_features, wire_features, config, seed=seed, ranks=ranks)
    report(CANDIDATES, len(batch))
    selves = _same_articles(batch, stories) if wire is not None else {}
    flags = judge_all(
        batch, stories, candidates, config, score=score, ranks=ranks, progress=report, selves=selves, cache=cache
    )
    warnings = tuple(
        f"{batch[a].origin or batch[a].id}: also in the wire set (as {stories[w].origin or stories[w].id}); "
        "not compared with itself"
        for a, own in sorted(selves.items())
        for w in sorted(own)
    )
    settings = {"seed": seed, "flag": config.as_dict(), "score": dataclasses.asdict(score)}
    return FlagResult(tuple(flags), mode, order, len(stories), settings, __version__, date_warnings + warnings)


def _same_articles(articles: Sequence[Article], stories: Sequence[Article]) -> dict[int, set[int]]:
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


def _checked(articles: Iterable[Article], what: str) -> list[Article]:
    batch = list(checked_articles(articles, what))  # refuses anything that is not an Article
    seen: dict[str, str] = {}
    for article in batch:
        if article.id in seen:
            msg = (
                f"{article.origin or article.id}: duplicate {what} id {article.id!r} (first seen at {seen[article.id]})"
            )
            raise DedupError(msg)
        seen[article.id] = article.origin or article.id
    return batch


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
