"""Similarity: TF-IDF cosine of whole documents on candidate pairs, and of sentences for alignment.

Both spaces are fitted on the batch being compared, because what makes a word telling depends on
the batch: in a day of Pakistan coverage, "Pakistan" says nothing; "deterrence" says a lot.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from dedup.arrays import gathered_runs, numbered_distinct, unique_sorted
from dedup.background import background_idf
from dedup.errors import ConfigError
from dedup.kernels import pair_dots
from dedup.model import Document, Sentence
from dedup.text import content_stems, words

# A sentence whose characters are this much inside quotation marks is quoted speech: the default of
# `ScoreConfig.quote_share`, and the bar `dedup.align`'s shares use.
QUOTE_SHARE = 0.5


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
    # -0.8 to 0.07, so an in-order pair is evidence that an out-of-order one is not. At 0.15, 11 of
    # 001's 20 sentences align to 000 while independent outlets cover at most 0.30 of each other.
    ordered_similarity: float = 0.15
    # The ordered chain lowers the bar only when it holds this many pairs that clear
    # `rewritten_similarity` on their own: five weak links in order happen by chance between two
    # short reports of one event (wikiref220 malaysia.airlines 75/79), while 001/000 has 7.
    ordered_anchors: int = 3
    # Similarity at which an unaligned sentence joins its neighbour's link (one sentence split in
    # two, or two merged): being next to the partner's partner is itself evidence. Seeds: 001
    # splits 000's Finer and sanctions sentences in two, the second halves scoring 0.30 and 0.32.
    run_similarity: float = 0.25
    # Word-sequence ratio (difflib) at or above which a pair is `edited` (a few words changed)
    # rather than rewritten: 0.8 is about one changed word in ten.
    edited_ratio: float = 0.80
    # ... or `edited` when the shorter sentence, of at least `edited_min_words` words, has this share
    # of its words in phrases (runs of 3+ words) found in the other, in order: a wire sentence that
    # a desk cut or extended. Set on METER dev (196 newspaper stories with words marked Verbatim /
    # Rewrite / New by people, `dedup eval meter`): sentence macro-F1 against the annotation is
    # 0.511 without this test, 0.597 / 0.588 / 0.577 / 0.558 at 0.3 / 0.4 / 0.5 / 0.6; 0.4 keeps a
    # rewrite of the seeds (001's "The ministry stressed that Pakistan's missile programme aims to
    # protect its sovereignty...") rewritten, which counting single matching words made edited.
    # Five words keep "he said." and the like out.
    edited_containment: float = 0.4
    edited_min_words: int = 5
    # A sentence whose characters are this much inside quotation marks is quoted speech.
    quote_share: float = QUOTE_SHARE

    def __post_init__(self) -> None:
        names = ("rewritten_similarity", "ordered_similarity", "run_similarity", "edited_ratio", "edited_containment")
        for name in (*names, "quote_share"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"{name} must be between 0 and 1, got {value!r}")
        minimum = self.edited_min_words
        if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 1:
            raise ConfigError(f"edited_min_words must be a positive integer, got {minimum!r}")


_QUOTED = re.compile(r'"[^"]*"?')


def prose_of(sentence: Sentence) -> str:
    """The sentence's own words, quotations removed: what a reporter wrote rather than what was said."""
    return prose_text(sentence.text)


def prose_text(text: str) -> str:
    """`prose_of` a sentence given by its text."""
    return _QUOTED.sub(" ", text)


@dataclass(frozen=True)
class DocumentFrequencies:
    """How many documents of a whole batch hold each stem, and the batch size.

    Lets a space built over part of a batch (one Spark partition, one connected component) weigh
    its documents exactly as a space over the whole batch would.
    """

    counts: Mapping[str, int]
    n_documents: int


def document_frequencies(documents: Sequence[Document]) -> Counter:
    """Documents holding each stem among `documents`: summed over the parts of a batch, the
    `DocumentFrequencies.counts` of the whole."""
    counts: Counter = Counter()
    for doc in documents:
        counts.update({stem for sentence in doc.sentences for stem in sentence.stems})
    return counts


class DocumentSpace:
    """TF-IDF vectors of whole documents, for the document-level cosine of candidate pairs.

    Stemmed content words with raw term frequency; quotations count, since for telling stories
    apart a shared quote is evidence of the same event. Raw rather than sublinear term frequency:
    on wikiref220, story ARI stays within 0.86-0.89 for average-linkage thresholds 0.05-0.14 with
    raw counts, while sublinear counts peak at 0.90 on a cliff (0.54 at 0.05, 0.74 at 0.14).

    The vectors are those of scikit-learn's ``TfidfVectorizer(analyzer=identity, dtype=float32)``
    fitted on the documents' stems, bit for bit (columns in sorted `vocabulary` order), built with
    numpy from one id array per distinct sentence instead of a Python pass over every token.
    """

    def __init__(self, documents: Sequence[Document], *, frequencies: DocumentFrequencies | None = None) -> None:
        """Vectors of `documents`, weighed by their own batch, or by `frequencies` of a larger one."""
        counts, stem_ids = _document_stem_counts(documents)
        counts, self.vocabulary = _sorted_columns(counts, stem_ids)
        if frequencies is None:
            self.document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
            n_documents = counts.shape[0]
        else:
            self.document_frequency = np.array(
                [frequencies.counts.get(term, 0) for term in self.vocabulary], dtype=np.int64
            )
            n_documents = frequencies.n_documents
        # Background weights (dedup.background), so that a pair's cosine does not depend on the
        # unrelated articles beside it; words of other scripts, which the English table cannot
        # weigh, by the batch.
        idf = background_idf(self.vocabulary)
        unknown = np.isnan(idf)
        idf[unknown] = idf_of(self.document_frequency[unknown], n_documents)
        self.matrix = weigh(counts, idf, sublinear=False)

    def cosine(self, pairs: np.ndarray) -> np.ndarray:
        """Cosine of each (i, j) row of `pairs` (float32, `row_dots` of the matrix)."""
        return row_dots(self.matrix, pairs[:, 0], pairs[:, 1])


def top_terms(matrix: sp.csr_matrix, count: int, usable: np.ndarray) -> list[np.ndarray]:
    """Each row's `count` highest-weighted columns among the `usable` ones (a boolean per column),
    sorted ascending; ties in weight go to the lower column.

    The story grain's terms (`dedup.stages.sketch.story_terms`, within a batch or across two sets,
    which differ only in which terms can make a pair).
    """
    n_rows = matrix.shape[0]
    if n_rows == 0:
        return []
    if not matrix.has_sorted_indices:
        matrix = matrix.sorted_indices()
    rows = np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(matrix.indptr))
    keep = usable[matrix.indices]
    rows, columns, weights = rows[keep], matrix.indices[keep].astype(np.int64), matrix.data[keep]
    # By row, then by weight, largest first, in one stable sort of one int64 key (the bits of a
    # non-negative float32 order as the float does), so that ties keep the row's column order: the
    # order of ``np.lexsort((columns, -weights, rows))`` (make_corpus 10k: 0.79 s -> 0.31 s).
    descending = np.int64(0x7FFFFFFF) - np.asarray(weights, dtype=np.float32).view(np.int32).astype(np.int64)
    order = np.argsort((rows << 32) | descending, kind="stable")
    rows, columns = rows[order], columns[order]
    row_starts = np.searchsorted(rows, np.arange(n_rows))
    top = np.arange(len(rows)) - row_starts[rows] < count
    keys = np.sort((rows[top] << 32) | columns[top])
    rows, columns = keys >> 32, keys & np.int64(0xFFFFFFFF)
    return np.split(columns.astype(matrix.indices.dtype), np.searchsorted(rows, np.arange(1, n_rows)))


def row_products(left: sp.csr_matrix, right: sp.csr_matrix, *, dtype: type = np.float32) -> np.ndarray:
    """Dot product of each row of `left` with the same row of `right`, as `dtype`.

    The products of a row are summed by scipy's ``sum(axis=1)`` (numpy's ``add.reduceat``, which
    sums a row's products in column order, pairwise), so with columns in sorted term order a row
    pair's value does not depend on which batch the rows are in. Call it when the rows are already
    gathered (one Spark batch); `row_dots` gathers them from one matrix.
    """
    return np.asarray(left.multiply(right).sum(axis=1), dtype=dtype).ravel()


def row_dots(
    matrix: sp.csr_matrix,
    left: np.ndarray,
    right: np.ndarray,
    *,
    in_order: bool = False,
    dtype: type = np.float32,
) -> np.ndarray:
    """``matrix[left[k]] . matrix[right[k]]`` for every k: the one place dot products of row pairs
    are taken (cosines of L2-normalised TF-IDF rows, and the story grouping's sums of rows).

    The products of the columns both rows hold are summed in column order, in the matrix's float
    type (float32 for every TF-IDF matrix of dedup's own): by default as `row_products` sums them
    (numpy's pairwise ``add.reduceat``); with `in_order` one after another, as a sparse matrix
    product sums them, so that the values equal those of ``A @ B.T`` (and of a float32
    `np.cumsum` over a row's products, which `dedup.group.story_clusters` compares them with). The
    two sums can differ in the last bit, so each caller keeps the one its values were defined by.
    The sums are given as `dtype` (float32 with `in_order`).

    A compiled loop (`dedup.kernels.pair_dots`) over the matrix's arrays, the pairs taken by left
    row so that each left row is spread out densely once: the same sums as gathering the rows and
    multiplying them element-wise, without building the gathered rows (make_corpus 10k's 3.2M
    candidate pairs, one process: 9.2 s -> 2.7 s, every value equal).
    """
    left, right = np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)
    if not len(left):
        return np.zeros(0, dtype=np.float32 if in_order else dtype)
    matrix = matrix.tocsr()
    if not matrix.has_sorted_indices:
        matrix = matrix.sorted_indices()
    if matrix.dtype not in (np.float32, np.float64):
        matrix = matrix.astype(np.float64)
    order = np.argsort(left, kind="stable")
    dots = np.empty(len(left), dtype=matrix.dtype)
    dense = np.zeros(matrix.shape[1], dtype=matrix.dtype)
    pair_dots(matrix.indptr, matrix.indices, matrix.data, left[order], right[order], dense, in_order, dots)
    out = np.empty(len(left), dtype=np.float32 if in_order else dtype)
    out[order] = dots
    return out


_NO_IDS = np.zeros(0, dtype=np.int64)


def document_terms(
    documents: Sequence[Document],
    terms_of: Callable[[Sentence], tuple[str, ...]],
    encode: Callable[[list[str]], np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Each document's terms (`terms_of` each of its sentences, in order), one document after
    another, as `encode` gives them, and how many terms each document has.

    Each distinct sentence is encoded once (copies repeat most sentences; `numbered_distinct`),
    all in one call, and each document's terms are its sentences' runs of them: C-level passes
    rather than a Python step per token (the stems of `DocumentSpace` and the word hashes of
    `dedup.stages.sketch.document_shingles`)."""
    distinct, numbers = numbered_distinct([terms_of(sentence) for doc in documents for sentence in doc.sentences])
    codes = encode(list(chain.from_iterable(distinct)))
    lengths = np.fromiter(map(len, distinct), dtype=np.int64, count=len(distinct))
    sentences_of = np.fromiter((len(doc.sentences) for doc in documents), dtype=np.int64, count=len(documents))
    document_of = np.repeat(np.arange(len(documents)), sentences_of)
    per_document = np.bincount(document_of, weights=lengths[numbers], minlength=len(documents)).astype(np.int64)
    return gathered_runs(codes, lengths, numbers), per_document


def _document_stem_counts(documents: Sequence[Document]) -> tuple[sp.csr_matrix, dict[str, int]]:
    """Each document's stem counts (float32 CSR, sorted indices) and the column of each stem,
    stems numbered in order of first appearance (generated 100k, the whole `DocumentSpace`:
    15.9 s -> 12.4 s by `document_terms`)."""
    stem_ids: dict[str, int] = {}

    def number(stems: list[str]) -> np.ndarray:
        stem_ids.update((stem, k) for k, stem in enumerate(dict.fromkeys(stems)))
        return np.fromiter(map(stem_ids.__getitem__, stems), dtype=np.int64, count=len(stems))

    terms, terms_of = document_terms(documents, lambda sentence: sentence.stems, number)
    counts = sp.csr_matrix(
        (np.ones(len(terms), dtype=np.float32), terms, np.concatenate(([0], np.cumsum(terms_of)))),
        shape=(len(documents), len(stem_ids)),
    )
    counts.sum_duplicates()
    return counts, stem_ids


def _sorted_columns(counts: sp.csr_matrix, index: dict[str, int]) -> tuple[sp.csr_matrix, list[str]]:
    """Renumber columns in sorted term order, as scikit-learn's vocabulary is; return the terms too."""
    terms = list(index)
    order = sorted(range(len(terms)), key=terms.__getitem__)
    rank = np.empty(len(terms), dtype=np.int64)
    rank[order] = np.arange(len(terms))
    counts.indices = rank[counts.indices].astype(counts.indices.dtype)
    counts.has_sorted_indices = False
    counts.sort_indices()
    return counts, [terms[k] for k in order]


def idf_of(df: np.ndarray, n_samples: int | np.ndarray, *, precision: type = np.float32) -> np.ndarray:
    """scikit-learn's smooth IDF, ``ln((n + 1) / (df + 1)) + 1``, of each document frequency `df`
    among `n_samples` (one count, or one per entry of `df`), as float32.

    Computed in float32 as scikit-learn computes it for float32 vectors; `precision` float64
    computes it in double and rounds the result once, as the copy level (`batch_tfidf`) always
    has (the two differ in the last bit for about one frequency in five).
    """
    df = df.astype(precision)
    df += 1.0
    idf = np.full_like(df, fill_value=n_samples + 1, dtype=precision)
    idf /= df
    np.log(idf, out=idf)
    idf += 1.0
    return idf.astype(np.float32, copy=False)


# Rows of term counts weighed at once by `weigh`: no temporary is as large as a batch's matrix.
_ROW_BLOCK = 20_000


def weigh(
    counts: sp.csr_matrix, idf: np.ndarray, *, sublinear: bool = False, rounding: str = "scikit-learn"
) -> sp.csr_matrix:
    """TF-IDF rows of term `counts` (float32, sorted columns; column k weighed by ``idf[k]``),
    L2-normalised, in place: the one TF-IDF weighing of documents, sentences and hashed columns.

    `sublinear` takes ``1 + ln(count)`` as term frequency, as scikit-learn's ``sublinear_tf``.
    `rounding` is how the norm is taken: ``"scikit-learn"``, its float32 arithmetic bit for bit
    (``inplace_csr_row_normalize_l2``: float32 squares summed in double, divided in double);
    ``"float32"``, squares exact in double and each weight divided in float32 by its row's norm
    rounded to float32, which the copy level's cosines were defined with (`batch_tfidf`; within
    one unit in the last place of scikit-learn's). Rows are weighed `_ROW_BLOCK` at a time.
    """
    if rounding not in ("scikit-learn", "float32"):
        raise ValueError(f"rounding must be 'scikit-learn' or 'float32', got {rounding!r}")
    data, indptr = counts.data, counts.indptr
    for first in range(0, counts.shape[0], _ROW_BLOCK):
        last = min(first + _ROW_BLOCK, counts.shape[0])
        start, stop = indptr[first], indptr[last]
        rows = indptr[first : last + 1] - start
        _weigh_rows(data[start:stop], counts.indices[start:stop], rows, idf, sublinear, rounding)
    return counts


def _weigh_rows(
    data: np.ndarray, columns: np.ndarray, indptr: np.ndarray, idf: np.ndarray, sublinear: bool, rounding: str
) -> None:
    """`weigh` of the rows whose counts are `data` (a float32 view, overwritten), `columns` and
    `indptr` (from 0)."""
    if sublinear:
        np.log(data, out=data)
        data += 1.0
    data *= idf[columns]
    if rounding == "scikit-learn":
        squares = (data * data).astype(np.float64)
    else:
        squares = np.square(data, dtype=np.float64)
    lengths = np.diff(indptr)
    norms = np.zeros(len(lengths), dtype=np.float64)
    nonempty = lengths > 0
    if len(data):
        norms[nonempty] = np.add.reduceat(squares, indptr[:-1][nonempty])
    norms = np.sqrt(norms)
    norms[norms == 0.0] = 1.0
    if rounding == "scikit-learn":
        # Divided in double and rounded once to float32, straight into `data` (no double temporary).
        np.divide(data, np.repeat(norms, lengths), out=data, casting="unsafe")
    else:
        data /= np.repeat(norms, lengths).astype(np.float32)


def batch_tfidf(counts: sp.csr_matrix, *, in_place: bool = False) -> sp.csr_matrix:
    """L2-normalised TF-IDF rows of term counts weighed by their own batch: scikit-learn's smooth
    IDF over the rows (`idf_of` in double precision) and raw counts as TF, with `weigh`'s
    ``"float32"`` rounding; the copy level's vectors over hashed word columns.

    Into `counts` itself with `in_place` (float32 counts only), else into a copy of its data.
    """
    n_docs = counts.shape[0]
    document_frequency = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.int32)
    # IDF takes one value per distinct document frequency: a table, not a logarithm per column.
    idf_of_frequency = idf_of(np.arange(n_docs + 1), n_docs, precision=np.float64)
    weights = counts.data if in_place and counts.data.dtype == np.float32 else counts.data.astype(np.float32)
    vectors = sp.csr_matrix((weights, counts.indices, counts.indptr), shape=counts.shape, copy=False)
    return weigh(vectors, idf_of_frequency[document_frequency], rounding="float32")


# Distinct sentences whose character grams are counted at once (bounds the temporary arrays).
_SPACE_CHUNK = 10_000


def flat_counts(rows: Iterable[Sequence[str]], *, key=None) -> tuple[list[str], sp.csr_matrix]:
    """The terms in column order (sorted, by `key` if given) and the rows' term counts.

    Sorted columns make a row's products sum in one order whatever else the batch holds, so a
    space over part of a batch gives the same float32 values as one over the whole. `rows` may be
    an iterator: each row is numbered as it comes (terms in order of first appearance, renumbered
    in sorted order at the end), so only the distinct terms are held, not every row's."""
    numbering = _Numbering()
    lengths: list[int] = []
    id_parts: list[np.ndarray] = []
    batch: list[str] = []
    for row in rows:
        lengths.append(len(row))
        batch.extend(row)
        if len(batch) >= _NUMBERED_TERMS:
            id_parts.append(np.fromiter(map(numbering.__getitem__, batch), dtype=np.int64, count=len(batch)))
            batch = []
    id_parts.append(np.fromiter(map(numbering.__getitem__, batch), dtype=np.int64, count=len(batch)))
    terms = list(numbering)
    order = sorted(range(len(terms)), key=terms.__getitem__ if key is None else lambda k: key(terms[k]))
    rank = np.empty(len(terms), dtype=np.int64)
    rank[np.array(order, dtype=np.int64)] = np.arange(len(terms))
    ids = rank[np.concatenate(id_parts)]
    counts = sp.csr_matrix(
        (np.ones(len(ids), dtype=np.float32), ids, np.concatenate(([0], np.cumsum(lengths, dtype=np.int64)))),
        shape=(len(lengths), len(terms)),
    )
    counts.sum_duplicates()
    return [terms[k] for k in order], counts


# Terms `flat_counts` numbers at a time (a list of them is held meanwhile).
_NUMBERED_TERMS = 1_000_000


class _Numbering(dict):
    """term -> number, a new term numbered next (in order of first appearance) when looked up."""

    __slots__ = ()

    def __missing__(self, term: str) -> int:
        number = self[term] = len(self)
        return number


def _gram_order(gram: str) -> tuple[int, str]:
    """Column order of character grams: by length, then code points (the order of `GramKeys` keys)."""
    return len(gram), gram


class GramKeys:
    """scikit-learn's char_wb 3-5-grams of many tokens at once, each gram as an exact integer key.

    A padded token (a space each side) of length L yields every window of n characters for each
    n in 3..5 with n <= L, which is what `_char_wb_grams` yields. Characters are renumbered over
    the batch's alphabet, so a window of up to 5 of them is one int64 (distinct grams, distinct
    keys); a batch with more than 4,095 distinct characters goes through `_char_wb_grams`.
    Columns are in key order, which is (length, code points) order whatever the alphabet, so two
    batches number their common grams in the same relative order.
    """

    def __init__(self, tokens: list[str]) -> None:
        self.alphabet = _alphabet(tokens)
        self.exact = len(self.alphabet) < _MAX_ALPHABET
        if not self.exact:  # rare: fall back to strings
            grams, gram_counts = flat_counts([_char_wb_grams(t) for t in tokens], key=_gram_order)
            self.index = {gram: column for column, gram in enumerate(grams)}
            self.token_grams = gram_counts
            return
        # A chunk of tokens at a time, each chunk's grams numbered among its own distinct keys and
        # renumbered among the whole batch's at the end: the same matrix as numbering them all at
        # once, without the batch's every gram occurrence (22M at 30k generated articles, several
        # int64 arrays of each) held at one time.
        parts = []
        for start in range(0, len(tokens), _GRAM_TOKENS):
            chunk = tokens[start : start + _GRAM_TOKENS]
            token_of, keys = self._keys(chunk)
            chunk_keys, columns = np.unique(keys, return_inverse=True)
            counts = sp.csr_matrix(
                (np.ones(len(keys), dtype=np.float32), (token_of, columns)), shape=(len(chunk), len(chunk_keys))
            )
            counts.sum_duplicates()
            parts.append((counts, chunk_keys))
        if not parts:  # no tokens
            self.keys, self.token_grams = np.zeros(0, dtype=np.int64), sp.csr_matrix((0, 0), dtype=np.float32)
            return
        self.keys = unique_sorted(np.concatenate([keys for _, keys in parts]))
        self.token_grams = _stacked(parts, self.keys)

    def _keys(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(token number, key) of every gram of `tokens`, in no particular order; characters
        outside the alphabet get -1, and grams holding one are left out."""
        points = _code_points(tokens)
        found = np.searchsorted(self.alphabet, points)
        found[found >= len(self.alphabet)] = 0
        codes = np.where(self.alphabet[found] == points, found + 1, -1).astype(np.int64)
        codes[points == _SEPARATOR] = 0
        separators = np.concatenate(([0], np.cumsum(codes == 0)))
        token_parts, key_parts = [], []
        for n in (3, 4, 5):
            starts = np.arange(max(0, len(codes) - n + 1))
            starts = starts[separators[starts + n] - separators[starts] == 0]
            key = np.full(len(starts), n, dtype=np.int64)
            unknown = np.zeros(len(starts), dtype=bool)
            for offset in range(n):
                code = codes[starts + offset]
                unknown |= code < 0
                key = key * _KEY_BASE + code
            known = ~unknown
            token_parts.append(separators[starts][known])
            key_parts.append(key[known])
        return np.concatenate(token_parts), np.concatenate(key_parts)

    def columns(self, tokens: list[str]) -> np.ndarray:
        """Columns of the grams of `tokens` (one per occurrence) that the batch has; others dropped."""
        if not tokens:
            return _NO_IDS
        if not self.exact:
            grams = [g for token in tokens for g in _char_wb_grams(token)]
            return np.array([self.index[g] for g in grams if g in self.index], dtype=np.int64)
        _, keys = self._keys(tokens)
        if not len(self.keys):
            return _NO_IDS
        at = np.searchsorted(self.keys, keys)
        at[at >= len(self.keys)] = 0
        return at[self.keys[at] == keys]


# Tokens whose grams `GramKeys` numbers at once: bounds its temporary arrays to some 100 MB.
_GRAM_TOKENS = 50_000


def _stacked(parts: list[tuple[sp.csr_matrix, np.ndarray]], keys: np.ndarray) -> sp.csr_matrix:
    """The rows of every part (counts whose columns number the part's own sorted keys) one after
    another, columns renumbered among `keys` (all the parts' keys, sorted): what `sp.vstack` of
    the renumbered parts gives, index types and all, written into the result's arrays a part at a
    time, each part dropped from `parts` once copied. Both numberings follow key order, so each
    row's columns stay sorted. A stack held every part and the whole result at once, the
    sentence tables' largest moment (100k generated articles, traced: 1,725 MB then, 1,567 now)."""
    rows = sum(counts.shape[0] for counts, _ in parts)
    entries = sum(counts.nnz for counts, _ in parts)
    index_type = np.int32 if max(entries, rows, len(keys)) <= np.iinfo(np.int32).max else np.int64
    data = np.empty(entries, dtype=np.float32)
    indices = np.empty(entries, dtype=index_type)
    indptr = np.empty(rows + 1, dtype=index_type)
    indptr[0] = row = entry = 0
    parts.reverse()  # taken from the end, first part first
    while parts:
        counts, part_keys = parts.pop()
        stop = entry + counts.nnz
        data[entry:stop] = counts.data
        indices[entry:stop] = np.searchsorted(keys, part_keys)[counts.indices]
        indptr[row + 1 : row + 1 + counts.shape[0]] = counts.indptr[1:] + entry
        row, entry = row + counts.shape[0], stop
        del counts, part_keys
    return sp.csr_matrix((data, indices, indptr), shape=(rows, len(keys)))


def _alphabet(tokens: list[str]) -> np.ndarray:
    """The distinct code points of the padded tokens (with NUL and the space), sorted."""
    if not tokens:
        return np.zeros(0, dtype=np.uint32)
    starts = range(0, len(tokens), _GRAM_TOKENS)
    return np.unique(np.concatenate([np.unique(_code_points(tokens[k : k + _GRAM_TOKENS])) for k in starts]))


_SEPARATOR = 0  # NUL joins the padded tokens; a NUL inside a token is read as U+0001 instead
_KEY_BASE = 4096
_MAX_ALPHABET = 4095


def _code_points(tokens: list[str]) -> np.ndarray:
    """Code points of the padded tokens, joined by NUL."""
    joined = "\x00".join(tokens)
    if joined.count("\x00") == max(0, len(tokens) - 1):  # no token holds a NUL: pad in one pass
        joined = " " + joined.replace("\x00", " \x00 ") + " " if tokens else ""
    else:
        joined = "\x00".join(" " + token.replace("\x00", "\x01") + " " for token in tokens)
    return np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)


def _char_wb_grams(token: str) -> list[str]:
    """scikit-learn's ``char_wb`` 3-5-grams of one lower-cased token: padded with a space each
    side; a padded token no longer than n is one gram, and larger n are skipped."""
    padded = " " + token + " "
    length = len(padded)
    grams = []
    for n in (3, 4, 5):
        if length <= n:
            grams.append(padded)
            break
        grams.extend([padded[i : i + n] for i in range(length - n + 1)])
    return grams


def _weighted_df(counts: sp.csr_matrix, weights: np.ndarray) -> np.ndarray:
    """Per column, the summed weights of the rows holding it."""
    row_weights = np.repeat(weights, np.diff(counts.indptr))
    return np.bincount(counts.indices, weights=row_weights, minlength=counts.shape[1]).astype(np.float64)


class SentenceSimilarities(Protocol):
    """What an alignment reads of a sentence space: a `SentenceSpace`, or the similarities of one
    pair computed in bulk (`dedup.bulk_space.PairSimilarities`)."""

    def similarity(self, a: Document, b: Document, *, prose: bool = False) -> np.ndarray:
        """Dense (len(a.sentences), len(b.sentences)) sentence similarities, of the prose when `prose`."""
        ...


def pair_space(a: Document, b: Document) -> SentenceSpace:
    """The sentence space a pair of articles is aligned in: fitted on their two texts alone.

    Which words are telling between two sentences is judged from the pair itself, so a pair's
    alignment, shares and relation are the same in any batch (with the batch's sentences, two
    independent reports of one event became a rewrite once 30 unrelated articles joined them:
    their event words turned rare), and the same in `cluster`, `diff` and `flag`.
    """
    return SentenceSpace([a, b])


class SentenceSpace:
    """TF-IDF vectors of every sentence of the documents to align: stemmed words and character 3-5-grams.

    Stems survive inflection (labelled/labeling), character grams survive spelling variants
    (adviser/advisor, defence/defense); their mean is the sentence similarity. Built only over the
    documents that take part in an alignment, since character grams are the costliest features.

    The vectors are scikit-learn's (``TfidfVectorizer`` with ``sublinear_tf``, char_wb 3-5-grams
    lower-cased), bit for bit, fitted on every sentence of `documents`. They are computed once per
    distinct sentence text (copies repeat most sentences; IDF still counts every occurrence), and
    character grams once per distinct token: a sentence's gram counts are the sum of its tokens'.
    Vectors of the prose (quotations removed) are made only for the sentences that need them.
    """

    def __init__(self, documents: Sequence[Document]) -> None:
        """Vectors of the sentences of `documents`, weighed by their own sentences (a pair's two
        articles in `pair_space`)."""
        row_of_text: dict[str, int] = {}
        texts: list[str] = []
        stems: list[tuple[str, ...]] = []
        occurrences: list[int] = []
        self._rows: dict[str, np.ndarray] = {}
        for doc in documents:
            rows = []
            for sentence in doc.sentences:
                row = row_of_text.get(sentence.text)
                if row is None:
                    row = row_of_text[sentence.text] = len(texts)
                    texts.append(sentence.text)
                    stems.append(sentence.stems)
                    occurrences.append(0)
                occurrences[row] += 1
                rows.append(row)
            self._rows[doc.id] = np.array(rows, dtype=np.int64)
        weights = np.array(occurrences, dtype=np.float64)
        self.texts = texts
        stem_terms, stem_counts = flat_counts(stems)
        self._stem_column = {stem: column for column, stem in enumerate(stem_terms)}
        self._stem_df = _weighted_df(stem_counts, weights)
        n_sentences = int(weights.sum())
        self._stem_idf = idf_of(self._stem_df, n_sentences)
        self.stems = weigh(stem_counts, self._stem_idf, sublinear=True)

        # Character grams: each distinct token's grams once (W), each sentence's token counts (P);
        # a sentence's gram counts are its row of P @ W. Only IDF is kept for the whole batch;
        # rows are weighed when asked for, so memory holds P and W, not every sentence's grams.
        tokens, self._token_counts = flat_counts(text.lower().split() for text in texts)
        self._grams = GramKeys(tokens)
        self._token_grams = self._grams.token_grams[: len(tokens)]
        df = np.zeros(self._token_grams.shape[1], dtype=np.float64)
        for start in range(0, len(texts), _SPACE_CHUNK):
            counts = self._token_counts[start : start + _SPACE_CHUNK] @ self._token_grams
            df += _weighted_df(counts, weights[start : start + _SPACE_CHUNK])
        self._gram_df = df
        self._gram_idf = idf_of(self._gram_df, n_sentences)
        self._prose: dict[int, tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]] = {}

    def similarity(self, a: Document, b: Document, *, prose: bool = False) -> np.ndarray:
        """Dense (len(a.sentences), len(b.sentences)) matrix of sentence similarities in [0, 1].

        With `prose=True` quotations are left out of both sides first.
        """
        rows_a, rows_b = self._rows[a.id], self._rows[b.id]
        if prose:
            stems_a, chars_a = self._prose_block(rows_a)
            stems_b, chars_b = self._prose_block(rows_b)
        else:
            stems_a, chars_a = self.stems[rows_a], self.chars(rows_a)
            stems_b, chars_b = self.stems[rows_b], self.chars(rows_b)
        stem_sim = (stems_a @ stems_b.T).toarray()
        char_sim = (chars_a @ chars_b.T).toarray()
        return np.clip((stem_sim + char_sim) / 2.0, 0.0, 1.0)

    def chars(self, rows: np.ndarray) -> sp.csr_matrix:
        """Character-gram TF-IDF vectors of the distinct sentences `rows` (rows of `texts`)."""
        counts = (self._token_counts[rows] @ self._token_grams).tocsr()
        counts.sort_indices()
        return weigh(counts, self._gram_idf, sublinear=True)

    def _prose_of(self, row: int) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        vectors = self._prose.get(row)
        if vectors is None:
            prose = prose_text(self.texts[row])
            stem_column, stem_df = self._stem_column, self._stem_df
            stems = [stem_column[t] for t in content_stems(words(prose)) if t in stem_column]
            stems = [column for column in stems if stem_df[column]]
            grams = self._grams.columns(prose.lower().split())
            grams = grams[self._gram_df[grams] > 0].tolist()
            vectors = self._prose[row] = (weigh_one(stems, self._stem_idf), weigh_one(grams, self._gram_idf))
        return vectors

    def _prose_block(self, rows: np.ndarray) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        pieces = [self._prose_of(row) for row in rows.tolist()]
        return (
            stacked_rows([p[0] for p in pieces], len(self._stem_column)),
            stacked_rows([p[1] for p in pieces], self._token_grams.shape[1]),
        )


def weigh_one(columns: list[int], idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One sublinear TF-IDF row of the terms at `columns` (one entry per occurrence), as
    (sorted columns, float32 weights), weighed by `weigh`."""
    if not columns:
        return _NO_IDS, np.zeros(0, dtype=np.float32)
    columns, counts = np.unique(np.array(columns, dtype=np.int64), return_counts=True)
    data = counts.astype(np.float32)
    _weigh_rows(data, columns, np.array([0, len(data)]), idf, True, "scikit-learn")
    return columns, data


def stacked_rows(rows: Sequence[tuple[np.ndarray, np.ndarray]], n_features: int) -> sp.csr_matrix:
    """Sparse rows given as (columns, float32 weights) stacked in one float32 CSR matrix."""
    lengths = [len(columns) for columns, _ in rows]
    indptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    if not rows:
        return sp.csr_matrix((0, n_features), dtype=np.float32)
    return sp.csr_matrix(
        (np.concatenate([d for _, d in rows]), np.concatenate([c for c, _ in rows]), indptr),
        shape=(len(rows), n_features),
        dtype=np.float32,
    )


def word_ratio(a: Sentence, b: Sentence, *, ratios: RatioCache | None = None) -> float:
    """difflib ratio of the two sentences' word sequences: 1.0 for the same words in the same order.

    `ratios` is the run's `RatioCache`, when it has one."""
    return _word_match(a.words, b.words, ratios)[0]


class RatioCache(dict):
    """(words of A, words of B) -> (difflib ratio, words matched in phrases): each sentence pair's
    word diff (`word_ratio`, the `edited` test of `sentence_class`), kept for the run that makes it.

    Copies of one story make the same sentence pairs again and again, so a run that aligns many
    pairs (`dedup.cluster`, `dedup.flag`, `dedup.pairs`) makes one and passes it down the alignment
    path (`dedup.align.relate`, `align`, `sentence_class`): each pair is diffed once, and the
    memory goes with the run. Emptied when it holds `RatioCache.LIMIT` pairs.
    """

    __slots__ = ()

    # Pairs held at most, as the module-wide table held before runs kept their own.
    LIMIT = 100_000


def _word_match(a: tuple[str, ...], b: tuple[str, ...], ratios: RatioCache | None = None) -> tuple[float, int]:
    """difflib's ratio of two word sequences, and how many words match in runs of at least
    `_PHRASE_WORDS` (phrases taken over, not scattered function words), from one diff; looked up in
    `ratios` first and kept there, when given."""
    if ratios is None:
        return _diff_words(a, b)
    key = (a, b)
    match = ratios.get(key)
    if match is None:
        match = _diff_words(a, b)
        if len(ratios) >= RatioCache.LIMIT:
            ratios.clear()
        ratios[key] = match
    return match


def _diff_words(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[float, int]:
    blocks = difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    matched = sum(block.size for block in blocks)
    phrases = sum(block.size for block in blocks if block.size >= _PHRASE_WORDS)
    return (2.0 * matched / (len(a) + len(b)) if a or b else 1.0, phrases)


# Words in a run that count as a phrase taken over, as `dedup.flag.phrase_containment` counts 3-grams.
_PHRASE_WORDS = 3


def _ratio_bound(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """An upper bound of `word_ratio`: difflib's matching words cannot outnumber the common words
    (counting repeats, of which each side has at most its length minus its distinct words)."""
    set_a, set_b = set(a), set(b)
    common = len(set_a & set_b) + min(len(a) - len(set_a), len(b) - len(set_b))
    return 2.0 * common / (len(a) + len(b)) if a or b else 1.0


def _is_edited(a: tuple[str, ...], b: tuple[str, ...], config: ScoreConfig, ratios: RatioCache | None = None) -> bool:
    """True when one sentence is the other with a few words changed (`edited_ratio`), or when the
    shorter one, of `edited_min_words` or more, has `edited_containment` of its words in phrases
    (runs of three or more words) found word for word and in order in the longer one: a wire
    sentence trimmed or extended by a desk is still copied. `_ratio_bound` rules most pairs out
    before any diff is made.
    """
    shorter = min(len(a), len(b))
    by_containment = shorter >= config.edited_min_words
    bound = _ratio_bound(a, b)
    if bound < config.edited_ratio and not (
        by_containment and bound * (len(a) + len(b)) / (2 * shorter) >= config.edited_containment
    ):
        return False
    ratio, phrases = _word_match(a, b, ratios)
    return ratio >= config.edited_ratio or (by_containment and phrases / shorter >= config.edited_containment)


def sentence_class(
    a: Sentence,
    b: Sentence,
    similarity: float,
    prose_similarity: float,
    config: ScoreConfig,
    *,
    threshold: float | None = None,
    ratios: RatioCache | None = None,
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
    if quoted_both:
        return "quote"
    if _is_edited(a.words, b.words, config, ratios):
        return "edited"
    if a.quote_share == 0 or b.quote_share == 0:
        # One side is the reporter's own prose: a quote turned into reported speech is a rewrite.
        return "rewritten"
    if prose_similarity >= threshold:
        return "rewritten"
    return "quote"
