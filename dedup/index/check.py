"""Check new articles against the archive: which archived articles each copies or rewrites.

For each article, on its own (so a verdict never depends on what else is checked with it):
candidates are the archived articles sharing an LSH bucket with it at either grain
(`Store.bucket_members`), their whole-document TF-IDF cosine is taken in the index's word weights
(`dedup.score.DocumentSpace` with the index's document frequencies), and each pair is judged by
`dedup.align.relate`, the one relation judgement of the package. From the relations follow the
verdict (the strongest relation, or ``new``), the earliest archived source, the story's versions
(earlier articles of the same source it is a near-duplicate or rewrite of) and, against archived
wire copy, the derivation `dedup.pipelines.flag.flag_articles` gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dedup.align import needs_alignment, relate, unaligned_pair
from dedup.background import unweighed_stems
from dedup.config import DedupConfig
from dedup.dates import published_moment
from dedup.errors import ConfigError
from dedup.flag import ArticleFlag
from dedup.index.sketch import document_frequencies_with, sketch_documents, stand_in_document, term_counts
from dedup.index.store import ArchivedArticle, Store
from dedup.model import COPY_RELATIONS, RELATIONS, Article, Document, ScoredPair
from dedup.pipelines.flag import flag_articles
from dedup.score import DocumentFrequencies, DocumentSpace, RatioCache
from dedup.text import TextCache, nothing_to_compare, prepare

VERSION_RELATIONS = frozenset({"near-duplicate", "rewrite"})
"""Relations to an earlier article of the same source that make an article a new version of it."""


@dataclass(frozen=True)
class CheckConfig:
    """Parameters of a check beyond those of the pair judgement (`DedupConfig`)."""

    # Archived articles sharing most buckets with an article that are scored. On 1,500 generated
    # articles (1,050 archived, 450 checked) an article shares a bucket with 150 archived ones at
    # the median (450 at the 99th percentile), nearly all through one story term; every copy or
    # rewrite shared 3 or more of the 64 buckets and ranked among its article's first 9.
    max_candidates: int = 50
    # Fewest buckets (of both grains) a candidate must share: one story term in common is the
    # same topic at most, never a copy (see above), and scoring them all made a check 6x slower.
    min_shared_buckets: int = 2
    # Archived wire stories sharing most buckets with an article that `dedup.pipelines.flag.flag_articles`
    # judges it against (sharing one bucket is enough: a paper may take a passage of a long wire
    # story); flag itself aligns the 5 best of them.
    max_wire: int = 20

    def __post_init__(self) -> None:
        for name in ("max_candidates", "min_shared_buckets", "max_wire"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")


@dataclass(frozen=True)
class ArchivedMatch:
    """An archived article a checked article is a copy or rewrite of, and the pair's figures
    (`shared` and `rewritten` are the checked article's shares)."""

    id: str
    relation: str
    cosine: float
    shared: float
    rewritten: float
    source: str | None
    published: str | None
    title: str | None
    wire: bool


@dataclass(frozen=True)
class WireDerivation:
    """How the checked article derives from the archive's wire copy, as `dedup flag` says it."""

    derivation: str
    flag: ArticleFlag | None
    """The flag of `dedup.pipelines.flag.flag_articles` against the wire stories found; None when no
    archived wire story shares a bucket with the article (it is then ``non-derived``)."""


@dataclass(frozen=True)
class CheckVerdict:
    """The outcome for one checked article.

    `verdict` is its strongest relation to an archived article (duplicate, near-duplicate,
    rewrite) or ``new``; `matches` those archived articles, strongest first; `earliest` the id of
    the earliest of them (by `published`, undated last); `version_of` the latest earlier article
    of the same source it is a near-duplicate or rewrite of, and `versions` that story's chain of
    versions, oldest first, ending with this article; `derivation` against archived wire copy
    (None when the index holds none).
    """

    id: str
    verdict: str
    matches: tuple[ArchivedMatch, ...]
    earliest: str | None
    version_of: str | None
    versions: tuple[str, ...]
    derivation: WireDerivation | None
    source: str | None = None
    published: str | None = None
    title: str | None = None
    in_index: bool = False
    """The index already holds an article with this id (it is never compared with itself)."""
    archived_text_differs: bool = False
    """The index holds this id with another text (an earlier version, or another article under a
    reused id): `Index.add` will not replace it, and it is not compared with this one."""
    nothing_to_compare: bool = False
    """The article holds no content word to compare (`dedup.text.NOTHING_TO_COMPARE`): no archived
    article can match it by its words."""


def check_article(
    store: Store,
    article: Article,
    config: DedupConfig,
    check_config: CheckConfig,
    *,
    has_wire: bool,
    cache: TextCache | None = None,
    ratios: RatioCache | None = None,
) -> CheckVerdict:
    """The `CheckVerdict` of one article against the archive in `store`; `cache` and `ratios` are
    those of the run that checks it (else the call makes its own)."""
    cache = TextCache() if cache is None else cache
    ratios = RatioCache() if ratios is None else ratios
    document = prepare(article, cache=cache)
    n_archived = store.document_count()
    terms, _ = term_counts(document)
    frequencies = document_frequencies_with(store.frequencies(terms), n_archived, [document])
    sketch = sketch_documents([document], frequencies, config.candidates, config.seed, archived=False)[0]
    shared = store.bucket_members(sketch.keys, config.candidates.max_bucket)
    eligible = [row for row, count in shared.items() if count >= check_config.min_shared_buckets]
    ranked = sorted(eligible, key=lambda row: (-shared[row], row))[: check_config.max_candidates]
    archived_text = store.texts_of([article.id]).get(article.id)
    candidates = [item for item in store.load(ranked, with_text=False) if item.article.id != article.id]
    pairs = _scored(store, document, candidates, frequencies, config, cache, ratios)
    matches = sorted(
        (_match(item, pair) for item, pair in zip(candidates, pairs) if pair.relation in COPY_RELATIONS),
        key=lambda m: (RELATIONS.index(m.relation), -m.cosine, m.id),
    )
    timed = {item.article.id: item for item in candidates}
    earliest = min(matches, key=lambda m: _time_key(timed[m.id]), default=None)
    version_of, versions = _versions(article, matches, timed)
    derivation = None
    if has_wire:
        wire_rows = store.wire_rows(list(shared))
        wire = sorted(wire_rows, key=lambda row: (-shared[row], row))[: check_config.max_wire]
        derivation = _derivation(store, article, wire, config)
    verdict = matches[0].relation if matches else "new"
    return CheckVerdict(
        article.id,
        verdict,
        tuple(matches),
        earliest.id if earliest else None,
        version_of,
        versions,
        derivation,
        article.source,
        article.published,
        article.title,
        archived_text is not None,
        archived_text is not None and archived_text != article.text,
        nothing_to_compare(document.sentences),
    )


def _scored(
    store: Store,
    document: Document,
    candidates: Sequence[ArchivedArticle],
    frequencies: DocumentFrequencies,
    config: DedupConfig,
    cache: TextCache,
    ratios: RatioCache,
) -> list[ScoredPair]:
    """`relate` of each (archived, checked) pair, archived article as side a; pairs below the
    alignment cosine are settled by it without loading the archived text, as the batch run does."""
    if not candidates:
        return []
    stand_ins = [stand_in_document(item.article.id, item.terms, item.counts) for item in candidates]
    query_terms, query_counts = term_counts(document)
    documents = [stand_in_document(document.id, query_terms, query_counts), *stand_ins]
    # The background table weighs most stems; the index's frequencies are needed for the others only.
    vocabulary = sorted({term for item in candidates for term in item.terms} - set(frequencies.counts))
    unweighed = unweighed_stems(vocabulary)
    counts = dict(frequencies.counts)
    counts.update(store.frequencies(unweighed))
    space = DocumentSpace(documents, frequencies=DocumentFrequencies(counts, frequencies.n_documents))
    pairs = np.column_stack((np.arange(1, len(documents)), np.zeros(len(candidates), dtype=np.int64)))
    cosines = space.cosine(pairs)
    wordless = space.matrix.getnnz(axis=1) == 0
    aligned = needs_alignment(cosines, wordless[1:], np.full(len(candidates), wordless[0]), config.relation)
    texts = {item.row: item for item in store.load([c.row for c, a in zip(candidates, aligned) if a])}
    scored = []
    for k, item in enumerate(candidates):
        cosine = float(cosines[k])
        if not aligned[k] or item.row not in texts:
            scored.append(unaligned_pair(0, 1, cosine))
            continue
        pair, _ = relate(
            0,
            1,
            prepare(texts[item.row].article, cache=cache),
            document,
            cosine,
            score_config=config.score,
            relation_config=config.relation,
            ratios=ratios,
        )
        scored.append(pair)
    return scored


def _match(item: ArchivedArticle, pair: ScoredPair) -> ArchivedMatch:
    article = item.article
    return ArchivedMatch(
        article.id,
        pair.relation,
        round(pair.cosine, 4),
        round(pair.shared_b, 4),
        round(pair.rewritten_b, 4),
        article.source,
        article.published,
        article.title,
        item.wire,
    )


def _time_key(item: ArchivedArticle) -> tuple:
    """Earliest first by `published`, undated after every dated one, then by when added, then id."""
    return (item.published_at is None, item.published_at or 0.0, item.added_at, item.article.id)


def _same_source(a: str | None, b: str | None) -> bool:
    return bool(a and b and a.strip().casefold() == b.strip().casefold())


def _versions(
    article: Article, matches: Sequence[ArchivedMatch], timed: dict[str, ArchivedArticle]
) -> tuple[str | None, tuple[str, ...]]:
    """The article it is a new version of and the chain of versions (see `CheckVerdict`).

    Earlier versions are the archived articles of its source that it copies or rewrites and that
    were published before it (or, when either is undated, added before it was checked); it is a new
    version when at least one of them is a near-duplicate or rewrite (a duplicate is a resend).
    """
    moment = published_moment(article.published)
    now = None if moment is None else moment.timestamp()
    earlier = [
        m
        for m in matches
        if _same_source(m.source, article.source)
        and (now is None or timed[m.id].published_at is None or timed[m.id].published_at < now)
    ]
    if not any(m.relation in VERSION_RELATIONS for m in earlier):
        return None, ()
    chain = sorted(earlier, key=lambda m: _time_key(timed[m.id]))
    return chain[-1].id, tuple(m.id for m in chain) + (article.id,)


def _derivation(store: Store, article: Article, wire: Sequence[int], config: DedupConfig) -> WireDerivation:
    """`dedup.pipelines.flag.flag_articles` of the article against the archived wire stories (rows `wire`)
    that share a bucket with it; ``non-derived`` when none does."""
    stories = [item.article for item in store.load(list(wire)) if item.article.id != article.id]
    if not stories:
        return WireDerivation("non-derived", None)
    result = flag_articles([article], wire=stories, config=config.flag, score=config.score, seed=config.seed)
    flag = result.flags[0]
    return WireDerivation(flag.derivation, flag)
