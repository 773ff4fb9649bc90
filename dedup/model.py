"""Plain dataclasses that flow between the stages: no I/O, no behaviour beyond small derived values."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

import numpy as np

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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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
    `shared` and `rewritten` are the relation's figures for (A, B), those `cluster` gives the pair
    (`ScoredPair.shared_a` ...: prose, with quotations counted when the pair takes them over; 0
    for a pair settled without an alignment), beside the per-class shares `alignment.shares` gives.
    """

    alignment: Alignment
    relation: str
    cosine: float
    word_changes: tuple[tuple[WordChange, ...], ...]
    shared: tuple[float, float] = (0.0, 0.0)
    rewritten: tuple[float, float] = (0.0, 0.0)


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

    @classmethod
    def settled(cls, a: int, b: int, cosine: float, relation: str = "unrelated") -> ScoredPair:
        """A pair settled without an alignment: nothing aligned, so no share, and `relation`
        (`unrelated` by default, as a pair settled by its cosine alone). The one place that says
        what such a pair holds; `ScoredPairs.unrelated` holds the same for many pairs at once."""
        return cls(int(a), int(b), float(cosine), 0.0, 0.0, 0.0, 0.0, relation)


_RELATION_CODE = {relation: code for code, relation in enumerate(RELATIONS)}
_COPY_CODES = np.array([relation in COPY_RELATIONS for relation in RELATIONS])


class ScoredPairs(Sequence[ScoredPair]):
    """Many scored pairs held as columns: a sequence of `ScoredPair` that makes each one only when
    it is read.

    A batch's candidate pairs run to hundreds of thousands, most of them settled `unrelated` by
    their cosine; one Python object per pair cost more time and memory than scoring them (10k
    generated articles: 431k pairs, 11 s to renumber them as dataclasses). The stages read the
    columns (`a`, `b`, `relation_codes`, ...); callers see a sequence equal to the tuple of its
    pairs. Columns are float64 and int64, so every value reads back exactly as it was stored.
    """

    __slots__ = ("a", "b", "cosine", "shared_a", "shared_b", "rewritten_a", "rewritten_b", "relation_codes")

    def __init__(
        self,
        a: np.ndarray,
        b: np.ndarray,
        cosine: np.ndarray,
        shared_a: np.ndarray,
        shared_b: np.ndarray,
        rewritten_a: np.ndarray,
        rewritten_b: np.ndarray,
        relation_codes: np.ndarray,
    ) -> None:
        self.a = np.asarray(a, dtype=np.int64)
        self.b = np.asarray(b, dtype=np.int64)
        self.cosine = np.asarray(cosine, dtype=np.float64)
        self.shared_a = np.asarray(shared_a, dtype=np.float64)
        self.shared_b = np.asarray(shared_b, dtype=np.float64)
        self.rewritten_a = np.asarray(rewritten_a, dtype=np.float64)
        self.rewritten_b = np.asarray(rewritten_b, dtype=np.float64)
        self.relation_codes = np.asarray(relation_codes, dtype=np.int8)

    @classmethod
    def unrelated(cls, a: np.ndarray, b: np.ndarray, cosine: np.ndarray) -> ScoredPairs:
        """Pairs settled by their cosine alone, as columns: each reads back as `ScoredPair.settled`
        (`unrelated`, nothing aligned)."""
        zeros = np.zeros(len(a), dtype=np.float64)
        codes = np.full(len(a), _RELATION_CODE["unrelated"], dtype=np.int8)
        return cls(a, b, cosine, zeros, zeros.copy(), zeros.copy(), zeros.copy(), codes)

    @classmethod
    def of(cls, pairs: Iterable[ScoredPair]) -> ScoredPairs:
        """The columns of `pairs` (returned as they are when already columns)."""
        if isinstance(pairs, ScoredPairs):
            return pairs
        rows = [
            (p.a, p.b, p.cosine, p.shared_a, p.shared_b, p.rewritten_a, p.rewritten_b, _RELATION_CODE[p.relation])
            for p in pairs
        ]
        if not rows:
            return cls.unrelated(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
        columns = list(zip(*rows))
        return cls(*(np.array(column) for column in columns))

    def put(self, k: int, pair: ScoredPair) -> None:
        """Store `pair`'s figures at row `k` (its sides are taken as they are)."""
        self.a[k], self.b[k], self.cosine[k] = pair.a, pair.b, pair.cosine
        self.shared_a[k], self.shared_b[k] = pair.shared_a, pair.shared_b
        self.rewritten_a[k], self.rewritten_b[k] = pair.rewritten_a, pair.rewritten_b
        self.relation_codes[k] = _RELATION_CODE[pair.relation]

    def put_settled(self, rows: np.ndarray, same_story: np.ndarray) -> None:
        """Store at `rows` pairs settled without an alignment, as `ScoredPair.settled` holds them:
        nothing aligned, `same-story` where `same_story`, else `unrelated` (sides and cosine as
        they are)."""
        for column in (self.shared_a, self.shared_b, self.rewritten_a, self.rewritten_b):
            column[rows] = 0.0
        self.relation_codes[rows] = np.where(same_story, _RELATION_CODE["same-story"], _RELATION_CODE["unrelated"])

    def copies(self) -> np.ndarray:
        """Which pairs hold a copy relation (`COPY_RELATIONS`): a boolean mask."""
        return _COPY_CODES[self.relation_codes]

    def take(self, rows: np.ndarray) -> ScoredPairs:
        """The pairs at `rows` (indices or a mask), in that order."""
        return ScoredPairs(*(getattr(self, name)[rows] for name in self.__slots__))

    def __len__(self) -> int:
        return len(self.a)

    @overload
    def __getitem__(self, k: int) -> ScoredPair: ...

    @overload
    def __getitem__(self, k: slice) -> tuple[ScoredPair, ...]: ...

    def __getitem__(self, k: int | slice) -> ScoredPair | tuple[ScoredPair, ...]:
        if isinstance(k, slice):
            return tuple(self[j] for j in range(*k.indices(len(self))))
        return ScoredPair(
            int(self.a[k]),
            int(self.b[k]),
            float(self.cosine[k]),
            float(self.shared_a[k]),
            float(self.shared_b[k]),
            float(self.rewritten_a[k]),
            float(self.rewritten_b[k]),
            RELATIONS[self.relation_codes[k]],
        )

    def __iter__(self) -> Iterator[ScoredPair]:
        columns = [getattr(self, name).tolist() for name in self.__slots__[:-1]]
        relations = [RELATIONS[code] for code in self.relation_codes.tolist()]
        for row in zip(*columns, relations):
            yield ScoredPair(*row)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ScoredPairs):
            return len(self) == len(other) and all(
                np.array_equal(getattr(self, name), getattr(other, name)) for name in self.__slots__
            )
        if isinstance(other, (tuple, list)):
            return len(self) == len(other) and all(mine == theirs for mine, theirs in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ScoredPairs({len(self)} pairs)"


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

    `pairs` are the candidate pairs with their relations. A copy (duplicate, near-duplicate,
    rewrite) carries its shares; a same-story or unrelated pair may carry none, since the run does
    not align a pair whose sentences rule every copy relation out (`dedup.align.copy_ruled_out`):
    `dedup.diff` gives any pair's shares.
    """

    groups: tuple[CopyGroup, ...]
    pairs: Sequence[ScoredPair] = ()
    config: dict = field(default_factory=dict)
    version: str = ""
    warnings: tuple[str, ...] = ()
