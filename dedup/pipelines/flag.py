"""The flag pipeline: derivation of each article from wire copy.

prepare and passage signatures of both sets (`dedup.flag.features`) -> candidates across the two
sets, or within the batch in time order when it is its own wire (`dedup.flag.candidates`, over
`dedup.stages.candidates` and `dedup.stages.sketch`) -> align each article with its candidates and
judge it (`dedup.flag.alignments`, `dedup.flag.judge`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from dedup.dates import published_problem
from dedup.errors import DedupError
from dedup.flag import FlagConfig, FlagResult, document_features, judge_all, select_candidates
from dedup.flag.order import same_articles, time_ranks
from dedup.model import Article
from dedup.progress import CANDIDATES, Progress, no_progress
from dedup.score import ScoreConfig
from dedup.text import TextCache
from dedup.validate import unique_articles
from dedup.version import __version__


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
    batch = unique_articles(articles, "article", say_what=True)
    if not batch:
        raise DedupError("flag: no articles to flag")
    if wire is None:
        ranks, order = time_ranks(batch)
        stories, mode = batch, "batch"
    else:
        stories = unique_articles(wire, "wire story", say_what=True)
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
    selves = same_articles(batch, stories) if wire is not None else {}
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
