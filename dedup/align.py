"""Sentence alignment of two articles, and the document relation it implies.

The alignment is data (like difflib's opcodes): every report renders it, and the relation of a
pair (duplicate, near-duplicate, rewrite, same-story, unrelated) is read off its coverage.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from dedup.arrays import unique_sorted
from dedup.errors import ConfigError
from dedup.kernels import copy_bound, sorted_common_count
from dedup.model import Alignment, Document, ScoredPair, Sentence, SentenceLink, WordChange
from dedup.score import QUOTE_SHARE, RatioCache, ScoreConfig, SentenceSimilarities, pair_space, sentence_class
from dedup.shingles import shingle_hashes_many, token_hashes


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
    # matches a long report covers itself but a small part of the report (wikiref220: 0.07-0.13;
    # same-story pairs with loose links reach 0.26, seeds 000 of 001 0.54).
    rewrite_other_coverage: float = 0.30
    # A rewrite must rest on at least this many aligned sentences: a two-sentence brief that shares
    # one sentence with a long story covers half of itself without being a rewrite of it.
    rewrite_min_sentences: int = 4
    # Whole-document TF-IDF cosine at or above which two articles report the same story. Seeds:
    # independent reports of one event score 0.20-0.30 in a batch of five.
    same_story_cosine: float = 0.15
    # Pairs below this cosine are not aligned (they share too few words to be copies: a verbatim
    # excerpt of 3 sentences from a 30-sentence story still scores about 0.3) and are `unrelated`.
    # It is `same_story_cosine`: a copy relation needs that cosine too (see `copy_min_words`), so
    # aligning a pair below it could only ever say `unrelated` (or `duplicate`, which identical
    # words decide without an alignment).
    align_min_cosine: float = 0.15
    # Below this cosine a pair is aligned only when it shares phrases: when the larger of its two
    # sides' shares of distinct word 3-grams found in the other (`phrase_overlap`) reaches
    # `align_min_overlap`; otherwise it is settled by its cosine (`same-story`, nothing aligned).
    # Pairs of one recurring sentence (boilerplate, agency phrasing) sit just above
    # `align_min_cosine` and were most of the aligned pairs: 23,030 of 28,612 in 3,000 articles of
    # ../shared/tools/make_corpus.py (seed 7). Set on every labelled set at once (wikiref220,
    # ECB+ and DUC 2004 dev, METER dev per day, SemEval-2022, Lee, PAN13; copy pairs of `dedup
    # eval` runs, benchmarks/generate.py and make_corpus 3k): no rewrite scores below cosine 0.25
    # (two ECB+ rewrites at 0.253 and 0.292 share 9% and 11% of 3-grams), and every near-duplicate
    # below 0.20 is an excerpt sharing 17% or more of the shorter side's 3-grams (PAN: 0.17 at
    # cosine 0.18, then 0.48 and up; METER 0.89), so 0.20 and 0.10 keep a margin on both. Left
    # out in turn, the other sets would allow more (ECB+ out: cosine 0.30, which loses one of its
    # two rewrites; PAN out: overlap 0.30, which loses its 0.17 excerpt), so the margins stay. No
    # copy pair of a real set changes; make_corpus loses one false near-duplicate (a stray quotation
    # mark left one sentence of sixteen as prose, and that sentence was shared: "all" its prose).
    sure_align_cosine: float = 0.20
    align_min_overlap: float = 0.10
    # A near-duplicate or rewrite rests on at least this many words taken over (side A's words in
    # verbatim, edited and rewritten links), as `FlagConfig.copied_min_words` asks of a copied
    # passage: on METER dev days one-sentence wire takes (a 7-word "the case was adjourned" line, a
    # 22-word lead) were near-duplicates of other stories of the day (copy-pair precision 0.890).
    copy_min_words: int = 20

    def __post_init__(self) -> None:
        names = ("near_duplicate_shared", "rewrite_coverage", "rewrite_other_coverage")
        for name in names + ("same_story_cosine", "align_min_cosine", "sure_align_cosine", "align_min_overlap"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"{name} must be between 0 and 1, got {value!r}")
        for name in ("rewrite_min_sentences", "copy_min_words"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")


_COPIED = ("verbatim", "edited")


def align(
    a: Document,
    b: Document,
    space: SentenceSimilarities,
    *,
    config: ScoreConfig | None = None,
    ratios: RatioCache | None = None,
) -> Alignment:
    """Align the sentences of `a` and `b`: each sentence is paired with at most one of the other
    side (or a run of two, for a split or merge), in any order, or left as only-in-A / only-in-B.

    Sentences with the same words on both sides are paired first (verbatim, in order); the other
    sentences are paired to maximise total similarity (an assignment, not greedy best matches), so
    that a story's one summary sentence cannot account for every sentence of the other article.
    `ratios` is the run's `dedup.score.RatioCache` of sentence-pair word diffs, when it has one.
    """
    config = config or ScoreConfig()
    similarity = space.similarity(a, b)
    plan = AlignmentPlan.of(a, b)
    prose_matrix: list[np.ndarray] = []

    def prose(i: int, j: int) -> float:
        if not prose_matrix:
            prose_matrix.append(space.similarity(a, b, prose=True))
        return float(prose_matrix[0][i, j])

    rows, cols = plan.entries()
    links = plan.links(a.sentences, b.sentences, similarity[rows, cols], prose, config, ratios=ratios)
    return Alignment(a.id, b.id, tuple(links), a.sentences, b.sentences)


class AlignmentPlan:
    """Which sentence similarities the alignment of a pair reads, before any is computed.

    Verbatim pairs (same words) are fixed by hashing; only the remaining sentences of each side
    are compared with each other, plus each verbatim sentence with the unpaired neighbours of its
    partner (a split or merged sentence): `entries` says which, and `links` reads them.
    """

    __slots__ = ("n_a", "n_b", "verbatim", "rest_a", "rest_b", "near")

    def __init__(self, n_a: int, n_b: int, verbatim: list[tuple[int, int]]) -> None:
        self.n_a, self.n_b, self.verbatim = n_a, n_b, verbatim
        paired_a = {i: j for i, j in verbatim}
        paired_b = {j: i for i, j in verbatim}
        self.rest_a = [i for i in range(n_a) if i not in paired_a]
        self.rest_b = [j for j in range(n_b) if j not in paired_b]
        near = []
        for j in self.rest_b:
            near.extend((paired_b[k], j) for k in (j - 1, j + 1) if k in paired_b)
        for i in self.rest_a:
            near.extend((i, paired_a[k]) for k in (i - 1, i + 1) if k in paired_a)
        self.near = near

    @classmethod
    def of(cls, a: Document, b: Document) -> AlignmentPlan:
        """The plan of a pair: sentences with equal non-empty words paired in order of position."""
        positions: dict[tuple[str, ...], list[int]] = {}
        for j, sentence in enumerate(b.sentences):
            if sentence.words:
                positions.setdefault(sentence.words, []).append(j)
        verbatim = []
        for i, sentence in enumerate(a.sentences):
            free = positions.get(sentence.words)
            if free:
                verbatim.append((i, free.pop(0)))
        return cls(len(a.sentences), len(b.sentences), verbatim)

    def entries(self) -> tuple[np.ndarray, np.ndarray]:
        """(rows, cols) of every similarity `links` reads: verbatim pairs, then the rest-by-rest
        block row by row, then the neighbours of verbatim pairs."""
        rest_a = np.array(self.rest_a, dtype=np.int64)
        rest_b = np.array(self.rest_b, dtype=np.int64)
        rows = (
            np.array([i for i, _ in self.verbatim], dtype=np.int64),
            np.repeat(rest_a, len(rest_b)),
            np.array([i for i, _ in self.near], dtype=np.int64),
        )
        cols = (
            np.array([j for _, j in self.verbatim], dtype=np.int64),
            np.tile(rest_b, len(rest_a)),
            np.array([j for _, j in self.near], dtype=np.int64),
        )
        return np.concatenate(rows), np.concatenate(cols)

    def links(
        self,
        a_sentences: Sequence[Sentence],
        b_sentences: Sequence[Sentence],
        values: np.ndarray,
        prose: Callable[[int, int], float],
        config: ScoreConfig,
        *,
        ratios: RatioCache | None = None,
    ) -> list[SentenceLink]:
        """The alignment's links, given the similarities of `entries` (in that order) and a
        function giving the prose similarity of a sentence pair (called only when quotes matter);
        `ratios` as `align` has it."""
        n_verbatim, n_rest = len(self.verbatim), len(self.rest_a) * len(self.rest_b)
        proposals = [(i, j, score) for (i, j), score in zip(self.verbatim, values[:n_verbatim].tolist())]
        block = values[n_verbatim : n_verbatim + n_rest].reshape(len(self.rest_a), len(self.rest_b))
        if block.size:
            from scipy.optimize import linear_sum_assignment  # here: importing scipy.optimize takes 0.6 s

            picked_rows, picked_cols = linear_sum_assignment(-block)
            scores = block[picked_rows, picked_cols].tolist()
            proposals.extend(
                (self.rest_a[r], self.rest_b[c], score)
                for r, c, score in zip(picked_rows.tolist(), picked_cols.tolist(), scores)
            )
            proposals.sort()
        # Sentences with the same words are verbatim (or a shared quote) whatever their vector
        # similarity, which can be low for a sentence of one or two words.
        same_words = set(self.verbatim)
        kept = [p for p in proposals if p[2] >= config.ordered_similarity or (p[0], p[1]) in same_words]
        on_chain = _ordered_chain([p[1] for p in kept], [p[2] for p in kept])
        anchors = sum(1 for p, ordered in zip(kept, on_chain) if ordered and p[2] >= config.rewritten_similarity)
        if anchors < config.ordered_anchors:  # a short or weak chain is what chance order looks like
            on_chain = [False] * len(kept)
        links: list[SentenceLink] = []
        partner_of_a: dict[int, int] = {}
        partner_of_b: dict[int, int] = {}
        for (i, j, score), ordered in zip(kept, on_chain):
            threshold = config.ordered_similarity if ordered else config.rewritten_similarity
            first, second = a_sentences[i], b_sentences[j]
            needs_prose = first.quote_share != 0 and second.quote_share != 0 and first.words != second.words
            prose_score = prose(i, j) if needs_prose and score >= threshold else 0.0
            kind = sentence_class(first, second, score, prose_score, config, threshold=threshold, ratios=ratios)
            if kind is not None:
                partner_of_a[i] = partner_of_b[j] = len(links)
                links.append(SentenceLink((i,), (j,), kind, score))
        lookup = self._lookup(values, n_verbatim, block)
        _attach_runs(links, lookup, self.n_a, self.n_b, partner_of_a, partner_of_b, config)
        links.extend(SentenceLink((i,), (), "only-in-A", 0.0) for i in range(self.n_a) if i not in partner_of_a)
        links.extend(SentenceLink((), (j,), "only-in-B", 0.0) for j in range(self.n_b) if j not in partner_of_b)
        links.sort(key=lambda link: (link.a[0] if link.a else self.n_a, link.b[0] if link.b else -1))
        return links

    def _lookup(self, values: np.ndarray, n_verbatim: int, block: np.ndarray) -> Callable[[int, int], float]:
        rest_row = {i: k for k, i in enumerate(self.rest_a)}
        rest_col = {j: k for k, j in enumerate(self.rest_b)}
        near = dict(zip(self.near, values[n_verbatim + block.size :].tolist()))

        def similarity(i: int, j: int) -> float:
            if i in rest_row and j in rest_col:
                return float(block[rest_row[i], rest_col[j]])
            return near[(i, j)]

        return similarity


def ordered_chain(b_order: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Mark the links on the heaviest chain whose B positions increase (links given in A order).

    A weighted longest increasing subsequence: the part of an alignment that keeps both articles'
    order, which is what a rewrite of one article into another leaves behind.
    """
    return np.array(_ordered_chain(np.asarray(b_order).tolist(), np.asarray(weights).tolist()), dtype=bool)


def _ordered_chain(b_order: list[int], weights: list[float]) -> list[bool]:
    count = len(b_order)
    best = [0.0] * count
    previous = [-1] * count
    for k in range(count):
        best_k, weight, position = weights[k], weights[k], b_order[k]
        for m in range(k):
            if b_order[m] < position and best[m] + weight > best_k:
                best_k = best[m] + weight
                previous[k] = m
        best[k] = best_k
    chain = [False] * count
    k = best.index(max(best)) if count else -1
    while k >= 0:
        chain[k] = True
        k = previous[k]
    return chain


def _attach_runs(
    links: list[SentenceLink],
    similarity: Callable[[int, int], float],
    n_a: int,
    n_b: int,
    partner_of_a: dict[int, int],
    partner_of_b: dict[int, int],
    config: ScoreConfig,
) -> None:
    """Join an unaligned sentence to its neighbour's link when it resembles that link's partner:
    one sentence split in two, or two merged into one."""
    for j in range(n_b):
        if j in partner_of_b:
            continue
        for neighbour in (j - 1, j + 1):
            link_index = partner_of_b.get(neighbour)
            if link_index is None or len(links[link_index].b) != 1 or len(links[link_index].a) != 1:
                continue
            link = links[link_index]
            score = similarity(link.a[0], j)
            if score >= config.run_similarity:
                links[link_index] = _extend(link, b=tuple(sorted(link.b + (j,))), score=score)
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
            score = similarity(i, link.b[0])
            if score >= config.run_similarity:
                links[link_index] = _extend(link, a=tuple(sorted(link.a + (i,))), score=score)
                partner_of_a[i] = link_index
                break


def _extend(link: SentenceLink, *, score: float, a: tuple[int, ...] | None = None, b: tuple[int, ...] | None = None):
    kind = "edited" if link.kind == "verbatim" else link.kind
    return SentenceLink(a or link.a, b or link.b, kind, max(link.similarity, float(score)))


# An edited or rewritten sentence pair this similar is taken over, not retold: a copied passage
# whose sentence boundaries moved (re-wrapped lines, a sentence cut in two) aligns as fragments
# at 0.75-0.85, while two independent reports that name the same official in the same words
# ("Deputy National Security Adviser Jon Finer said ...", seeds 003 and 000) are edited at 0.66.
# At 0.75 PAN pairs with two such copied sentences rise from 74% to 87%, same-topic wikiref220
# and SemEval-2022 pairs stay as they were (1.2%, 5.4%); at 0.70 wikiref rises to 2.9%. Used by
# `quotes_taken_over` here and by `dedup.flag` (`FlagConfig.near_copy_similarity`).
NEAR_COPY_SIMILARITY = 0.75


def quotes_taken_over(
    alignment: Alignment, *, quote_share: float = QUOTE_SHARE, near_copy: float = NEAR_COPY_SIMILARITY
) -> bool:
    """True when the pair's shared quotations count as copied text: the pair also takes prose over
    (a link between sentences that are prose on both sides, verbatim or edited at `near_copy`
    similarity or more), or neither article has any prose (two copies of a statement). `flag`
    passes its `FlagConfig.near_copy_similarity`; `cluster` and `diff` use the default.

    Two independent reports of one statement share the speaker's words and nothing else word for
    word, so their quotations stay evidence of the same story; a copy takes the quotations over
    with the reporter's prose around them, and then they are copied text like the rest.
    """
    a_sentences, b_sentences = alignment.a_sentences, alignment.b_sentences
    for link in alignment.links:
        taken = link.kind == "verbatim" or (link.kind == "edited" and link.similarity >= near_copy)
        if (
            taken
            and all(a_sentences[i].quote_share < quote_share for i in link.a)
            and all(b_sentences[j].quote_share < quote_share for j in link.b)
        ):
            return True
    all_quoted = all(s.quote_share >= quote_share for s in a_sentences) and all(
        s.quote_share >= quote_share for s in b_sentences
    )
    return bool(a_sentences) and bool(b_sentences) and all_quoted


def _copied_quote(link: SentenceLink) -> bool:
    """A `quote` link whose quotation was taken over: word for word or nearly (`NEAR_COPY_SIMILARITY`)."""
    return link.kind == "quote" and link.similarity >= NEAR_COPY_SIMILARITY


def coverage(alignment: Alignment, side: str, *, quote_share: float = QUOTE_SHARE) -> tuple[float, float]:
    """(shared, rewritten): share of a side's prose aligned verbatim or edited, and rewritten.

    Sentences that are mostly quotation are left out of both counts: they neither show copying
    (every outlet reports what was said) nor dilute it (a copied story full of quotes is a copy).
    When the pair takes quotations over (`quotes_taken_over`), each quotation copied word for
    word or nearly counts as shared text, on both sides of the share: a copied statement with a
    one-line introduction is a copy of the whole.
    """
    return _coverage(alignment, side, quote_share, quotes_taken_over(alignment, quote_share=quote_share))


def _coverage(alignment: Alignment, side: str, quote_share: float, quotes_copied: bool) -> tuple[float, float]:
    """`coverage`, told whether the pair takes quotations over (`quotes_taken_over`)."""
    sentences = alignment.a_sentences if side == "a" else alignment.b_sentences
    prose = {s.index: len(s.text) for s in sentences if s.quote_share < quote_share}
    if quotes_copied:
        for link in alignment.links:
            if _copied_quote(link):
                prose.update((i, len(sentences[i].text)) for i in (link.a if side == "a" else link.b))
    total = sum(prose.values())
    if not total:
        return 0.0, 0.0
    shared = rewritten = 0
    for link in alignment.links:
        copied = link.kind in ("verbatim", "edited") or _copied_quote(link)
        if copied or link.kind == "rewritten":  # the others (one side only, quotes) count for neither
            chars = sum(prose.get(i, 0) for i in (link.a if side == "a" else link.b))
            if copied:
                shared += chars
            else:
                rewritten += chars
    return shared / total, rewritten / total


def relation(a: Document, b: Document, cosine: float, alignment: Alignment, config: RelationConfig) -> str:
    """The document relation of a pair, strongest first: duplicate, near-duplicate, rewrite,
    same-story, unrelated."""
    return scored_pair(0, 1, cosine, alignment, same_words(a, b), config).relation


def same_words(a: Document, b: Document) -> bool:
    """True when the two documents have the same non-empty word sequence (a duplicate)."""
    words_a = [w for s in a.sentences for w in s.words]
    return bool(words_a) and words_a == [w for s in b.sentences for w in s.words]


def _relation_of(
    identical: bool,
    shared_a: float,
    rewritten_a: float,
    shared_b: float,
    rewritten_b: float,
    alignment: Alignment,
    quotes_copied: bool,
    cosine: float,
    config: RelationConfig,
) -> str:
    if identical:
        return "duplicate"
    # A copy is of the same story and rests on some text: a one-line wire take ("The case was
    # adjourned until tomorrow.") inside another story is neither its near-duplicate nor its rewrite.
    substantial = (
        cosine >= config.same_story_cosine and _copied_words(alignment, quotes_copied) >= config.copy_min_words
    )
    if substantial and max(shared_a, shared_b) >= config.near_duplicate_shared:
        return "near-duplicate"
    aligned = sum(1 for link in alignment.links if link.kind in ("verbatim", "edited", "rewritten"))
    copied = sorted((shared_a + rewritten_a, shared_b + rewritten_b))
    if (
        substantial
        and copied[1] >= config.rewrite_coverage
        and copied[0] >= config.rewrite_other_coverage
        and aligned >= config.rewrite_min_sentences
    ):
        return "rewrite"
    return _by_cosine(cosine, config)


def _by_cosine(cosine: float, config: RelationConfig) -> str:
    """The relation of a pair that holds no copy relation: `same-story` at `same_story_cosine`."""
    return "same-story" if same_story_by_cosine(cosine, config) else "unrelated"


def same_story_by_cosine(cosine: float | np.ndarray, config: RelationConfig) -> bool | np.ndarray:
    """Whether a pair that holds no copy relation is `same-story` (else `unrelated`): its cosine
    at `same_story_cosine`. A float gives a bool, an array (compared as float64) a mask."""
    if isinstance(cosine, np.ndarray):
        cosine = cosine.astype(np.float64, copy=False)
    return cosine >= config.same_story_cosine


def _copied_words(alignment: Alignment, quotes_copied: bool) -> int:
    """Words of side A in links that take text over (verbatim, edited, rewritten, and copied
    quotations when the pair takes quotations over: `quotes_copied`, from `quotes_taken_over`)."""
    return sum(
        len(alignment.a_sentences[i].words)
        for link in alignment.links
        if link.kind in ("verbatim", "edited", "rewritten") or (quotes_copied and _copied_quote(link))
        for i in link.a
    )


def relate(
    index_a: int,
    index_b: int,
    a: Document,
    b: Document,
    cosine: float,
    *,
    space_of: Callable[[Document, Document], SentenceSimilarities] = pair_space,
    score_config: ScoreConfig | None = None,
    relation_config: RelationConfig | None = None,
    ratios: RatioCache | None = None,
    phrases: Callable[[Document], np.ndarray] | None = None,
) -> tuple[ScoredPair, Alignment | None]:
    """The relation of two documents: the one judgement `cluster`, `diff`, `pairs` and the archive
    all make, so that a pair gets the same verdict wherever it is asked about.

    Identical words are a `duplicate`. Otherwise a pair that cannot hold a copy relation is settled
    without an alignment (returned as None; `settled_unaligned` says which): below
    `RelationConfig.align_min_cosine` it is `unrelated`, and below `sure_align_cosine` without
    shared phrases (`phrase_overlap` under `align_min_overlap`) it is `same-story`. Every other pair
    is aligned in the sentence space `space_of(a, b)` (by default the pair's own,
    `dedup.score.pair_space`) and labelled from the alignment (`score_pair`). A caller that relates
    many pairs passes its run's `dedup.score.RatioCache` as `ratios`, and its cache of
    `phrase_hashes` as `phrases`.
    """
    config = relation_config or RelationConfig()
    settled = settled_unaligned(index_a, index_b, a, b, cosine, config, phrases=phrases)
    if settled is not None:
        return settled, None
    return score_pair(
        index_a,
        index_b,
        a,
        b,
        cosine,
        space_of(a, b),
        score_config=score_config,
        relation_config=config,
        ratios=ratios,
    )


def settled_unaligned(
    index_a: int,
    index_b: int,
    a: Document,
    b: Document,
    cosine: float,
    config: RelationConfig,
    *,
    phrases: Callable[[Document], np.ndarray] | None = None,
) -> ScoredPair | None:
    """The verdict `relate` gives a pair without aligning it, or None when the pair must be aligned.

    A pair of different words below `RelationConfig.align_min_cosine` is `unaligned_pair`
    (`unrelated`). Below `sure_align_cosine`, a pair whose `phrase_overlap` is under
    `align_min_overlap` is `same-story` (or `unrelated` under `same_story_cosine`) with nothing
    aligned, so no share: it shares a sentence or two at most, and neither a near-duplicate (most
    of one side taken over) nor a rewrite (most of one side retold, which raises the cosine) looks
    like that. `phrases` gives a document's `phrase_hashes` (a caller settling many pairs passes a
    cache); by default they are computed here.
    """
    if cosine >= config.sure_align_cosine:
        return None
    if cosine < config.align_min_cosine:
        return None if same_words(a, b) else unaligned_pair(index_a, index_b, cosine)
    phrases = phrase_hashes if phrases is None else phrases
    if not settled_by_phrases(cosine, phrase_overlap(phrases(a), phrases(b)), config):
        return None
    # Identical words share every phrase (overlap 1), so a pair settled here is never a duplicate.
    return story_pair(index_a, index_b, cosine, config)


def settled_by_phrases(
    cosine: float | np.ndarray, overlap: float | np.ndarray, config: RelationConfig
) -> bool | np.ndarray:
    """Whether `settled_unaligned` settles a pair of this cosine and `phrase_overlap` as a
    `story_pair`, without aligning it: at `align_min_cosine` or above, under `sure_align_cosine`,
    and sharing under `align_min_overlap` of its phrases. Floats give a bool; arrays (cosines
    compared as float64, as a Python float is) a mask, for a caller settling many pairs at once."""
    if isinstance(cosine, np.ndarray):
        cosine = cosine.astype(np.float64, copy=False)
    return (
        (cosine >= config.align_min_cosine) & (cosine < config.sure_align_cosine) & (overlap < config.align_min_overlap)
    )


def story_pair(index_a: int, index_b: int, cosine: float, config: RelationConfig) -> ScoredPair:
    """A pair of different words settled without an alignment, known to hold no copy relation:
    `same-story` at `RelationConfig.same_story_cosine` (else `unrelated`), nothing aligned, so no share."""
    return ScoredPair.settled(index_a, index_b, cosine, _by_cosine(cosine, config))


@dataclass(frozen=True)
class SentenceFigures:
    """What `copy_ruled_out` reads of a document's sentences, as arrays (one entry a sentence):
    made from the document (`of`), or views of a batch's tables made once for every document
    (`dedup.bulk_space.SentenceTables`)."""

    words: np.ndarray  # words in the sentence
    chars: np.ndarray  # characters of its text, as `_coverage` counts them
    quoted: np.ndarray  # bool: mostly quotation (`QUOTE_SHARE`), out of the prose a share counts
    keys: np.ndarray  # int64: a hash of its words; equal words, equal keys

    @classmethod
    def of(cls, document: Document) -> SentenceFigures:
        """The figures of `document`'s sentences."""
        sentences = document.sentences
        return cls(
            np.array([len(s.words) for s in sentences], dtype=np.int32),
            np.array([len(s.text) for s in sentences], dtype=np.int32),
            np.array([s.quote_share >= QUOTE_SHARE for s in sentences], dtype=bool),
            np.array([hash(s.words) for s in sentences], dtype=np.int64),
        )


def copy_ruled_out(
    a: Document,
    b: Document,
    similarity: np.ndarray,
    cosine: float,
    score_config: ScoreConfig,
    relation_config: RelationConfig,
    *,
    figures: tuple[SentenceFigures, SentenceFigures] | None = None,
) -> bool:
    """True when no alignment of `a` and `b` under these sentence similarities (the dense matrix
    `align` reads them from) can make the pair a duplicate, near-duplicate or rewrite, so that its
    relation is `_by_cosine`'s whatever the alignment finds. A caller that wants only a pair's
    relation, and a copy's figures, may then skip the alignment (the cluster pipeline: its output
    shows the shares of copies only). `figures` are the two documents' `SentenceFigures`, for a
    caller that has them for many documents at once.

    An upper bound on what `AlignmentPlan.links`, `_coverage` and `_relation_of` can find. A
    sentence can be in a link that takes text over (verbatim, edited, rewritten, a copied
    quotation, or a run joined to one) only if the other side has a sentence of the same words, or
    its best similarity reaches the lowest bar of a link or a run: `run_similarity`, and
    `ordered_similarity` when enough sentences of both sides reach `rewritten_similarity` to anchor
    an ordered chain (`ordered_anchors`), else the larger of `ordered_similarity` and
    `rewritten_similarity`. Counting every such sentence as taken over bounds from above each
    side's share (quoted sentences counted on both sides of the share, as when the pair takes
    quotations over), side A's words taken over, and the number of links; the pair is ruled out
    when those bounds miss every copy relation's thresholds (`tests/test_relate.py` checks the
    bound against the alignment on every candidate pair of the seeds, a generated corpus and, where
    `../shared/data` is, two real news sets). Sentences of the same words are found by a hash of
    their words: a collision can only count one more sentence, which loosens the bound.
    """
    figures_a, figures_b = figures if figures is not None else (SentenceFigures.of(a), SentenceFigures.of(b))
    if not _copy_bound_missed(figures_a, figures_b, similarity, cosine, score_config, relation_config):
        return False
    return not (int(figures_a.words.sum()) == int(figures_b.words.sum()) and same_words(a, b))


def _copy_bound_missed(
    a: SentenceFigures,
    b: SentenceFigures,
    similarity: np.ndarray,
    cosine: float,
    score_config: ScoreConfig,
    relation_config: RelationConfig,
) -> bool:
    """`copy_ruled_out` for a pair of different words: the bound's figures from one compiled loop
    (`dedup.kernels.copy_bound`: 12 us a pair, where some twenty numpy calls on arrays of tens of
    sentences took 45), held against each copy relation's thresholds here."""
    if cosine < relation_config.same_story_cosine or not similarity.size:
        return True  # no copy under the cosine; no sentence to take over
    # A sentence may be in a link when its best similarity reaches the lowest bar of a link or a
    # run: `ordered_similarity` when an ordered chain has its anchors (`ordered_anchors` sentences
    # of each side at `rewritten_similarity`), else every link at the rewritten bar.
    bar = similarity.dtype.type  # numpy compares a float array with a Python float in the array's type
    chain_floor = min(score_config.ordered_similarity, score_config.run_similarity)
    plain_floor = min(
        max(score_config.ordered_similarity, score_config.rewritten_similarity), score_config.run_similarity
    )
    words_held, share_a, share_b, links = copy_bound(
        similarity,
        a.words,
        a.chars,
        a.quoted,
        a.keys,
        b.words,
        b.chars,
        b.quoted,
        b.keys,
        bar(score_config.rewritten_similarity),
        score_config.ordered_anchors,
        bar(chain_floor),
        bar(plain_floor),
    )
    if words_held < relation_config.copy_min_words:
        return True
    larger, smaller = max(share_a, share_b), min(share_a, share_b)
    # A hair under each threshold: a relation adds two shares, each rounded on its own.
    margin = 1e-9
    if larger >= relation_config.near_duplicate_shared - margin:
        return False
    return not (
        larger >= relation_config.rewrite_coverage - margin
        and smaller >= relation_config.rewrite_other_coverage - margin
        and links >= relation_config.rewrite_min_sentences
    )


# Words per phrase of `phrase_hashes`: the n of `dedup.flag`'s phrase containment too.
PHRASE_WORDS = 3


def phrase_hashes(document: Document, n: int = PHRASE_WORDS) -> np.ndarray:
    """Distinct hashes (sorted uint32) of the document's word `n`-grams, across sentence ends."""
    words = [w for sentence in document.sentences for w in sentence.words]
    return unique_sorted(shingle_hashes_many([token_hashes(words)], n)[0])


def phrase_overlap(first: np.ndarray, second: np.ndarray) -> float:
    """The larger of two documents' shares of their distinct phrases (`phrase_hashes`) found in the
    other: high when either is mostly inside the other (an excerpt), whatever their lengths."""
    if not len(first) or not len(second):
        return 0.0
    shared = sorted_common_count(first, second)  # both ascending and distinct, as `phrase_hashes` gives
    return overlap_of(shared, len(first), len(second))


def overlap_of(shared: int | np.ndarray, first: int | np.ndarray, second: int | np.ndarray) -> float | np.ndarray:
    """`phrase_overlap` from the count of phrases two documents share and each one's count: the
    larger share, 0 when either has none. Counts give a float; arrays of counts (many pairs at
    once) an array of the same values."""
    if isinstance(shared, np.ndarray):
        held = (first > 0) & (second > 0)
        return np.where(held, np.maximum(shared / np.maximum(first, 1), shared / np.maximum(second, 1)), 0.0)
    return max(shared / first, shared / second) if first and second else 0.0


def unaligned_pair(a: int, b: int, cosine: float) -> ScoredPair:
    """A pair settled by its cosine alone (see `relate`): `unrelated`, nothing aligned
    (`dedup.model.ScoredPair.settled`, as `ScoredPairs.unrelated` settles many at once)."""
    return ScoredPair.settled(a, b, cosine)


def needs_alignment(
    cosines: np.ndarray, wordless_a: np.ndarray, wordless_b: np.ndarray, config: RelationConfig
) -> np.ndarray:
    """Which pairs, in bulk, `relate` may have to align: those at or above the alignment cosine,
    and those where neither side has a content word (a cosine of 0 that cannot tell two identical
    texts of stop words apart). The others it settles as `unaligned_pair`, so an engine may too."""
    above = np.asarray(cosines, dtype=np.float64) >= config.align_min_cosine  # as `relate` compares a float
    return above | (np.asarray(wordless_a, dtype=bool) & np.asarray(wordless_b, dtype=bool))


def score_pair(
    index_a: int,
    index_b: int,
    a: Document,
    b: Document,
    cosine: float,
    space: SentenceSimilarities,
    *,
    score_config: ScoreConfig | None = None,
    relation_config: RelationConfig | None = None,
    ratios: RatioCache | None = None,
) -> tuple[ScoredPair, Alignment]:
    """Align a candidate pair and label it: the evidence (alignment) and the verdict (ScoredPair);
    `ratios` as `align` has it."""
    alignment = align(a, b, space, config=score_config, ratios=ratios)
    pair = scored_pair(index_a, index_b, cosine, alignment, same_words(a, b), relation_config or RelationConfig())
    return pair, alignment


def scored_pair(
    index_a: int, index_b: int, cosine: float, alignment: Alignment, identical: bool, config: RelationConfig
) -> ScoredPair:
    """The verdict on an aligned pair: coverage of each side and the relation.

    `identical` says whether the two documents have the same words (`same_words`); a caller that
    scores many pairs can know it from a hash of each document's words.
    """
    quotes_copied = quotes_taken_over(alignment)
    shared_a, rewritten_a = _coverage(alignment, "a", QUOTE_SHARE, quotes_copied)
    shared_b, rewritten_b = _coverage(alignment, "b", QUOTE_SHARE, quotes_copied)
    label = _relation_of(
        identical, shared_a, rewritten_a, shared_b, rewritten_b, alignment, quotes_copied, cosine, config
    )
    return ScoredPair(index_a, index_b, cosine, shared_a, shared_b, rewritten_a, rewritten_b, label)


def word_changes(a_text: str, b_text: str) -> tuple[WordChange, ...]:
    """Word-level diff of two sentences as displayed (original case and punctuation), for reports.

    The units are `display_tokens`: words, and punctuation marks on their own, so that an added
    clause shows as ``Monday {+after talks+}.``, not ``Monday. {+after talks.+}``. Tokens are compared
    without case, so a capital alone is no change; each keeps the whitespace before it, so the
    tokens of one side, joined, give its text back.
    """
    a_tokens, b_tokens = display_tokens(a_text), display_tokens(b_text)
    keys_a = [token.strip().lower() for token in a_tokens]
    keys_b = [token.strip().lower() for token in b_tokens]
    matcher = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    return tuple(
        WordChange(op, tuple(a_tokens[i1:i2]), tuple(b_tokens[j1:j2])) for op, i1, i2, j1, j2 in matcher.get_opcodes()
    )


# A word (letters and digits, with inner apostrophes, dots and hyphens: don't, U.S, 3.5, well-known)
# or any other single character, each with the whitespace before it.
_DISPLAY_TOKEN = re.compile(r"\s*(?:[^\W_]+(?:['\u2019.\-][^\W_]+)*|\S)")


def display_tokens(text: str) -> list[str]:
    """Words and single punctuation marks of `text`, each with the whitespace before it: joined,
    they give `text` back without its trailing whitespace. The units of `word_changes`, and how a
    renderer cuts a link's word changes back into its sentences."""
    return _DISPLAY_TOKEN.findall(text)
