"""Plain dataclasses that flow between the stages: no I/O, no behaviour beyond small derived values."""

from __future__ import annotations

from dataclasses import dataclass, field

RELATIONS = ("duplicate", "near-duplicate", "rewrite", "same-story", "unrelated")
"""Document relations, strongest first. The first three make a copy group."""

COPY_RELATIONS = frozenset({"duplicate", "near-duplicate", "rewrite"})

SENTENCE_CLASSES = ("verbatim", "edited", "rewritten", "quote")
"""Classes of an aligned sentence pair; unaligned sentences are `only-in-A` / `only-in-B`."""


@dataclass(frozen=True)
class Article:
    """One input article as a reader found it.

    `origin` says where it came from (``file`` or ``file:line``) so that later errors can name it.
    `published` is kept as the ISO 8601 text the input gave; it sorts chronologically.
    """

    id: str
    text: str
    title: str | None = None
    source: str | None = None
    published: str | None = None
    url: str | None = None
    origin: str = ""


def id_order(article: Article) -> tuple[str, str]:
    """The order a batch is processed in, whatever order it came in: by id, then (for equal ids,
    which a batch does not hold) by text.

    The story clusters' greedy average linkage breaks ties by index and sums rows in merge order,
    so processing a batch in this order makes stories and canonicals depend on the batch as a
    set, not on its input order (#20).
    """
    return (article.id, article.text)


@dataclass(frozen=True)
class Sentence:
    """A sentence of an article's body after normalisation.

    `quote_share` is the share of its characters inside quotation marks: a sentence that is mostly
    a quotation is evidence of the same story, not of copying.
    """

    index: int
    text: str
    start: int
    end: int
    quote_share: float
    words: tuple[str, ...]
    stems: tuple[str, ...]

    @property
    def is_quote(self) -> bool:
        """True when most of the sentence is quoted speech."""
        return self.quote_share >= 0.5


@dataclass(frozen=True)
class Document:
    """An article prepared for comparison: normalised body with furniture removed, sentences, tokens."""

    article: Article
    body: str
    sentences: tuple[Sentence, ...]

    @property
    def id(self) -> str:
        return self.article.id


def stems_document(stems: tuple[str, ...], article_id: str = "") -> Document:
    """A textless document whose one sentence holds `stems` (none without stems): all that
    `dedup.score.DocumentSpace` reads of a document, for a caller that kept a document's stems and
    not its prepared text (flag's candidate search, the archive's stored term counts)."""
    article = Article(id=article_id, text="")
    return Document(article, "", (Sentence(0, "", 0, 0, 0.0, (), stems),) if stems else ())


@dataclass(frozen=True)
class CandidatePair:
    """Two documents (indices into the batch, ``a < b``) that LSH put in a common bucket, unscored."""

    a: int
    b: int


@dataclass(frozen=True)
class SentenceLink:
    """One aligned unit: sentence indices on each side and how they relate.

    `kind` is one of ``verbatim``, ``edited``, ``rewritten``, ``quote``, ``only-in-A``, ``only-in-B``.
    A link joins one sentence of a side to one or two (a split or merge) of the other.
    """

    a: tuple[int, ...]
    b: tuple[int, ...]
    kind: str
    similarity: float


@dataclass(frozen=True)
class Alignment:
    """Sentence alignment of two documents: the data every diff report renders.

    Every sentence of each side appears in exactly one link.
    """

    a_id: str
    b_id: str
    links: tuple[SentenceLink, ...]
    a_sentences: tuple[Sentence, ...]
    b_sentences: tuple[Sentence, ...]

    def shares(self, side: str) -> dict[str, float]:
        """Share of a side's characters in each class (verbatim, edited, rewritten, quote, new)."""
        sentences = self.a_sentences if side == "a" else self.b_sentences
        total = sum(len(s.text) for s in sentences) or 1
        counts = {"verbatim": 0, "edited": 0, "rewritten": 0, "quote": 0, "new": 0}
        for link in self.links:
            indices = link.a if side == "a" else link.b
            kind = "new" if link.kind.startswith("only-in") else link.kind
            counts[kind] += sum(len(sentences[i].text) for i in indices)
        return {kind: count / total for kind, count in counts.items()}


@dataclass(frozen=True)
class WordChange:
    """One step of the word-level diff inside an aligned sentence pair.

    `op` is ``equal``, ``insert`` (words only in B), ``delete`` (only in A) or ``replace``. `a` and
    `b` are tokens (`dedup.align.display_tokens`): words and punctuation marks, each with the
    whitespace before it.
    """

    op: str
    a: tuple[str, ...]
    b: tuple[str, ...]


@dataclass(frozen=True)
class PairDiff:
    """Everything a paraphrase diff report draws: the alignment, word changes and the verdict.

    `word_changes[k]` belongs to `alignment.links[k]`; it is empty for unaligned sentences.
    """

    alignment: Alignment
    relation: str
    cosine: float
    word_changes: tuple[tuple[WordChange, ...], ...]


@dataclass(frozen=True)
class ScoredPair:
    """A candidate pair after scoring.

    `cosine` is whole-document TF-IDF cosine; `shared_*` the share of each side's characters aligned
    verbatim or edited; `rewritten_*` the share aligned as rewritten; `relation` one of `RELATIONS`.
    """

    a: int
    b: int
    cosine: float
    shared_a: float
    shared_b: float
    rewritten_a: float
    rewritten_b: float
    relation: str

    @property
    def coverage(self) -> float:
        """The larger side's copied share: how much of the smaller-borrowing article comes from the other."""
        return max(self.shared_a + self.rewritten_a, self.shared_b + self.rewritten_b)


@dataclass(frozen=True)
class Member:
    """An article in a copy group: its relation to the article `of` names, and what is known of it.

    `of` is the id of the group member the relation is with (the canonical article itself, or the
    member through which this one joined the group); None for the canonical. `cosine`, `shared`
    and `rewritten` are measured against that article: the pair's document cosine and the share of
    this member's characters aligned verbatim or edited (`shared`) or as rewritten. `title`,
    `source`, `published` and `url` are the input's, as given; `opening` is the first words of
    the article's body, for people when there is no title.
    """

    id: str
    relation: str
    cosine: float
    shared: float
    rewritten: float
    of: str | None = None
    title: str | None = None
    source: str | None = None
    published: str | None = None
    url: str | None = None
    opening: str = ""


OPENING_WORDS = 12
"""Words of an article's body kept in `Member.opening`."""


def opening_words(text: str, count: int = OPENING_WORDS) -> str:
    """The first `count` words of `text` on one line, with ``...`` when there are more.

    Only the first ``60 * count`` characters are read, so a huge article costs no more than a short
    one (a word longer than that average may be cut, and is followed by ``...``).
    """
    limit = 60 * count
    words = text[:limit].split()
    more = len(words) > count or len(text) > limit
    return " ".join(words[:count]) + (" ..." if more else "")


@dataclass(frozen=True)
class CopyGroup:
    """Articles that are copies or rewrites of one text; `canonical` is the original, chosen by `rule`."""

    story: int
    group: int
    canonical: str
    rule: str
    members: tuple[Member, ...]


@dataclass(frozen=True)
class ClusterResult:
    """The outcome of `dedup.cluster`: copy groups in story order, plus what made them.

    Stories are numbered largest first, then by earliest `published`; `warnings` are one-line
    messages about the input that did not stop the run (a `published` that is not a date), in
    input order, for the caller to show.
    """

    groups: tuple[CopyGroup, ...]
    pairs: tuple[ScoredPair, ...] = ()
    config: dict = field(default_factory=dict)
    version: str = ""
    warnings: tuple[str, ...] = ()
