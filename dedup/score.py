"""Similarity: TF-IDF cosine of whole documents on candidate pairs, and of sentences for alignment.

Both spaces are fitted on the batch being compared, because what makes a word telling depends on
the batch: in a day of Pakistan coverage, "Pakistan" says nothing; "deterrence" says a lot.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from dedup.model import Document, Sentence
from dedup.text import content_stems, words


@dataclass(frozen=True)
class ScoreConfig:
    """Parameters of sentence-pair labelling.

    Defaults were set on examples/seeds (001 is a heavy rewrite of 000, 002-004 independent reports)
    and checked against MSRP train; see the constants' comments.
    """

    # Combined sentence similarity (mean of stem and character n-gram cosine) at or above which an
    # aligned sentence pair counts as rewritten on its own.
    rewritten_similarity: float = 0.35
    # Lower similarity that suffices for a pair lying on the ordered chain of the alignment (the
    # longest run of links that keeps both articles' sentence order). Rewrites keep their source's
    # order: on the seeds the links of 001 to 000 have Kendall tau 0.85, independent outlets'
    # -0.8 to 0.07, so an in-order pair at 0.20 is evidence that an out-of-order one is not.
    ordered_similarity: float = 0.20
    # Word-sequence ratio (difflib) at or above which a pair is `edited` (a few words changed)
    # rather than rewritten: 0.8 is about one changed word in ten.
    edited_ratio: float = 0.80
    # A sentence whose characters are this much inside quotation marks is quoted speech.
    quote_share: float = 0.5

    def __post_init__(self) -> None:
        for name in ("rewritten_similarity", "ordered_similarity", "edited_ratio", "quote_share"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value!r}")


_QUOTED = re.compile(r'"[^"]*"?')


def prose_of(sentence: Sentence) -> str:
    """The sentence's own words, quotations removed: what a reporter wrote rather than what was said."""
    return _QUOTED.sub(" ", sentence.text)


def _identity(tokens):
    return tokens


class DocumentSpace:
    """TF-IDF vectors of whole documents, for the document-level cosine of candidate pairs.

    Stemmed content words with raw term frequency; quotations count, since for telling stories
    apart a shared quote is evidence of the same event. Raw rather than sublinear term frequency:
    on wikiref220, story ARI stays within 0.86-0.89 for average-linkage thresholds 0.05-0.14 with
    raw counts, while sublinear counts peak at 0.90 on a cliff (0.54 at 0.05, 0.74 at 0.14).
    """

    def __init__(self, documents: Sequence[Document]) -> None:
        self._vectorizer = TfidfVectorizer(analyzer=_identity, dtype=np.float32)
        texts = [[stem for sentence in doc.sentences for stem in sentence.stems] for doc in documents]
        try:
            self.matrix = self._vectorizer.fit_transform(texts).tocsr()
            self.vocabulary: list[str] = self._vectorizer.get_feature_names_out().tolist()
        except ValueError:  # no document, or no content word in any
            self.matrix = sp.csr_matrix((len(texts), 0), dtype=np.float32)
            self.vocabulary = []

    def cosine(self, pairs: np.ndarray) -> np.ndarray:
        """Cosine of each (i, j) row of `pairs`, computed as bulk sparse row products."""
        if len(pairs) == 0:
            return np.zeros(0, dtype=np.float32)
        left = self.matrix[pairs[:, 0]]
        right = self.matrix[pairs[:, 1]]
        return np.asarray(left.multiply(right).sum(axis=1), dtype=np.float32).ravel()


class SentenceSpace:
    """TF-IDF vectors of every sentence of the documents to align: stemmed words and character 3-5-grams.

    Stems survive inflection (labelled/labeling), character grams survive spelling variants
    (adviser/advisor, defence/defense); their mean is the sentence similarity. Built only over the
    documents that take part in an alignment, since character grams are the costliest features.
    """

    def __init__(self, documents: Sequence[Document]) -> None:
        sentences = [s for doc in documents for s in doc.sentences]
        texts = [s.text for s in sentences] or [""]
        self._stems = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, dtype=np.float32)
        self._chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, lowercase=True, dtype=np.float32
        )
        stems = [s.stems for s in sentences] or [()]
        try:
            full_stems = self._stems.fit_transform(stems).tocsr()
        except ValueError:  # no content word in the whole batch
            self._stems.fit([("empty",)])
            full_stems = self._stems.transform(stems).tocsr()
        try:
            full_chars = self._chars.fit_transform(texts).tocsr()
        except ValueError:  # no sentence, or none with a character gram
            self._chars.fit(["empty"])
            full_chars = self._chars.transform(texts).tocsr()
        prose = [prose_of(s) for s in sentences] or [""]
        prose_stems = self._stems.transform([content_stems(words(text)) for text in prose]).tocsr()
        prose_chars = self._chars.transform(prose).tocsr()
        self._blocks: dict[str, tuple[sp.csr_matrix, ...]] = {}
        start = 0
        for doc in documents:
            end = start + len(doc.sentences)
            self._blocks[doc.id] = tuple(m[start:end] for m in (full_stems, full_chars, prose_stems, prose_chars))
            start = end

    def __contains__(self, doc: Document) -> bool:
        return doc.id in self._blocks

    def similarity(self, a: Document, b: Document, *, prose: bool = False) -> np.ndarray:
        """Dense (len(a.sentences), len(b.sentences)) matrix of sentence similarities in [0, 1].

        With `prose=True` quotations are left out of both sides first.
        """
        offset = 2 if prose else 0
        block_a, block_b = self._blocks[a.id], self._blocks[b.id]
        stem_sim = (block_a[offset] @ block_b[offset].T).toarray()
        char_sim = (block_a[offset + 1] @ block_b[offset + 1].T).toarray()
        return np.clip((stem_sim + char_sim) / 2.0, 0.0, 1.0)


def word_ratio(a: Sentence, b: Sentence) -> float:
    """difflib ratio of the two sentences' word sequences: 1.0 for the same words in the same order."""
    return difflib.SequenceMatcher(None, a.words, b.words, autojunk=False).ratio()


def sentence_class(
    a: Sentence,
    b: Sentence,
    similarity: float,
    prose_similarity: float,
    config: ScoreConfig,
    *,
    threshold: float | None = None,
) -> str | None:
    """Label an aligned sentence pair: verbatim, edited, rewritten, quote, or None (not related).

    Two sentences that are mostly quotation on both sides are `quote` however alike they are: what
    someone said is reported by every outlet, so it is evidence of the same story, not of copying.
    """
    quoted_both = a.quote_share >= config.quote_share and b.quote_share >= config.quote_share
    if a.words == b.words and a.words:
        return "quote" if quoted_both else "verbatim"
    threshold = config.rewritten_similarity if threshold is None else threshold
    if similarity < threshold:
        return None
    if word_ratio(a, b) >= config.edited_ratio:
        return "quote" if quoted_both else "edited"
    if a.quote_share == 0 or b.quote_share == 0:
        # One side is the reporter's own prose: a quote turned into reported speech is a rewrite.
        return "rewritten"
    if prose_similarity >= threshold:
        return "rewritten"
    return "quote"
