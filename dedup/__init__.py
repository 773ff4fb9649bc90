"""dedup: near-duplicate and paraphrase detection for news wire copies.

Public API: `cluster` groups a batch into stories and copy groups (`cluster_copies`: copy groups
only, fast, over a stream); the result dataclasses live in
`dedup.model`; every parameter lives in `DedupConfig`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from dedup.config import CandidateConfig, CopyLevelConfig, DedupConfig
from dedup.errors import ConfigError, DedupError
from dedup.flag import (
    DERIVATIONS,
    ArticleFlag,
    Evidence,
    FlagConfig,
    FlagResult,
    SharedQuotes,
    Shares,
    Source,
)
from dedup.index import AddResult, CheckResult, CheckVerdict, Index, IndexStats
from dedup.model import (
    Alignment,
    Article,
    CandidatePair,
    ClusterResult,
    CopyGroup,
    Member,
    PairDiff,
    ScoredPair,
    SentenceLink,
    WordChange,
)
from dedup.pairs import (
    DocumentPairScore,
    PairsConfig,
    SentencePairScore,
    score_sentence_pairs,
)
from dedup.pipelines.flag import flag_articles
from dedup.pipelines.pairs import score_document_pairs
from dedup.progress import Progress
from dedup.validate import checked_articles, unique_articles
from dedup.version import __version__

if TYPE_CHECKING:
    from dedup.text import TextCache


def flag(
    articles: Iterable[Article],
    *,
    wire: Iterable[Article] | None = None,
    config: DedupConfig | None = None,
    progress: Progress | None = None,
) -> FlagResult:
    """How much of each article derives from wire copy: wholly, partially or non-derived, with its
    wire sources and the sentence pairs that show it.

    Parameters
    ----------
    articles : iterable of Article
        The articles to judge; ids must be unique.
    wire : iterable of Article, optional
        The wire stories they may draw on; without them, sources are looked for among earlier
        articles of the batch (see `dedup.pipelines.flag.flag_articles`).
    config : DedupConfig, optional
        Its `flag` parameters, its `score` sentence classes (`cluster`'s) and its `seed`; the
        shipped, measured defaults when omitted. The result records the whole config.
    progress : callable, optional
        ``progress(stage, advance)`` is called as work is done, for a progress bar.

    Returns
    -------
    FlagResult
        One `ArticleFlag` per article, in input order.

    Raises
    ------
    DedupError
        For an empty batch or wire set, an object that is not an Article, a repeated id.
    """
    config = config or DedupConfig()
    result = flag_articles(
        articles, wire=wire, config=config.flag, score=config.score, seed=config.seed, progress=progress
    )
    return dataclasses.replace(result, config=config.as_dict())


__all__ = [
    "Alignment",
    "Article",
    "CandidateConfig",
    "CandidatePair",
    "ClusterResult",
    "ConfigError",
    "CopyGroup",
    "CopyLevelConfig",
    "DedupConfig",
    "DedupError",
    "Member",
    "PairDiff",
    "ScoredPair",
    "SentenceLink",
    "WordChange",
    "ArticleFlag",
    "DERIVATIONS",
    "DocumentPairScore",
    "Evidence",
    "FlagConfig",
    "FlagResult",
    "PairsConfig",
    "SentencePairScore",
    "SharedQuotes",
    "Shares",
    "Source",
    "AddResult",
    "CheckResult",
    "CheckVerdict",
    "Index",
    "IndexStats",
    "cluster",
    "cluster_copies",
    "cluster_copies_inputs",
    "copy_diffs",
    "diff",
    "flag",
    "flag_articles",
    "score_document_pairs",
    "score_sentence_pairs",
    "__version__",
]


def cluster(
    articles: Iterable[Article], *, config: DedupConfig | None = None, progress: Progress | None = None
) -> ClusterResult:
    """Group a batch of articles into stories and, inside each, copy groups with a canonical original.

    Parameters
    ----------
    articles : iterable of Article
        The batch; ids must be unique.
    config : DedupConfig, optional
        Every parameter, including the MinHash seed; defaults are the shipped, measured ones.
    progress : callable, optional
        ``progress(stage, advance)`` is called as work is done, for a progress bar.

    Returns
    -------
    ClusterResult
        Copy groups in story order; every article appears in exactly one group.

    Raises
    ------
    DedupError
        For an item that is not an `Article`, a field holding a lone surrogate, a repeated id.
    """
    from dedup.pipelines.cluster import run_cluster

    batch = unique_articles(articles)
    return run_cluster(batch, config or DedupConfig(), progress or (lambda stage, advance: None))


def cluster_copies(
    articles: Iterable[Article], *, config: DedupConfig | None = None, progress: Progress | None = None
) -> ClusterResult:
    """Group a stream of articles into copy groups only (duplicates and near-duplicates), fast and
    in memory that holds signatures and term counts, not the articles.

    The copy level of `cluster`: word 5-gram MinHash/LSH candidates verified by TF-IDF cosine,
    without sentence alignment, so rewrites are not found and each copy group is its own story.
    Members' `shared` is the estimated share of their 5-grams found in the canonical article
    (from the MinHash Jaccard estimate), `rewritten` is 0. Parameters are in
    `DedupConfig.copies`; the work is spread over ``DEDUP_WORKERS`` processes (default: every
    CPU this process may use), and the result does not depend on how many.

    Parameters
    ----------
    articles : iterable of Article
        The batch, read once as a stream; ids must be unique.
    config : DedupConfig, optional
        `copies` holds this level's parameters; `seed` the MinHash seed.
    progress : callable, optional
        ``progress(stage, advance)`` is called as work is done, for a progress bar.

    Returns
    -------
    ClusterResult
        Copy groups in order of their first member; every article appears in exactly one group.

    Raises
    ------
    DedupError
        For an item that is not an `Article`, a field holding a lone surrogate, a repeated id.
    """
    from dedup.io.readers import ArticleGate
    from dedup.pipelines.copies import article_batches, run_copies

    config = config or DedupConfig()
    return run_copies(
        article_batches(checked_articles(articles), config.copies.chunk_size),
        ArticleGate(),
        config,
        progress or (lambda stage, advance: None),
    )


def cluster_copies_inputs(
    inputs: Sequence[str],
    *,
    skip_bad: bool = False,
    warn: Callable[[str], None] | None = None,
    config: DedupConfig | None = None,
    progress: Progress | None = None,
) -> ClusterResult:
    """`cluster_copies` over files, as `dedup.io.readers.read_articles` reads them (same formats,
    same errors and warnings), with JSON Lines records parsed in the worker processes too."""
    from dedup.io.readers import ArticleGate, read_record_batches
    from dedup.pipelines.copies import run_copies

    config = config or DedupConfig()
    gate = ArticleGate(skip_bad=skip_bad, warn=warn)
    batches = read_record_batches(inputs, batch_size=config.copies.chunk_size, warn=gate.warn)
    result = run_copies(batches, gate, config, progress or (lambda stage, advance: None))
    gate.finish(inputs)
    return result


def diff(
    a: Article,
    b: Article,
    *,
    context: Iterable[Article] = (),
    config: DedupConfig | None = None,
    cache: TextCache | None = None,
) -> PairDiff:
    """Paraphrase diff of two articles: which sentences are shared verbatim, edited, rewritten,
    quoted by both, or new on each side, with word-level changes inside aligned pairs.

    Parameters
    ----------
    a, b : Article
        The two articles; A is usually the presumed source.
    context : iterable of Article, optional
        A batch the two come from. For English text it does not change the figures: document
        word weights are the shipped background's and sentence weights the pair's own
        (`dedup.score.pair_space`), so the diff of a pair is what `cluster` and `flag` find for it
        in any batch. Words of other scripts, which the background cannot weigh, are weighed by
        this batch's document frequencies, as `cluster` weighs them in it (without a context, by
        the pair's own).
    config : DedupConfig, optional
        Thresholds; the shipped defaults when omitted.
    cache : dedup.text.TextCache, optional
        The `TextCache` of a caller that diffs many pairs with texts in common (an evaluation
        loop), so that their sentences are tokenised once; when omitted, the call makes its own.
        It changes no figure.

    Returns
    -------
    PairDiff
        The alignment (every sentence of each side in exactly one link), the pair's relation as
        `cluster` would label it, document cosine, and word changes per link.

    Raises
    ------
    DedupError
        For an item that is not an `Article`, a field holding a lone surrogate, an empty text.
    """
    from dedup.pipelines.diff import diff_articles

    config = config or DedupConfig()
    a, b = checked_articles((a, b))
    context = list(checked_articles(context, "context article"))
    if a.id == b.id:
        b = Article(b.id + " (B)", b.text, b.title, b.source, b.published, b.url, b.origin)
    for article in (a, b):
        if not article.text.strip():
            raise DedupError(f"{article.origin or article.id}: empty text, nothing to compare")
    return diff_articles(a, b, config, cache=cache, context=context)


def copy_diffs(
    articles: Iterable[Article], result: ClusterResult, *, config: DedupConfig | None = None
) -> dict[tuple[str, str], PairDiff]:
    """The paraphrase diff of each copy-group member against the article its relation is with.

    What a report that shows the evidence for every copy needs (``dedup cluster --format html``):
    `diff` of ``(of, id)`` for each member with a `Member.of`: the same figures `cluster` gave.

    Parameters
    ----------
    articles : iterable of Article
        The batch `result` was made from.
    result : ClusterResult
        What `cluster` returned for it.
    config : DedupConfig, optional
        Thresholds; the shipped defaults when omitted.

    Returns
    -------
    dict
        ``(of, id)`` to the `PairDiff` with A the `of` article and B the member.
    """
    from dedup.pipelines.diff import diffs_of_pairs

    config = config or DedupConfig()
    wanted = [(m.of, m.id) for g in result.groups for m in g.members if m.of is not None]
    if not wanted:
        return {}
    batch = list(articles)
    position = {article.id: k for k, article in enumerate(batch)}
    missing = sorted({i for pair in wanted for i in pair} - set(position))
    if missing:
        raise DedupError(f"copy_diffs: article {missing[0]!r} of the result is not in the batch")
    diffs = diffs_of_pairs(batch, [(position[a], position[b]) for a, b in wanted], config)
    return dict(zip(wanted, diffs))
