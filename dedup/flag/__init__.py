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

Stages, each a function over plain data so that an engine can map them later:
features (prepare, passage signatures, stems) -> candidates (LSH across the two sets, cosine,
top-k) -> judge (align, per-sentence classes, coverage, derivation).
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from dedup.align import NEAR_COPY_SIMILARITY, align, quotes_taken_over
from dedup.arrays import unique_sorted
from dedup.dates import published_moment, published_problem
from dedup.errors import ConfigError, DedupError
from dedup.minhash import MinHasher, row_keys
from dedup.model import Alignment, Article, Document, Sentence
from dedup.progress import PREPARE, SCORE, Progress, no_progress
from dedup.score import DocumentSpace, ScoreConfig, pair_space, top_terms
from dedup.shingles import shingle_hashes, token_hash32
from dedup.text import prepare
from dedup.validate import checked_articles
from dedup.version import __version__

DERIVATIONS = ("wholly-derived", "partially-derived", "non-derived")
"""METER's derivation labels, strongest first."""

DERIVED_CLASSES = ("verbatim", "edited", "rewritten")
"""Sentence classes that count as taken from wire; a shared quotation (``quote``) is counted apart."""

"""Called as progress(stage, n_done_increment); the CLI turns it into a progress bar."""

# Articles whose alignments are built together: bounds the prepared documents held at once (a
# prepared document takes about 15 times its text in memory) without a fixed cost per article.
_ALIGN_CHUNK = 256
# Candidate pairs whose cosine is computed at once (sparse row products; about 30 MB at 300 terms a document).
_COSINE_CHUNK = 100_000
# Documents whose passage signatures are computed at once (bounds the shingle arrays in memory).
_SIGNATURE_CHUNK = 2_000
_CLASS_STRENGTH = {"verbatim": 3, "edited": 2, "rewritten": 1, "quote": 0}


@dataclass(frozen=True)
class FlagConfig:
    """Every parameter of `flag_articles`: candidate search, cheap filter, and the class boundaries.

    Candidate search parameters were set from LSH collision curves (``1 - (1 - J**rows)**bands``)
    and checked on the benchmark corpus and PAN; the class boundaries on examples/seeds, fixtures
    built from real sentences in known proportions, and PAN (see each comment).
    """

    # --- copy grain: MinHash of word 5-gram shingles over passages (windows of words), so that a
    # copied passage inside a long article is found: whole-document Jaccard of a 30% excerpt is
    # under 0.2, which document-level LSH misses. Wire windows do not overlap, article windows
    # overlap by half, so an article window inside a copied passage overlaps some wire window by at
    # least three quarters (5-gram Jaccard about 0.55 for an exact copy).
    shingle_size: int = 5
    passage_words: int = 50
    # 16 bands of 2 rows (32 permutations): a passage pair at Jaccard 0.55 collides with
    # probability 0.99, at 0.3 (a copy with an edit every ten words) 0.78, at 0.1 0.15.
    passage_bands: int = 16
    passage_rows: int = 2
    # --- story grain: each document's most distinctive content terms, as in `dedup cluster`;
    # rewrites share their story's terms while sharing almost no 5-grams (seeds 000/001: 0.01).
    # 64 bands of 2 rows: term Jaccard 0.14 collides with probability 0.72, 0.2 with 0.93.
    story_terms: int = 32
    story_bands: int = 64
    story_rows: int = 2
    # A bucket holding more wire documents than this is boilerplate (a stock paragraph, a term
    # every story has); it gives no candidates, so the candidate count stays linear. Within one set
    # (`CandidateConfig.max_bucket`) such a bucket becomes a star instead; across two sets a star
    # would make its first wire story a source of every article in the bucket.
    max_wire_bucket: int = 200
    # --- cheap filter before alignment, the expensive step.
    # Candidates below this whole-document TF-IDF cosine are not aligned unless a passage matched
    # (RelationConfig.align_min_cosine: a 3-sentence excerpt of a 30-sentence story scores about 0.3).
    min_cosine: float = 0.10
    # ... a passage pair whose signatures agree on this share of slots (estimated 5-gram Jaccard)
    # is a copied passage, aligned whatever the document cosine (PAN: a 500-word copied passage in
    # a 3,000-word document). Unrelated passages agree on about 0.05 (standard error 0.04 at 32
    # slots); two stories retold from one source share almost no 5-grams.
    min_passage_agreement: float = 0.3
    # At most this many wire stories by the larger of cosine and passage agreement, and this many
    # by passage agreement, are aligned with an article: one rarely draws on more than two or three.
    top_k: int = 5
    # --- class boundaries (see `derivation_of`), set on METER dev (19 days of PA wire copy and the
    # newspaper stories written from it, labelled by people): every constant below was chosen by
    # leave-one-day-out cross-validation of macro-F1 over the three labels (`benchmarks/calibrate_flag.py`).
    # Word n-grams of `phrase_containment`: leave-one-day-out macro-F1 with 2-, 3-, 4-, 5-grams
    # 0.594, 0.590, 0.564, 0.555 (derived-or-not 0.796, 0.808, 0.784, 0.768; measured before the
    # no-derived-sentence rule of `derivation_of`): 3-grams, the published reference feature, within
    # noise of 2-grams. With that rule, 3-grams: CV macro-F1 0.601, derived-or-not 0.800. The weights
    # and thresholds are those fitted on all 19 days with 3-grams.
    containment_words: int = 3
    derived_weight: float = 0.62
    length_weight: float = 0.20
    partial_score: float = -0.92
    wholly_score: float = -0.16
    # Copied prose sentences that make an article partially derived on their own, however long
    # it is: PAN's copied passages cover a median 3% of their documents (2 sentences: 74% of 200
    # PAN pairs, while 1.2% of 245 same-topic wikiref220 pairs and 1.5% of 196 other-source PAN
    # pairs have as many).
    copied_min_sentences: int = 2
    # ... with at least this many words among them, so that two stock lines ("He declined to
    # comment.") shared by independent reports are not a copied passage.
    copied_min_words: int = 20
    # An edited or rewritten pair this similar counts as copied for that test, and a quotation this
    # similar is copied text when quotations count as copied (`_counted`): the one threshold of
    # `dedup.align.NEAR_COPY_SIMILARITY`, whose comment says how it was set.
    near_copy_similarity: float = NEAR_COPY_SIMILARITY
    # Evidence pairs kept per article, strongest first.
    max_evidence: int = 10

    def __post_init__(self) -> None:
        positive = (
            "shingle_size",
            "passage_words",
            "passage_bands",
            "passage_rows",
            "story_terms",
            "story_bands",
            "story_rows",
            "max_wire_bucket",
            "top_k",
            "containment_words",
            "copied_min_sentences",
            "max_evidence",
        )
        for name in positive:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if isinstance(self.copied_min_words, bool) or not isinstance(self.copied_min_words, int):
            raise ConfigError(f"copied_min_words must be an integer, got {self.copied_min_words!r}")
        for name in (
            "min_cosine",
            "min_passage_agreement",
            "near_copy_similarity",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"{name} must be between 0 and 1, got {value!r}")
        for name in ("derived_weight", "length_weight", "partial_score", "wholly_score"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ConfigError(f"{name} must be a finite number, got {value!r}")
        if self.partial_score > self.wholly_score:
            msg = f"partial_score ({self.partial_score}) must not exceed wholly_score ({self.wholly_score})"
            raise ConfigError(msg)
        if self.passage_words < self.shingle_size:
            raise ConfigError(
                f"passage_words must be at least shingle_size ({self.shingle_size}), got {self.passage_words}"
            )

    def as_dict(self) -> dict:
        """Plain nested dict of every parameter, for reports."""
        return dataclasses.asdict(self)


# --- results ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Shares:
    """Share of an article (of its sentences, or of its characters) in each derived class."""

    verbatim: float
    edited: float
    rewritten: float

    @property
    def copied(self) -> float:
        """Verbatim and edited together: text taken over word for word, or nearly."""
        return self.verbatim + self.edited

    @property
    def derived(self) -> float:
        """Everything taken from wire: copied and rewritten."""
        return self.verbatim + self.edited + self.rewritten


@dataclass(frozen=True)
class SharedQuotes:
    """Quotations the article shares with wire, counted apart: evidence of one story, not of copying.

    `copied_sentences` and `copied_characters` are the quotations counted as copied text instead
    (taken over from the wire, `judge`): they are part of the verbatim and edited shares, not of
    `sentences` and `characters`, and they do not move the derivation (`derivation_of`).
    """

    sentences: int
    characters: float
    copied_sentences: int = 0
    copied_characters: float = 0.0


@dataclass(frozen=True)
class Source:
    """A wire story (or, without a wire set, an earlier article) an article draws on.

    `derived` is the share of the article's characters credited to this source (each sentence to
    one source only); `cosine` the whole-document TF-IDF cosine of the two.
    """

    id: str
    derived: float
    cosine: float


@dataclass(frozen=True)
class Evidence:
    """One aligned sentence pair behind a flag: article sentence, wire sentence, class, similarity.

    Indices are sentence positions in each prepared text; a link may join one sentence to two
    (a split or merge), in which case the texts are joined with a space.
    """

    article_index: int
    article_sentence: str
    source: str
    source_index: int
    source_sentence: str
    kind: str
    similarity: float


@dataclass(frozen=True)
class ArticleFlag:
    """The verdict on one input article, with what it rests on.

    `sentences` and `characters` give the share of the article's sentences and of its characters
    in each derived class, from its sources; for a non-derived article, from the wire stories that
    came closest (aligned, but below the derivation boundaries). `quotes` are counted apart.
    """

    id: str
    derivation: str
    sources: tuple[Source, ...]
    sentences: Shares
    characters: Shares
    quotes: SharedQuotes
    evidence: tuple[Evidence, ...]
    sentence_count: int
    containment: float = 0.0
    """Share of the article's word 3-grams found in the wire stories aligned with it (`phrase_containment`)."""
    score: float = 0.0
    """The `derivation_score` its label was read from (see `FlagConfig.partial_score` and `wholly_score`)."""
    evidence_total: int = 0
    """Aligned sentence pairs in all, of which `evidence` holds the `FlagConfig.max_evidence` strongest."""


@dataclass(frozen=True)
class FlagResult:
    """The outcome of `flag_articles`: one flag per input article, in input order.

    `mode` is ``wire`` (compared with a wire set) or ``batch`` (sources found inside the batch);
    `order` says how a batch was put in time order: ``published``, ``input`` (no article dated) or
    ``published+undated`` (undated articles compared with every dated one, never a source); it is
    ``none`` in wire mode.
    """

    flags: tuple[ArticleFlag, ...]
    mode: str
    order: str
    wire_count: int
    config: dict = field(default_factory=dict)
    version: str = ""
    warnings: tuple[str, ...] = ()
    """What a caller should tell the user: a `published` that is not a date (batch mode; the article is
    taken as undated), an article that is also in the wire set (never its own source)."""


# --- public entry point ----------------------------------------------------------------------
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
    article_features = document_features(
        batch, config, stride=config.passage_words // 2 or 1, seed=seed, progress=report
    )
    wire_features = (
        article_features
        if wire is None
        else document_features(stories, config, stride=config.passage_words, seed=seed, progress=report)
    )
    candidates = select_candidates(article_features, wire_features, config, seed=seed, ranks=ranks)
    report("candidates", len(batch))
    selves = _same_articles(batch, stories) if wire is not None else {}
    flags = judge_all(
        batch, stories, candidates, config, score=score, ranks=ranks, progress=report, selves=selves
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
    batch = list(checked_articles(articles, what))
    seen: dict[str, str] = {}
    for article in batch:
        if not isinstance(article, Article):
            raise DedupError(f"flag: each {what} must be an Article, got {type(article).__name__}")
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


# --- stage 1: features -----------------------------------------------------------------------
@dataclass(frozen=True)
class Features:
    """What candidate search needs of a set of documents, without holding the documents.

    `passage_signatures` has one row per passage, `passage_owner` the document of each row;
    `stems` each document's content stems (interned strings), for the TF-IDF space.
    """

    passage_signatures: np.ndarray
    passage_owner: np.ndarray
    stems: list[tuple[str, ...]]


def document_features(
    articles: Sequence[Article], config: FlagConfig, *, stride: int, seed: int, progress: Progress = no_progress
) -> Features:
    """Prepare each article once and keep only its passage signatures and content stems.

    Passages are windows of `config.passage_words` words every `stride` words (the last window
    ends with the text), so a copied passage is found inside a longer text.
    """
    hasher = MinHasher(num_perm=config.passage_bands * config.passage_rows, seed=seed)
    interned: dict[str, str] = {}
    signatures, owners, stems = [], [], []
    windows: list[np.ndarray] = []
    window_owner: list[int] = []
    for index, article in enumerate(articles):
        document = prepare(article)
        tokens = [w for s in document.sentences for w in s.words]
        stems.append(tuple(interned.setdefault(t, t) for s in document.sentences for t in s.stems))
        if tokens:
            hashes = shingle_hashes(tokens, config.shingle_size)
            span = max(1, config.passage_words - config.shingle_size + 1)
            for start in window_starts(len(hashes), span, stride):
                windows.append(hashes[start : start + span])
                window_owner.append(index)
        if (index + 1) % _SIGNATURE_CHUNK == 0:
            _flush_signatures(hasher, windows, window_owner, signatures, owners)
        progress(PREPARE, 1)
    _flush_signatures(hasher, windows, window_owner, signatures, owners)
    num_perm = config.passage_bands * config.passage_rows
    return Features(
        np.concatenate(signatures) if signatures else np.zeros((0, num_perm), dtype=np.uint32),
        np.concatenate(owners) if owners else np.zeros(0, dtype=np.int64),
        stems,
    )


def _flush_signatures(hasher, windows, window_owner, signatures, owners) -> None:
    if windows:
        signatures.append(hasher.signatures(windows))
        owners.append(np.asarray(window_owner, dtype=np.int64))
    windows.clear()
    window_owner.clear()


def window_starts(length: int, width: int, stride: int) -> list[int]:
    """Start positions of windows of `width` over `length` items, every `stride`, the last ending at the end."""
    if length <= width:
        return [0]
    starts = list(range(0, length - width + 1, stride))
    if starts[-1] != length - width:
        starts.append(length - width)
    return starts


# --- stage 2: candidates ---------------------------------------------------------------------
@dataclass(frozen=True)
class Candidates:
    """Article-wire pairs to align, at most 2 `top_k` an article, best first within each article.

    Parallel arrays: article and wire indices, whole-document cosine, and the best passage
    agreement (share of equal signature slots of the best matching passage pair; 0 if none).
    """

    article: np.ndarray
    wire: np.ndarray
    cosine: np.ndarray
    passage: np.ndarray
    space: DocumentSpace
    wire_offset: int

    def cosine_of(self, article: int, wire: int) -> float:
        """Whole-document cosine of any article-wire pair, candidate or not."""
        return float(self.space.cosine(np.array([[article, self.wire_offset + wire]]))[0])


def select_candidates(
    articles: Features, wire: Features, config: FlagConfig, *, seed: int, ranks: np.ndarray | None = None
) -> Candidates:
    """Find each article's wire candidates by LSH at two grains, score them by cosine, keep the top k.

    The wire signatures are the index and the articles query it, band by band, so the work grows
    with the pairs that share a bucket, never with all pairs. With `ranks` (in-batch mode, where
    the two sets are one) only earlier documents are candidates.
    """
    same_set = articles is wire
    n_articles, n_wire = len(articles.stems), len(wire.stems)
    space = DocumentSpace(_stem_documents(articles.stems if same_set else articles.stems + wire.stems))
    wire_offset = 0 if same_set else n_articles

    # Copy grain: passage pairs sharing a bucket, reduced to the best passage agreement per document pair.
    query, index = cross_bucket_pairs(
        articles.passage_signatures,
        wire.passage_signatures,
        bands=config.passage_bands,
        rows=config.passage_rows,
        max_bucket=config.max_wire_bucket,
    )
    agreement = _agreement(articles.passage_signatures, wire.passage_signatures, query, index)
    passage_codes = articles.passage_owner[query] * n_wire + wire.passage_owner[index]
    passage_codes, best_agreement = _max_by_code(passage_codes, agreement)

    # Story grain: documents sharing their distinctive terms.
    terms = story_terms(space, config.story_terms, n_articles, same_set)
    term_hashes = np.array([token_hash32(term) for term in space.vocabulary], dtype=np.uint32)
    story_hasher = MinHasher(num_perm=config.story_bands * config.story_rows, seed=seed)
    term_signatures = story_hasher.signatures([term_hashes[columns] for columns in terms])
    nonempty = np.array([len(columns) > 0 for columns in terms], dtype=bool)
    article_rows = np.flatnonzero(nonempty[:n_articles])
    wire_rows = np.flatnonzero(nonempty[wire_offset : wire_offset + n_wire])
    query, index = cross_bucket_pairs(
        term_signatures[article_rows],
        term_signatures[wire_offset + wire_rows],
        bands=config.story_bands,
        rows=config.story_rows,
        max_bucket=config.max_wire_bucket,
    )
    story_codes = article_rows[query] * n_wire + wire_rows[index]

    codes = np.union1d(passage_codes, story_codes)
    article_index, wire_index = np.divmod(codes, np.int64(n_wire))
    keep = np.ones(len(codes), dtype=bool)
    if same_set:
        keep = ranks[wire_index] < ranks[article_index]
    article_index, wire_index, codes = article_index[keep], wire_index[keep], codes[keep]
    passage = np.zeros(len(codes), dtype=np.float32)
    found = np.searchsorted(passage_codes, codes)
    found = np.minimum(found, max(len(passage_codes) - 1, 0))
    if len(passage_codes):
        hit = passage_codes[found] == codes
        passage[hit] = best_agreement[found[hit]]
    cosine = np.empty(len(codes), dtype=np.float32)
    for start in range(0, len(codes), _COSINE_CHUNK):
        stop = start + _COSINE_CHUNK
        pairs = np.column_stack((article_index[start:stop], wire_offset + wire_index[start:stop]))
        cosine[start:stop] = space.cosine(pairs)
    # The top k by the larger of cosine and passage agreement, and the top k by passage agreement:
    # a day's many same-topic wire stories can outrank, by cosine, a story an article copied a
    # third of, but not by passage agreement.
    passes = (cosine >= config.min_cosine) | (passage >= config.min_passage_agreement)
    priority = np.where(passes, np.maximum(cosine, passage), -1.0)
    keep = _top_per_group(article_index, priority, wire_index, 0.0, config.top_k)
    keep |= _top_per_group(article_index, passage, wire_index, config.min_passage_agreement, config.top_k)
    article_index, wire_index, cosine, passage = (a[keep] for a in (article_index, wire_index, cosine, passage))
    order = np.lexsort((wire_index, -np.maximum(cosine, passage), article_index))
    article_index, wire_index, cosine, passage = (a[order] for a in (article_index, wire_index, cosine, passage))
    return Candidates(article_index, wire_index, cosine, passage, space, wire_offset)


def _top_per_group(groups: np.ndarray, scores: np.ndarray, ties: np.ndarray, floor: float, count: int) -> np.ndarray:
    """Mask of the `count` highest `scores` at or above `floor` within each group (ties by `ties`)."""
    keep = np.zeros(len(groups), dtype=bool)
    eligible = np.flatnonzero(scores >= floor)
    order = eligible[np.lexsort((ties[eligible], -scores[eligible], groups[eligible]))]
    sorted_groups = groups[order]
    rank = np.arange(len(order)) - np.searchsorted(sorted_groups, sorted_groups, side="left")
    keep[order[rank < count]] = True
    return keep


def _stem_documents(stems: Sequence[tuple[str, ...]]) -> list[Document]:
    """Stand-in documents for `DocumentSpace`, which reads only the sentences' stems: one
    pseudo-sentence of all a document's stems each, so the prepared texts need not be kept."""
    empty = Article(id="", text="")
    return [
        Document(empty, "", (Sentence(0, "", 0, 0, 0.0, (), terms),)) if terms else Document(empty, "", ())
        for terms in stems
    ]


def story_terms(space: DocumentSpace, count: int, n_articles: int, same_set: bool) -> list[np.ndarray]:
    """Each document's `count` highest-weighted TF-IDF terms among those that can make a pair
    (`dedup.score.top_terms`, as `dedup cluster` picks them): across two sets a term makes a pair
    only if it is found on both sides (in an article and in a wire story), in one batch only if two
    documents hold it. Rows ``[0, n_articles)`` of the space are the articles, the rest the wire stories.
    """
    matrix = space.matrix
    if same_set:
        usable = np.bincount(matrix.indices, minlength=matrix.shape[1]) >= 2
    else:
        split = matrix.indptr[n_articles]
        in_articles = np.bincount(matrix.indices[:split], minlength=matrix.shape[1]) > 0
        in_wire = np.bincount(matrix.indices[split:], minlength=matrix.shape[1]) > 0
        usable = in_articles & in_wire
    return top_terms(matrix, count, usable)


def cross_bucket_pairs(
    query_signatures: np.ndarray, index_signatures: np.ndarray, *, bands: int, rows: int, max_bucket: int
) -> tuple[np.ndarray, np.ndarray]:
    """(query row, index row) pairs that share an LSH bucket in at least one band, each pair once.

    The banding of `dedup.minhash.lsh_candidate_pairs`, but across two sets: the index rows of each
    band are sorted by key and every query row looks its key up, so pairs inside either set are
    never formed. A bucket with more than `max_bucket` index rows gives no pairs (boilerplate).
    """
    empty = np.zeros(0, dtype=np.int64)
    if len(query_signatures) == 0 or len(index_signatures) == 0:
        return empty, empty
    n_index = np.int64(len(index_signatures))
    # Merged band by band: what is held is the pairs found so far, once each, never every band's
    # pairs at once (20,000 one-word articles share buckets in every band).
    codes = np.zeros(0, dtype=np.int64)
    for band in range(bands):
        columns = slice(band * rows, (band + 1) * rows)
        index_keys = row_keys(index_signatures[:, columns])
        query_keys = row_keys(query_signatures[:, columns])
        order = np.argsort(index_keys, kind="stable")
        sorted_keys = index_keys[order]
        lo = np.searchsorted(sorted_keys, query_keys, side="left")
        hi = np.searchsorted(sorted_keys, query_keys, side="right")
        sizes = hi - lo
        sizes[sizes > max_bucket] = 0
        if not sizes.any():
            continue
        query_rows = np.repeat(np.arange(len(query_keys), dtype=np.int64), sizes)
        first = np.repeat(lo - (np.cumsum(sizes) - sizes), sizes)
        index_rows = order[first + np.arange(len(query_rows))]
        band_codes = unique_sorted(query_rows * n_index + index_rows)
        del query_rows, first, index_rows
        codes = band_codes if not len(codes) else unique_sorted(np.concatenate((codes, band_codes)))
    if not len(codes):
        return empty, empty
    return np.divmod(codes, n_index)


def _agreement(query_signatures, index_signatures, query, index) -> np.ndarray:
    """Share of equal slots of each (query, index) signature pair: the MinHash Jaccard estimate."""
    agreement = np.empty(len(query), dtype=np.float32)
    for start in range(0, len(query), _COSINE_CHUNK):
        stop = start + _COSINE_CHUNK
        equal = query_signatures[query[start:stop]] == index_signatures[index[start:stop]]
        agreement[start:stop] = equal.mean(axis=1)
    return agreement


def _max_by_code(codes: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique codes (sorted) and the largest value of each."""
    if len(codes) == 0:
        return codes.astype(np.int64), values
    order = np.argsort(codes, kind="stable")
    codes, values = codes[order], values[order]
    starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    return codes[starts], np.maximum.reduceat(values, starts)


# --- stage 3: judge --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Link:
    """What one candidate says of one article sentence: its class, similarity and wire sentences."""

    kind: str
    similarity: float
    wire: tuple[int, ...]
    quoted: bool = False
    # For a quoted article sentence: the words of both sides are the same (a quotation taken over
    # word for word, which the alignment labels `quote` like any shared quotation).
    same_words: bool = False
    # Set by `_counted`: a quotation counted as copied text (verbatim or edited).
    copied_quotation: bool = False


def judge_all(
    articles: Sequence[Article],
    stories: Sequence[Article],
    candidates: Candidates,
    config: FlagConfig,
    *,
    score: ScoreConfig,
    ranks: np.ndarray | None = None,
    progress: Progress = no_progress,
    selves: Mapping[int, set[int]] | None = None,
) -> list[ArticleFlag]:
    """Align each article with its candidates and judge it, in chunks of prepared documents.
    `selves` names, per article, the wire stories that are the article itself: never candidates.

    In-batch mode (`ranks` given) works in time order and follows chains: when an earlier
    candidate has itself been judged derived, its sources are aligned too, so that a copy of a
    copy is traced to the earliest article it derives from.
    """
    same_set = ranks is not None
    rows_of: dict[int, list[int]] = {}
    for row, article in enumerate(candidates.article.tolist()):
        rows_of.setdefault(article, []).append(row)
    sequence = np.lexsort((np.arange(len(articles)), ranks)).tolist() if same_set else list(range(len(articles)))
    flags: dict[int, ArticleFlag] = {}
    sources_of: dict[int, list[int]] = {}
    repeated_texts = {text for text, count in Counter(article.text for article in articles).items() if count > 1}
    aligned = _PairAlignments(score)
    for chunk_start in range(0, len(sequence), _ALIGN_CHUNK):
        documents = _PreparedDocuments(articles, articles if same_set else stories)
        for article_index in sequence[chunk_start : chunk_start + _ALIGN_CHUNK]:
            own = (selves or {}).get(article_index, set())
            rows = [row for row in rows_of.get(article_index, []) if int(candidates.wire[row]) not in own]
            wire_indices = [int(candidates.wire[row]) for row in rows]
            cosines = [float(candidates.cosine[row]) for row in rows]
            if same_set:  # follow each earlier candidate back to its own sources
                for wire_index in list(wire_indices):
                    for source in sources_of.get(wire_index, []):
                        if source not in wire_indices:
                            wire_indices.append(source)
                            cosines.append(candidates.cosine_of(article_index, source))
            article_doc = documents.article(article_index)
            wire_docs = [documents.wire(w) for w in wire_indices]
            alignments = []
            if article_doc.sentences and wire_docs:
                repeated = articles[article_index].text in repeated_texts
                alignments = [aligned(article_doc, wire_doc, repeated) for wire_doc in wire_docs]
            flag, chosen = judge(
                articles[article_index].id,
                article_doc,
                [stories[w].id for w in wire_indices],
                alignments,
                cosines,
                config,
                score_config=score,
                time_order=[float(ranks[w]) for w in wire_indices] if same_set else None,
                containment=phrase_containment(article_doc, wire_docs, config.containment_words),
            )
            flags[article_index] = flag
            sources_of[article_index] = [wire_indices[k] for k in chosen]
            progress(SCORE, 1)
    return [flags[index] for index in range(len(articles))]


def phrase_containment(article: Document, sources: Sequence[Document], n: int) -> float:
    """Share of the article's word `n`-grams (distinct, across sentence ends) found in any of
    `sources`: how much of its wording it shares with them, phrase by phrase, whatever its
    sentences' boundaries (newspapers cut, join and trim wire sentences as they take them over)."""
    grams = shingle_hashes([w for sentence in article.sentences for w in sentence.words], n)
    if not len(grams) or not sources:
        return 0.0
    found = np.concatenate(
        [shingle_hashes([w for sentence in doc.sentences for w in sentence.words], n) for doc in sources]
    )
    grams = unique_sorted(grams)
    return float(np.isin(grams, found).sum() / len(grams))


class _PairAlignments:
    """`align` of an article and a wire document in the pair's own space, each pair of bodies
    aligned once when asked to remember it: for an article whose text the batch repeats (copies
    of one wire story; 20,000 one-word articles), whose alignments with the same wire texts would
    otherwise be computed again for every copy. An alignment depends on the two bodies alone; a
    remembered one is given under the asking documents' ids."""

    # Remembered alignments at most: past it the memory starts again, so that a batch of many
    # repeated texts holds a bounded number of alignments.
    LIMIT = 20_000

    def __init__(self, config: ScoreConfig) -> None:
        self._config = config
        self._known: dict[tuple[str, str], Alignment] = {}

    def __call__(self, article: Document, wire: Document, remember: bool) -> Alignment:
        if not remember:
            return align(article, wire, pair_space(article, wire), config=self._config)
        key = (article.body, wire.body)
        known = self._known.get(key)
        if known is None:
            if len(self._known) >= self.LIMIT:
                self._known.clear()
            known = self._known[key] = align(article, wire, pair_space(article, wire), config=self._config)
        if (known.a_id, known.b_id) != (article.id, wire.id):
            known = dataclasses.replace(known, a_id=article.id, b_id=wire.id)
        return known


class _PreparedDocuments:
    """Articles and wire stories prepared on first use, under ids that cannot collide in a
    `SentenceSpace` (an article may share its id with a wire story)."""

    def __init__(self, articles: Sequence[Article], stories: Sequence[Article]) -> None:
        self._sides = {"a": articles, "w": stories}
        self._same_set = articles is stories
        self._prepared: dict[tuple[str, int], Document] = {}

    def _get(self, side: str, index: int) -> Document:
        key = ("a" if self._same_set else side, index)
        if key not in self._prepared:
            original = self._sides[key[0]][index]
            self._prepared[key] = prepare(dataclasses.replace(original, id=f"{key[0]}{index}"))
        return self._prepared[key]

    def article(self, index: int) -> Document:
        return self._get("a", index)

    def wire(self, index: int) -> Document:
        return self._get("w", index)


def sentence_links(alignment: Alignment, config: ScoreConfig) -> dict[int, _Link]:
    """Each aligned article sentence (side A of `alignment`) with its class as flagging counts it.

    An article sentence that is mostly quotation is marked `quoted`: two reports quoting one
    statement, even word for word with the same attribution, share the speaker's words, not each
    other's; whether it counts as copied is `judge`'s decision (`_counted`). The reporter's own
    prose retelling a quotation of the wire story keeps its class (rewritten), as
    `dedup.score.sentence_class` has it.
    """
    links: dict[int, _Link] = {}
    for link in alignment.links:
        if not link.a or not link.b:
            continue
        quoted = any(alignment.a_sentences[i].quote_share >= config.quote_share for i in link.a)
        same_words = quoted and [w for i in link.a for w in alignment.a_sentences[i].words] == [
            w for j in link.b for w in alignment.b_sentences[j].words
        ]
        for i in link.a:
            links[i] = _Link(link.kind, float(link.similarity), link.b, quoted, same_words)
    return links


def _counted(link: _Link, quotes_copied: bool, near_copy: float = NEAR_COPY_SIMILARITY) -> _Link:
    """The link as the derivation counts it. A quoted article sentence aligned verbatim or edited
    keeps its class: the source's sentence is prose (two quotations align as `quote`), so the
    article quoted the source's own words. A quotation both sides share is a `quote` unless
    quotations count as copied (`quotes_copied`) and it was taken over word for word (verbatim) or
    at `near_copy` similarity or more (edited)."""
    if not link.quoted or link.kind in ("verbatim", "edited"):
        return link
    if quotes_copied and link.kind == "quote":
        if link.same_words:
            return dataclasses.replace(link, kind="verbatim", copied_quotation=True)
        if link.similarity >= near_copy:
            return dataclasses.replace(link, kind="edited", copied_quotation=True)
    return dataclasses.replace(link, kind="quote")


def judge(
    article_id: str,
    article: Document,
    wire_ids: Sequence[str],
    alignments: Sequence[Alignment],
    cosines: Sequence[float],
    config: FlagConfig,
    *,
    score_config: ScoreConfig,
    time_order: Sequence[float] | None = None,
    containment: float = 0.0,
) -> tuple[ArticleFlag, list[int]]:
    """Label an article from its aligned candidates (and `containment`, its `phrase_containment` in
    them); returns the flag and the positions (in `alignments`) of its sources.

    Each article sentence takes its strongest link over all candidates (by class, then
    similarity; ties go to the earlier candidate by `time_order`, else to the first listed), so an
    article that draws on several versions of a wire story (a first take, an update, a new lead)
    gets each sentence from the version it copied. The sources are the candidates credited with a
    derived sentence, the most credited first.

    Quotations: a quotation taken over from a candidate (word for word, or nearly) counts as copied
    text when the article also takes prose over from it, or neither has prose at all: the rule of
    `dedup.align.quotes_taken_over`, which `cluster` and `diff` apply too. Otherwise two reports of
    one statement would look like copies of each other, and an article of its own that quotes a
    wire story's speaker would look derived from it.
    """
    lengths = [len(s.text) for s in article.sentences]
    total_chars = sum(lengths) or 1
    per_candidate = [sentence_links(al, score_config) for al in alignments]
    order = sorted(range(len(alignments)), key=lambda k: (time_order[k] if time_order is not None else 0.0, k))

    def strongest(quotes_copied_from: set[int]) -> dict[int, tuple[_Link, int]]:
        """Each sentence's strongest link, candidates taken in time order (ties to the earlier)."""
        best: dict[int, tuple[_Link, int]] = {}
        for k in order:
            for i, raw in per_candidate[k].items():
                link = _counted(raw, k in quotes_copied_from, config.near_copy_similarity)
                current = best.get(i)
                if current is None or _strength(link) > _strength(current[0]):
                    best[i] = (link, k)
        return best

    def derived_chars(indices: Iterable[int]) -> float:
        return sum(lengths[i] for i in indices) / total_chars

    best = strongest({k for k in order if quotes_taken_over(alignments[k], quote_share=score_config.quote_share)})
    classes = {i: link for i, (link, _) in best.items()}
    derivation, score = derivation_of(classes, article.sentences, lengths, config, containment=containment)
    credited = {i: k for i, (link, k) in best.items() if link.kind in DERIVED_CLASSES}
    chosen: list[int] = []
    if derivation != "non-derived":
        share = {k: derived_chars(i for i, owner in credited.items() if owner == k) for k in set(credited.values())}
        chosen = sorted(share, key=lambda k: (-share[k], order.index(k)))
    count = len(article.sentences) or 1
    sentence_shares = Shares(
        *(sum(1 for link in classes.values() if link.kind == kind) / count for kind in DERIVED_CLASSES)
    )
    char_shares = Shares(
        *(sum(lengths[i] for i, link in classes.items() if link.kind == kind) / total_chars for kind in DERIVED_CLASSES)
    )
    quote_sentences = [i for i, link in classes.items() if link.kind == "quote"]
    copied_quotations = [i for i, link in classes.items() if link.copied_quotation]
    quotes = SharedQuotes(
        len(quote_sentences), derived_chars(quote_sentences), len(copied_quotations), derived_chars(copied_quotations)
    )
    sources = tuple(
        Source(wire_ids[k], derived_chars(i for i, owner in credited.items() if owner == k), float(cosines[k]))
        for k in chosen
    )
    evidence = sorted(best.items(), key=lambda item: (*_weakness(item[1][0]), item[0]))[: config.max_evidence]
    evidence_pairs = tuple(
        Evidence(
            article_index=i,
            article_sentence=article.sentences[i].text,
            source=wire_ids[k],
            source_index=link.wire[0],
            source_sentence=" ".join(alignments[k].b_sentences[j].text for j in link.wire),
            kind=link.kind,
            similarity=round(link.similarity, 4),
        )
        for i, (link, k) in evidence
    )
    flag = ArticleFlag(
        article_id,
        derivation,
        sources,
        sentence_shares,
        char_shares,
        quotes,
        evidence_pairs,
        len(article.sentences),
        round(containment, 4),
        round(score, 4),
        len(best),
    )
    return flag, chosen


def _strength(link: _Link) -> tuple[int, float]:
    """Class first, then similarity to three decimals: two verbatim links whose float32 cosines
    differ in the last bit are a tie, which the earlier candidate wins."""
    return (_CLASS_STRENGTH[link.kind], round(link.similarity, 3))


def _weakness(link: _Link) -> tuple[int, float]:
    return (-_CLASS_STRENGTH[link.kind], -link.similarity)


def derivation_score(containment: float, derived_share: float, words: int, config: FlagConfig) -> float:
    """The evidence that an article derives from its sources, on one scale: its `phrase_containment`
    in them, plus `derived_weight` times the share of its characters in derived sentences, less
    `length_weight` times the log of its length in words (a long article that shares the same
    share of wording has added more of its own: METER's annotators call more of them partial)."""
    return containment + config.derived_weight * derived_share - config.length_weight * math.log(words + 1)


def derivation_of(
    links: dict[int, _Link],
    sentences: Sequence[Sentence],
    lengths: Sequence[int],
    config: FlagConfig,
    *,
    containment: float = 0.0,
) -> tuple[str, float]:
    """The METER label that an article's per-sentence classes and phrase containment imply, and
    its `derivation_score`.

    - wholly derived: `derivation_score` at least `wholly_score`;
    - partially derived: the score at least `partial_score`, or a copied passage: at least
      `copied_min_sentences` copied prose sentences (verbatim, or edited or rewritten at
      `near_copy_similarity` or more; quotations, even copied ones, are not prose) with
      `copied_min_words` words among them (a few copied sentences inside a long article of its
      own, as PAN's passages are);
    - non-derived otherwise, and always when no sentence is derived (verbatim, edited, rewritten):
      the length term must not make a short article of its own derived. Shared quotations (those
      not counted as copied) never count.
    """
    total = sum(lengths) or 1
    copied = [
        i
        for i, link in links.items()
        if not link.quoted
        and (
            link.kind == "verbatim"
            or (link.kind in ("edited", "rewritten") and link.similarity >= config.near_copy_similarity)
        )
    ]
    # The score weighs prose taken over: copied quotations show in the shares but not here, since
    # on METER dev counting them lowers leave-one-day-out macro-F1 (0.601 -> 0.584, re-fitted by
    # benchmarks/calibrate_flag.py): newspapers quote the wire's speakers whether they copy the
    # wire's prose or not.
    derived_share = (
        sum(lengths[i] for i, link in links.items() if link.kind in DERIVED_CLASSES and not link.copied_quotation)
        / total
    )
    words = sum(len(sentence.words) for sentence in sentences)
    score = derivation_score(containment, derived_share, words, config)
    if not any(link.kind in DERIVED_CLASSES for link in links.values()):
        return "non-derived", score  # nothing taken over: however short, an article of its own
    if score >= config.wholly_score:
        return "wholly-derived", score
    copied_words = sum(len(sentences[i].words) for i in copied)
    if score >= config.partial_score or (
        len(copied) >= config.copied_min_sentences and copied_words >= config.copied_min_words
    ):
        return "partially-derived", score
    return "non-derived", score


# --- evaluation ------------------------------------------------------------------------------
