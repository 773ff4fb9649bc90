"""Sentence alignment of two articles, and the document relation it implies.

The alignment is data (like difflib's opcodes): every report renders it, and the relation of a
pair (duplicate, near-duplicate, rewrite, same-story, unrelated) is read off its coverage.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from dedup.model import Alignment, Document, ScoredPair, SentenceLink, WordChange
from dedup.score import ScoreConfig, SentenceSpace, sentence_class


@dataclass(frozen=True)
class RelationConfig:
    """Coverage and cosine thresholds that turn an alignment into a document relation."""

    # Share of one side's characters aligned verbatim or edited for a light edit of the other:
    # a wire copy with a changed paragraph in ten still clears it.
    near_duplicate_shared: float = 0.80
    # Share of one side's characters aligned verbatim, edited or rewritten for a rewrite. On the
    # seeds, 001 (a rewrite of 000) reaches 0.51 and 000 0.45, while independent outlets' pairs
    # reach at most 0.28 on either side.
    rewrite_coverage: float = 0.40
    # ... and of the other side: a rewrite retells most of its source, while a short summary that
    # matches a long report covers itself but a small part of the report (wikiref220: 0.07-0.13).
    rewrite_other_coverage: float = 0.25
    # A rewrite must rest on at least this many aligned sentences: a two-sentence brief that shares
    # one sentence with a long story covers half of itself without being a rewrite of it.
    rewrite_min_sentences: int = 4
    # Whole-document TF-IDF cosine at or above which two articles report the same story. Seeds:
    # independent reports of one event score 0.20-0.30 in a batch of five.
    same_story_cosine: float = 0.15
    # Pairs below this cosine are not aligned (they share too few words to be copies: a verbatim
    # excerpt of 3 sentences from a 30-sentence story still scores about 0.3) and are `unrelated`.
    align_min_cosine: float = 0.10

    def __post_init__(self) -> None:
        names = ("near_duplicate_shared", "rewrite_coverage", "rewrite_other_coverage")
        for name in names + ("same_story_cosine", "align_min_cosine"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value!r}")
        if not isinstance(self.rewrite_min_sentences, int) or self.rewrite_min_sentences < 1:
            raise ValueError(f"rewrite_min_sentences must be a positive integer, got {self.rewrite_min_sentences!r}")


_COPIED = ("verbatim", "edited")


def align(a: Document, b: Document, space: SentenceSpace, *, config: ScoreConfig | None = None) -> Alignment:
    """Align the sentences of `a` and `b`: each sentence is paired with at most one of the other
    side (or a run of two, for a split or merge), in any order, or left as only-in-A / only-in-B.

    The pairing maximises total similarity (an assignment, not greedy best matches), so that a
    story's one summary sentence cannot account for every sentence of the other article.
    """
    config = config or ScoreConfig()
    similarity = space.similarity(a, b)
    prose = space.similarity(a, b, prose=True)
    links: list[SentenceLink] = []
    partner_of_a: dict[int, int] = {}
    partner_of_b: dict[int, int] = {}
    if similarity.size:
        rows, cols = linear_sum_assignment(-similarity)
        scores = similarity[rows, cols]
        keep = scores >= config.ordered_similarity
        rows, cols, scores = rows[keep], cols[keep], scores[keep]
        on_chain = ordered_chain(cols, scores)
        for i, j, score, ordered in zip(rows.tolist(), cols.tolist(), scores.tolist(), on_chain.tolist()):
            threshold = config.ordered_similarity if ordered else config.rewritten_similarity
            kind = sentence_class(
                a.sentences[i], b.sentences[j], score, float(prose[i, j]), config, threshold=threshold
            )
            if kind is not None:
                partner_of_a[i] = partner_of_b[j] = len(links)
                links.append(SentenceLink((i,), (j,), kind, score))
    _attach_runs(links, similarity, partner_of_a, partner_of_b, config)
    links.extend(SentenceLink((i,), (), "only-in-A", 0.0) for i in range(len(a.sentences)) if i not in partner_of_a)
    links.extend(SentenceLink((), (j,), "only-in-B", 0.0) for j in range(len(b.sentences)) if j not in partner_of_b)
    links.sort(key=lambda link: (link.a[0] if link.a else len(a.sentences), link.b[0] if link.b else -1))
    return Alignment(a.id, b.id, tuple(links), a.sentences, b.sentences)


def ordered_chain(b_order: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Mark the links on the heaviest chain whose B positions increase (links given in A order).

    A weighted longest increasing subsequence: the part of an alignment that keeps both articles'
    order, which is what a rewrite of one article into another leaves behind.
    """
    count = len(b_order)
    best = np.zeros(count)
    previous = np.full(count, -1)
    for k in range(count):
        best[k] = weights[k]
        for m in range(k):
            if b_order[m] < b_order[k] and best[m] + weights[k] > best[k]:
                best[k] = best[m] + weights[k]
                previous[k] = m
    chain = np.zeros(count, dtype=bool)
    k = int(np.argmax(best)) if count else -1
    while k >= 0:
        chain[k] = True
        k = previous[k]
    return chain


def _attach_runs(
    links: list[SentenceLink],
    similarity: np.ndarray,
    partner_of_a: dict[int, int],
    partner_of_b: dict[int, int],
    config: ScoreConfig,
) -> None:
    """Join an unaligned sentence to its neighbour's link when it resembles that link's partner:
    one sentence split in two, or two merged into one."""
    n_a, n_b = similarity.shape
    for j in range(n_b):
        if j in partner_of_b:
            continue
        for neighbour in (j - 1, j + 1):
            link_index = partner_of_b.get(neighbour)
            if link_index is None or len(links[link_index].b) != 1 or len(links[link_index].a) != 1:
                continue
            link = links[link_index]
            if similarity[link.a[0], j] >= config.rewritten_similarity:
                links[link_index] = _extend(link, b=tuple(sorted(link.b + (j,))), score=similarity[link.a[0], j])
                partner_of_b[j] = link_index
                break
    for i in range(n_a):
        if i in partner_of_a:
            continue
        for neighbour in (i - 1, i + 1):
            link_index = partner_of_a.get(neighbour)
            if link_index is None or len(links[link_index].a) != 1 or len(links[link_index].b) != 1:
                continue
            link = links[link_index]
            if similarity[i, link.b[0]] >= config.rewritten_similarity:
                links[link_index] = _extend(link, a=tuple(sorted(link.a + (i,))), score=similarity[i, link.b[0]])
                partner_of_a[i] = link_index
                break


def _extend(link: SentenceLink, *, score: float, a: tuple[int, ...] | None = None, b: tuple[int, ...] | None = None):
    kind = "edited" if link.kind == "verbatim" else link.kind
    return SentenceLink(a or link.a, b or link.b, kind, max(link.similarity, float(score)))


def coverage(alignment: Alignment, side: str, *, quote_share: float = 0.5) -> tuple[float, float]:
    """(shared, rewritten): share of a side's own prose aligned verbatim or edited, and rewritten.

    Sentences that are mostly quotation are left out of both counts: they neither show copying
    (every outlet reports what was said) nor dilute it (a copied story full of quotes is a copy).
    """
    sentences = alignment.a_sentences if side == "a" else alignment.b_sentences
    prose = {s.index: len(s.text) for s in sentences if s.quote_share < quote_share}
    total = sum(prose.values())
    if not total:
        return 0.0, 0.0
    shared = rewritten = 0
    for link in alignment.links:
        chars = sum(prose.get(i, 0) for i in (link.a if side == "a" else link.b))
        if link.kind in ("verbatim", "edited"):
            shared += chars
        elif link.kind == "rewritten":
            rewritten += chars
    return shared / total, rewritten / total


def relation(a: Document, b: Document, cosine: float, alignment: Alignment, config: RelationConfig) -> str:
    """The document relation of a pair, strongest first: duplicate, near-duplicate, rewrite,
    same-story, unrelated."""
    words_a = [w for s in a.sentences for w in s.words]
    words_b = [w for s in b.sentences for w in s.words]
    if words_a and words_a == words_b:
        return "duplicate"
    shared_a, rewritten_a = coverage(alignment, "a")
    shared_b, rewritten_b = coverage(alignment, "b")
    if max(shared_a, shared_b) >= config.near_duplicate_shared:
        return "near-duplicate"
    aligned = sum(1 for link in alignment.links if link.kind in ("verbatim", "edited", "rewritten"))
    copied = sorted((shared_a + rewritten_a, shared_b + rewritten_b))
    if (
        copied[1] >= config.rewrite_coverage
        and copied[0] >= config.rewrite_other_coverage
        and aligned >= config.rewrite_min_sentences
    ):
        return "rewrite"
    if cosine >= config.same_story_cosine:
        return "same-story"
    return "unrelated"


def score_pair(
    index_a: int,
    index_b: int,
    a: Document,
    b: Document,
    cosine: float,
    space: SentenceSpace,
    *,
    score_config: ScoreConfig | None = None,
    relation_config: RelationConfig | None = None,
) -> tuple[ScoredPair, Alignment]:
    """Align a candidate pair and label it: the evidence (alignment) and the verdict (ScoredPair)."""
    alignment = align(a, b, space, config=score_config)
    shared_a, rewritten_a = coverage(alignment, "a")
    shared_b, rewritten_b = coverage(alignment, "b")
    label = relation(a, b, cosine, alignment, relation_config or RelationConfig())
    pair = ScoredPair(index_a, index_b, cosine, shared_a, shared_b, rewritten_a, rewritten_b, label)
    return pair, alignment


def word_changes(a_text: str, b_text: str) -> tuple[WordChange, ...]:
    """Word-level diff of two sentences as displayed (original case and punctuation), for reports.

    Words are compared case-insensitively and without surrounding punctuation, so that a moved
    comma or a capital does not count as a changed word.
    """
    a_words, b_words = a_text.split(), b_text.split()
    keys_a = [w.strip(".,;:!?\"'()[]").lower() for w in a_words]
    keys_b = [w.strip(".,;:!?\"'()[]").lower() for w in b_words]
    matcher = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    return tuple(
        WordChange(op, tuple(a_words[i1:i2]), tuple(b_words[j1:j2])) for op, i1, i2, j1, j2 in matcher.get_opcodes()
    )
