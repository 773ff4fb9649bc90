"""Reading a METER label off alignments: each article sentence's class as flagging counts it
(`sentence_links`, quotations apart), the strongest link over all candidates, the shares, sources
and evidence (`judge`), and the label (`derivation_of`)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from dedup.align import NEAR_COPY_SIMILARITY, phrase_hashes, quotes_taken_over
from dedup.flag.config import FlagConfig
from dedup.flag.result import DERIVED_CLASSES, ArticleFlag, Evidence, SharedQuotes, Shares, Source
from dedup.model import Alignment, Document, Sentence
from dedup.score import ScoreConfig

_CLASS_STRENGTH = {"verbatim": 3, "edited": 2, "rewritten": 1, "quote": 0}


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


def phrase_containment(article: Document, sources: Sequence[Document], n: int) -> float:
    """Share of the article's word `n`-grams (distinct, across sentence ends) found in any of
    `sources`: how much of its wording it shares with them, phrase by phrase, whatever its
    sentences' boundaries (newspapers cut, join and trim wire sentences as they take them over)."""
    grams = phrase_hashes(article, n)
    if not len(grams) or not sources:
        return 0.0
    found = np.concatenate([phrase_hashes(doc, n) for doc in sources])
    return float(np.isin(grams, found).sum() / len(grams))


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

    quotes_copied_from = {
        k
        for k in order
        if quotes_taken_over(alignments[k], quote_share=score_config.quote_share, near_copy=config.near_copy_similarity)
    }
    best = strongest(quotes_copied_from)
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
