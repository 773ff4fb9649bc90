"""What `dedup.pipelines.flag.flag_articles` returns: one `ArticleFlag` per article in a `FlagResult`,
with the shares, quotations, sources and evidence it rests on. Plain data; renderers draw it."""

from __future__ import annotations

from dataclasses import dataclass, field

DERIVATIONS = ("wholly-derived", "partially-derived", "non-derived")
"""METER's derivation labels, strongest first."""

DERIVED_CLASSES = ("verbatim", "edited", "rewritten")
"""Sentence classes that count as taken from wire; a shared quotation (``quote``) is counted apart."""


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
