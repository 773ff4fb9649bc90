"""Stage 3 of flagging, the expensive step: align each article with its candidates, in chunks of
prepared documents, and judge it (`dedup.flag.judge`)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from dedup.align import align
from dedup.flag.candidates import Candidates
from dedup.flag.config import FlagConfig
from dedup.flag.judge import judge, phrase_containment
from dedup.flag.result import ArticleFlag
from dedup.model import Alignment, Article, Document
from dedup.progress import SCORE, Progress, no_progress
from dedup.score import RatioCache, ScoreConfig, pair_space
from dedup.text import TextCache, prepare

# Articles whose alignments are built together: bounds the prepared documents held at once (a
# prepared document takes about 15 times its text in memory) without a fixed cost per article.
_ALIGN_CHUNK = 256


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
    cache: TextCache | None = None,
) -> list[ArticleFlag]:
    """Align each article with its candidates and judge it, in chunks of prepared documents.
    `selves` names, per article, the wire stories that are the article itself: never candidates.
    `cache` is the run's `TextCache` (else the call makes one); the sentence-pair word diffs are
    kept for the call (a `RatioCache`).

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
    cache = TextCache() if cache is None else cache
    aligned = _PairAlignments(score, RatioCache())
    for chunk_start in range(0, len(sequence), _ALIGN_CHUNK):
        documents = _PreparedDocuments(articles, articles if same_set else stories, cache)
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


class _PairAlignments:
    """`align` of an article and a wire document in the pair's own space, each pair of bodies
    aligned once when asked to remember it: for an article whose text the batch repeats (copies
    of one wire story; 20,000 one-word articles), whose alignments with the same wire texts would
    otherwise be computed again for every copy. An alignment depends on the two bodies alone; a
    remembered one is given under the asking documents' ids. `ratios` is the run's word-diff memo."""

    # Remembered alignments at most: past it the memory starts again, so that a batch of many
    # repeated texts holds a bounded number of alignments.
    LIMIT = 20_000

    def __init__(self, config: ScoreConfig, ratios: RatioCache) -> None:
        self._config = config
        self._ratios = ratios
        self._known: dict[tuple[str, str], Alignment] = {}

    def __call__(self, article: Document, wire: Document, remember: bool) -> Alignment:
        if not remember:
            return align(article, wire, pair_space(article, wire), config=self._config, ratios=self._ratios)
        key = (article.body, wire.body)
        known = self._known.get(key)
        if known is None:
            if len(self._known) >= self.LIMIT:
                self._known.clear()
            space = pair_space(article, wire)
            known = self._known[key] = align(article, wire, space, config=self._config, ratios=self._ratios)
        if (known.a_id, known.b_id) != (article.id, wire.id):
            known = dataclasses.replace(known, a_id=article.id, b_id=wire.id)
        return known


class _PreparedDocuments:
    """Articles and wire stories prepared on first use, under ids that cannot collide in a
    `SentenceSpace` (an article may share its id with a wire story), through the run's `cache`."""

    def __init__(self, articles: Sequence[Article], stories: Sequence[Article], cache: TextCache) -> None:
        self._cache = cache
        self._sides = {"a": articles, "w": stories}
        self._same_set = articles is stories
        self._prepared: dict[tuple[str, int], Document] = {}

    def _get(self, side: str, index: int) -> Document:
        key = ("a" if self._same_set else side, index)
        if key not in self._prepared:
            original = self._sides[key[0]][index]
            self._prepared[key] = prepare(dataclasses.replace(original, id=f"{key[0]}{index}"), cache=self._cache)
        return self._prepared[key]

    def article(self, index: int) -> Document:
        return self._get("a", index)

    def wire(self, index: int) -> Document:
        return self._get("w", index)
