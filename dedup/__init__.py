"""dedup: near-duplicate and paraphrase detection for news wire copies.

Public API: `cluster` groups a batch into stories and copy groups; the result dataclasses live in
`dedup.model`; every parameter lives in `DedupConfig`.
"""

from __future__ import annotations

from collections.abc import Iterable

from dedup.config import CandidateConfig, DedupConfig
from dedup.errors import DedupError
from dedup.model import (
    Alignment,
    Article,
    CandidatePair,
    ClusterResult,
    CopyGroup,
    Member,
    ScoredPair,
    SentenceLink,
)

__version__ = "0.1.0"

__all__ = [
    "Alignment",
    "Article",
    "CandidateConfig",
    "CandidatePair",
    "ClusterResult",
    "CopyGroup",
    "DedupConfig",
    "DedupError",
    "Member",
    "ScoredPair",
    "SentenceLink",
    "cluster",
    "__version__",
]


def cluster(articles: Iterable[Article], *, config: DedupConfig | None = None, progress=None) -> ClusterResult:
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
    """
    from dedup.engine.local import run_cluster

    batch = list(articles)
    seen: dict[str, str] = {}
    for article in batch:
        if not isinstance(article, Article):
            raise DedupError(f"cluster() takes Article objects, got {type(article).__name__}")
        if article.id in seen:
            raise DedupError(
                f"{article.origin or article.id}: duplicate id {article.id!r} (first seen at {seen[article.id]})"
            )
        seen[article.id] = article.origin or article.id
    return run_cluster(batch, config or DedupConfig(), progress or (lambda stage, advance: None))
