"""Sentence similarities of many candidate pairs at once, each in its own pair's sentence space.

`dedup.score.pair_space` fits a TF-IDF space on a pair's two articles and multiplies their
sentence vectors: per pair, it re-tokenises both texts, recounts every character gram and builds
a handful of small sparse matrices, which is where the story level spent most of its time.
`SentenceTables` counts every document's sentence terms once, in columns shared by the whole
batch; `pair_similarities` then takes a block of pairs at a time: numpy counts the character
grams of the block's sentences that the process does not keep from earlier blocks (`KeptGrams`)
and computes the logarithms (each pair's IDF of every sentence
frequency its terms can have, the sublinear term frequency of every count), and one compiled
loop per kind of term (`dedup.kernels.pair_sentence_products`) finds each pair's terms and their
sentence frequencies, weighs its sentences with the pair's IDF and multiplies them, summing every
product in the order and precision the pair's own space sums it, so that every similarity equals
`pair_space`'s bit for bit (tests/test_bulk_space.py). Done with sparse matrices (a block-diagonal
product over the block's pairs), the same work took 1.8 to 2.8 times as long (12,000 candidate
pairs of make_corpus 10k: 12.9 s -> 7.2 s; 8,000 of the generated 10k: 7.0 s -> 2.5 s).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from dedup.arrays import ranges, unique_sorted
from dedup.kernels import move_rows_forward, pair_sentence_products
from dedup.model import Document
from dedup.score import QUOTE_SHARE, GramKeys, flat_counts, idf_of, prose_text
from dedup.text import TextCache, content_stems, words

# Sentence positions (both sides, summed over pairs) weighed and multiplied at once: bounds the
# temporary arrays of a block to a few tens of MB (about 330 character grams a sentence).
BLOCK_POSITIONS = 6_000


class SentenceTables:
    """Term counts of every sentence of a batch, once: stems, character grams and, for sentences
    with a quotation, the same of their prose (`dedup.score.prose_of`).

    Rows are distinct sentence texts; `positions` lists each document's sentences as rows, the
    documents one after another. Stem columns are in sorted stem order and gram columns in
    (length, code point) order, the orders `dedup.score.SentenceSpace` gives a pair's terms.
    Character grams are kept as token counts times each token's grams and multiplied out only for
    the sentences of the pairs being compared.
    """

    def __init__(self, documents: Sequence[Document]) -> None:
        """Tables of the sentences of `documents` (indexed as in the batch)."""
        row_of_text: dict[str, int] = {}
        texts: list[str] = []
        stems: list[tuple[str, ...]] = []
        quoted: list[bool] = []
        positions: list[int] = []
        quoted_positions: list[bool] = []
        mostly_quoted: list[bool] = []
        word_counts: list[int] = []
        word_keys: list[int] = []
        lengths = np.zeros(len(documents), dtype=np.int64)
        for d, doc in enumerate(documents):
            lengths[d] = len(doc.sentences)
            for sentence in doc.sentences:
                row = row_of_text.get(sentence.text)
                if row is None:
                    row = row_of_text[sentence.text] = len(texts)
                    texts.append(sentence.text)
                    stems.append(sentence.stems)
                    quoted.append(False)
                    # A sentence's words follow from its text (`dedup.text.words`): counted and
                    # hashed once for all of its occurrences.
                    word_counts.append(len(sentence.words))
                    word_keys.append(hash(sentence.words))
                # A sentence inside a longer quotation has no quotation mark of its own: quoted
                # where any of its occurrences is.
                quoted[row] = quoted[row] or sentence.quote_share != 0
                positions.append(row)
                quoted_positions.append(sentence.quote_share != 0)
                mostly_quoted.append(sentence.quote_share >= QUOTE_SHARE)
        # The table of texts and the position lists dropped as soon as they are arrays, not held
        # through the counts below (generated 10k: the tables' traced largest moment 7 MB lower).
        del row_of_text
        self.positions = np.array(positions, dtype=np.int64)
        self.quoted = np.array(quoted_positions, dtype=bool)
        del positions, quoted_positions
        # Each position's figures for `dedup.align.copy_ruled_out` (`dedup.align.SentenceFigures`):
        # mostly quotation (out of the prose a share counts), words, characters, a hash of its words.
        self.mostly_quoted = np.array(mostly_quoted, dtype=bool)
        self.word_counts = np.array(word_counts, dtype=np.int32)[self.positions]
        self.text_lengths = np.array([len(text) for text in texts], dtype=np.int32)[self.positions]
        self.word_keys = np.array(word_keys, dtype=np.int64)[self.positions]
        del mostly_quoted, word_counts, word_keys
        self.starts = np.concatenate(([0], np.cumsum(lengths)))
        self.lengths = lengths
        # The prose of quoted sentences is counted in the same columns; its terms that no sentence
        # has are columns of their own, which no pair's terms (from whole sentences) include.
        quoted_rows = np.flatnonzero(quoted)
        self.prose_row = np.full(len(texts), -1, dtype=np.int64)
        self.prose_row[quoted_rows] = np.arange(len(quoted_rows))
        prose = [prose_text(texts[row]) for row in quoted_rows.tolist()]
        stems_of = TextCache()  # each token's stem looked up once for all the prose
        prose_stems = [tuple(content_stems(words(text), cache=stems_of)) for text in prose]
        _, stem_counts = flat_counts(stems + prose_stems)
        self.stem_counts, self.prose_stem_counts = stem_counts[: len(texts)], stem_counts[len(texts) :]
        self.n_stems = stem_counts.shape[1]
        tokens, token_counts = flat_counts(text.lower().split() for text in texts + prose)
        self.token_counts, self.prose_token_counts = token_counts[: len(texts)], token_counts[len(texts) :]
        self.token_grams = GramKeys(tokens).token_grams[: len(tokens)].tocsr()
        self.n_grams = self.token_grams.shape[1]
        self._slots: dict[str, np.ndarray] = {}
        self._stem_rows: dict[bool, _Rows] = {}
        self._kept_grams: KeptGrams | None = None

    def slots(self, kind: str) -> np.ndarray:
        """A table of -1 for each column of `kind` ("stems" or "grams"), made once and kept with
        the tables: scratch space that `dedup.kernels.pair_sentence_products` fills and clears
        again pair by pair (int32: it holds term numbers within a pair, far fewer than 2**31)."""
        slot = self._slots.get(kind)
        if slot is None:
            slot = self._slots[kind] = np.full(self.n_stems if kind == "stems" else self.n_grams, -1, dtype=np.int32)
        return slot

    def stem_rows(self, *, prose: bool = False) -> _Rows:
        """The stem counts of every sentence (or of the prose of quoted ones) as the sentence
        kernel reads them, with their largest count: found once and kept, where each block took
        the largest of the whole table again (generated 100k: 1.4 s of one process's profile)."""
        rows = self._stem_rows.get(prose)
        if rows is None:
            rows = self._stem_rows[prose] = _Rows.of(self.prose_stem_counts if prose else self.stem_counts)
        return rows

    def kept_grams(self) -> KeptGrams:
        """The character-gram counts of the sentences this process compared lately
        (`KeptGrams`), made on first use and kept with the tables, so that each process (a
        forked worker given the tables) keeps its own."""
        if self._kept_grams is None:
            self._kept_grams = KeptGrams(self)
        return self._kept_grams

    def gram_counts(self, rows: np.ndarray, *, prose: bool = False) -> sp.csr_matrix:
        """Character-gram counts of the sentences `rows` (sorted columns), or of their prose
        (`rows` numbering the quoted sentences, as `prose_row` does)."""
        tokens = self.prose_token_counts if prose else self.token_counts
        return _sorted(tokens[rows] @ self.token_grams)


def sentence_grams(token_counts: sp.csr_matrix, token_grams: sp.csr_matrix, rows: np.ndarray) -> sp.csr_matrix:
    """The character-gram counts of the sentences `rows` of `token_counts` (their token counts;
    `token_grams` the grams of each token), transposed: a row per gram, a column per sentence
    (in no particular order within a row).

    Its transpose's conversion to rows is one pass in linear time that leaves each row's columns
    sorted, where sorting the rows of ``counts @ token_grams`` took longer than the product. Only
    the tokens these sentences hold take part, so that the cost follows the sentences, not the
    batch's vocabulary."""
    tokens = token_counts[rows]
    held = np.zeros(tokens.shape[1], dtype=bool)
    held[tokens.indices] = True
    number = np.cumsum(held) - 1
    sentence_tokens = sp.csr_matrix(
        (tokens.data, number[tokens.indices], tokens.indptr), shape=(tokens.shape[0], int(held.sum()))
    )
    return token_grams[np.flatnonzero(held)].T.tocsr() @ sentence_tokens.T


# Character-gram entries (a column and a count, 8 bytes) that `KeptGrams` holds at most: 64 MB.
# A speed setting (no similarity depends on it), from the sentences each block of make_corpus 10k
# (seed 7) and generated 10k (seed 1) compared in one process, replayed against `KeptGrams`' rule
# at each size: of the entries the blocks counted anew each time (250M and 32M), a store of 16 /
# 32 / 64 / 128 MB counts 71% / 48% / 20% / 8% (make_corpus) and 87% / 76% / 59% / 44%
# (generated); an unbounded one 7% and 44%.
KEPT_GRAM_ENTRIES = 8 * 2**20


class KeptGrams:
    """The character-gram counts of sentences (rows of a `SentenceTables`) that recent blocks of
    pairs compared, each sentence's row kept in one pair of arrays, so that a sentence
    compared in many pairs has its grams counted once while it is kept rather than in every block.

    Sentences recur across blocks: make_corpus 10k's 42,222 pairs compared in 431 blocks count the
    grams of 1.02M block sentences, of only 59,182 distinct ones. Holds at most `capacity` entries
    beyond what the current block needs; when full, the sentences used longest ago are dropped.
    """

    def __init__(self, tables: SentenceTables, capacity: int | None = None) -> None:
        """An empty store for the sentences of `tables`, of `capacity` entries (default
        `KEPT_GRAM_ENTRIES`). It holds the tables' token counts, not the tables, which hold it: a
        reference cycle would keep both until Python's cyclic collector ran, and the cluster
        pipeline pauses it."""
        self._token_counts, self._token_grams = tables.token_counts, tables.token_grams
        self.capacity = KEPT_GRAM_ENTRIES if capacity is None else capacity
        rows = tables.token_counts.shape[0]
        # int32 (12 bytes a sentence of the batch): entries and blocks number far fewer than 2**31.
        self._start = np.full(rows, -1, dtype=np.int32)
        self._length = np.zeros(rows, dtype=np.int32)
        self._last_used = np.zeros(rows, dtype=np.int32)
        self._clock = 0
        self.columns = np.zeros(0, dtype=np.int32)
        self.counts = np.zeros(0, dtype=np.float32)
        self._used = 0
        self.largest_count = 1  # the largest count ever stored, at least 1

    def rows(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where the gram counts of each of `rows` (distinct sentence rows) are, counted now if
        they are not kept: (starts, stops) into `columns` and `counts` (sorted columns), valid
        until the next call."""
        self._clock += 1
        missing = rows[self._start[rows] < 0]
        if len(missing):
            counted = sentence_grams(self._token_counts, self._token_grams, missing).T.tocsr()
            if self._used + counted.nnz > len(self.columns):
                self._make_room(rows, counted.nnz)
            stop = self._used + counted.nnz
            self.columns[self._used : stop] = counted.indices
            self.counts[self._used : stop] = counted.data
            self._start[missing] = self._used + counted.indptr[:-1]
            self._length[missing] = np.diff(counted.indptr)
            self._used = stop
            if counted.nnz:
                self.largest_count = max(self.largest_count, int(counted.data.max()))
        self._last_used[rows] = self._clock
        starts = self._start[rows]
        return starts, starts + self._length[rows]

    def _make_room(self, wanted: np.ndarray, needed: int) -> None:
        """Room for `needed` more entries. The arrays are made `capacity` long when first needed
        (memory the system gives as it is written, so a small batch uses little); when full, the
        kept sentences used longest ago are dropped (never one of `wanted`, the block's) until the
        rest and `needed` fill half of it, and the rest moved to the front in place. Only a block
        needing more than `capacity` by itself makes the arrays longer."""
        if not self._used and needed <= self.capacity:
            self.columns = np.empty(self.capacity, dtype=np.int32)
            self.counts = np.empty(self.capacity, dtype=np.float32)
            return
        kept = np.flatnonzero(self._start >= 0)
        now = np.zeros(len(self._start), dtype=bool)
        now[wanted] = True
        # The block's sentences first, then the others from the most recently used, kept for as
        # long as they fit in half of `capacity` beside what is needed: room for the blocks to come,
        # so that the arrays are not moved again at the next block.
        kept = kept[np.lexsort((kept, -self._last_used[kept], ~now[kept]))]
        fits = now[kept] | (np.cumsum(self._length[kept]) + needed <= self.capacity // 2)
        self._start[kept[~fits]] = -1
        self._length[kept[~fits]] = 0
        kept = kept[fits]
        kept = kept[np.argsort(self._start[kept])]  # in the arrays' order (starts differ), to move forward
        self._start[kept] = move_rows_forward(self.columns, self.counts, self._start[kept], self._length[kept])
        self._used = int(self._length[kept].sum(dtype=np.int64))
        if self._used + needed > len(self.columns):  # a block larger than `capacity` by itself
            size = self._used + needed
            self.columns = np.concatenate((self.columns[: self._used], np.empty(size - self._used, np.int32)))
            self.counts = np.concatenate((self.counts[: self._used], np.empty(size - self._used, np.float32)))


@dataclass(frozen=True)
class PairSimilarities:
    """The sentence similarities of one pair (what `dedup.score.SentenceSpace.similarity` gives
    for it), computed in bulk by `pair_similarities`."""

    full: np.ndarray
    prose: np.ndarray

    def similarity(self, a: Document, b: Document, *, prose: bool = False) -> np.ndarray:
        """Dense (len(a.sentences), len(b.sentences)) similarities; of the prose when `prose`
        (defined for sentences that both hold a quotation, zero elsewhere)."""
        return self.prose if prose else self.full


def pair_similarities(
    tables: SentenceTables, pairs: Sequence[tuple[int, int]], *, prose_floor: float = 0.0
) -> Iterator[PairSimilarities]:
    """`PairSimilarities` of each pair of documents (indices into the batch of `tables`), in order,
    equal to those of `dedup.score.pair_space` of the pair; computed a block of pairs at a time.

    Prose similarities are computed only where both sentences hold a quotation and their
    similarity reaches `prose_floor`: an alignment asks for no other (it asks of links at
    `ScoreConfig.ordered_similarity` or above), and they are most of the cost on quoted text."""
    start = 0
    sizes = [int(tables.lengths[a] + tables.lengths[b]) for a, b in pairs]
    while start < len(pairs):
        stop, positions = start, 0
        while stop < len(pairs) and (stop == start or positions + sizes[stop] <= BLOCK_POSITIONS):
            positions += sizes[stop]
            stop += 1
        yield from _block(tables, np.array(pairs[start:stop], dtype=np.int64).reshape(-1, 2), prose_floor)
        start = stop


def _block(tables: SentenceTables, pairs: np.ndarray, prose_floor: float) -> list[PairSimilarities]:
    """`PairSimilarities` of a block of pairs: each kind of term's products of every pair in one
    compiled loop (`dedup.kernels.pair_sentence_products`), from the IDF and term-frequency
    tables numpy computes for them."""
    side_a, side_b = pairs[:, 0], pairs[:, 1]
    n_a, n_b = tables.lengths[side_a], tables.lengths[side_b]
    positions_a, positions_b = ranges(tables.starts[side_a], n_a), ranges(tables.starts[side_b], n_b)
    rows_a, rows_b = tables.positions[positions_a], tables.positions[positions_b]
    offsets = np.concatenate(([0], np.cumsum(n_a * n_b)))
    first_a = np.concatenate(([0], np.cumsum(n_a)))
    first_b = np.concatenate(([0], np.cumsum(n_b)))
    # Each pair's IDF of every sentence frequency its terms can have (1 to its sentence count), and
    # the sublinear term frequency of every count: numpy's float32 logarithms, as the pair's own
    # space takes them, looked up by the loop.
    n_sentences = n_a + n_b
    idf_start = np.concatenate(([0], np.cumsum(n_sentences)[:-1]))
    frequencies = np.arange(int(n_sentences.sum()), dtype=np.int64) - np.repeat(idf_start, n_sentences) + 1
    idf = idf_of(frequencies, np.repeat(n_sentences, n_sentences))
    # Character grams: each of the block's distinct sentences' counts, counted or kept already.
    distinct, local = np.unique(np.concatenate((rows_a, rows_b)), return_inverse=True)
    local_a, local_b = local[: len(rows_a)], local[len(rows_a) :]
    kept = tables.kept_grams()
    gram_starts, gram_stops = kept.rows(distinct)  # may move the kept arrays: read them after
    gram_counts = _Rows(gram_starts, gram_stops, kept.columns, kept.counts, kept.largest_count)
    stem_counts = tables.stem_rows()

    def products(
        kind: str,
        terms: _Rows,
        term_a: np.ndarray,
        term_b: np.ndarray,
        weighed: _Rows,
        weigh_a: np.ndarray,
        weigh_b: np.ndarray,
    ) -> np.ndarray:
        """Every pair's products of one kind of term (`kind`: "stems" or "grams"): the pair's terms
        and frequencies from the rows `term_a` / `term_b` of `terms`, the vectors multiplied from
        the rows `weigh_a` / `weigh_b` of `weighed` (-1: left out), as flat pair matrices."""
        flat = np.zeros(int(offsets[-1]), dtype=np.float32)
        sublinear_tf = np.arange(1, weighed.largest + 1, dtype=np.float32)
        np.log(sublinear_tf, out=sublinear_tf)
        sublinear_tf += 1.0
        return pair_sentence_products(
            terms.starts,
            terms.stops,
            terms.columns,
            term_a,
            term_b,
            weighed.starts,
            weighed.stops,
            weighed.columns,
            weighed.counts,
            weigh_a,
            weigh_b,
            first_a,
            first_b,
            offsets,
            idf,
            idf_start,
            sublinear_tf,
            tables.slots(kind),
            flat,
        )

    stem_sim = products("stems", stem_counts, rows_a, rows_b, stem_counts, rows_a, rows_b)
    char_sim = products("grams", gram_counts, local_a, local_b, gram_counts, local_a, local_b)
    full = np.clip((stem_sim + char_sim) / 2.0, 0.0, 1.0)

    # Prose, for the sentence pairs an alignment may ask it of: both sentences quoted there and
    # their similarity at `prose_floor` or above (a little below it, so that no float rounding
    # can leave one out). Every such sentence of A is compared with every such sentence of B.
    entries = np.flatnonzero(full >= prose_floor - 1e-6)
    pair = np.searchsorted(offsets, entries, side="right") - 1
    i, j = np.divmod(entries - offsets[pair], n_b[pair])
    at_a, at_b = first_a[pair] + i, first_b[pair] + j
    asked = tables.quoted[positions_a[at_a]] & tables.quoted[positions_b[at_b]]
    quoted_a, quoted_b = unique_sorted(at_a[asked]), unique_sorted(at_b[asked])
    prose = np.zeros_like(full)
    if len(quoted_a) and len(quoted_b):
        prose_a = np.full(len(rows_a), -1, dtype=np.int64)
        prose_b = np.full(len(rows_b), -1, dtype=np.int64)
        prose_a[quoted_a] = tables.prose_row[rows_a[quoted_a]]
        prose_b[quoted_b] = tables.prose_row[rows_b[quoted_b]]
        prose_stems = tables.stem_rows(prose=True)
        stem_prose = products("stems", stem_counts, rows_a, rows_b, prose_stems, prose_a, prose_b)
        # The prose's grams, counted for its distinct sentences; rows numbered among them.
        distinct, local = np.unique(np.concatenate((prose_a[quoted_a], prose_b[quoted_b])), return_inverse=True)
        prose_grams = tables.gram_counts(distinct, prose=True)
        gram_a = np.full(len(rows_a), -1, dtype=np.int64)
        gram_b = np.full(len(rows_b), -1, dtype=np.int64)
        gram_a[quoted_a], gram_b[quoted_b] = local[: len(quoted_a)], local[len(quoted_a) :]
        char_prose = products("grams", gram_counts, local_a, local_b, _Rows.of(prose_grams), gram_a, gram_b)
        prose = np.clip((stem_prose + char_prose) / 2.0, 0.0, 1.0)
    shapes = list(zip(n_a.tolist(), n_b.tolist()))
    return [
        PairSimilarities(full[start:stop].reshape(shape), prose[start:stop].reshape(shape))
        for start, stop, shape in zip(offsets[:-1].tolist(), offsets[1:].tolist(), shapes)
    ]


class _Rows(NamedTuple):
    """Rows of term counts as `dedup.kernels.pair_sentence_products` reads them: row r's sorted
    columns are ``columns[starts[r]:stops[r]]`` and its counts ``counts[...]`` alike; `largest`
    is at least the largest count."""

    starts: np.ndarray
    stops: np.ndarray
    columns: np.ndarray
    counts: np.ndarray
    largest: int

    @classmethod
    def of(cls, matrix: sp.csr_matrix) -> _Rows:
        """The rows of a CSR matrix (sorted columns)."""
        largest = int(matrix.data.max()) if matrix.nnz else 1
        return cls(matrix.indptr[:-1], matrix.indptr[1:], matrix.indices, matrix.data, max(largest, 1))


def _sorted(product: sp.csr_matrix) -> sp.csr_matrix:
    """`product` (a sparse product, without repeated entries) with its columns sorted in each row.

    Through the columns and back: two passes in linear time, where sorting each row of a product
    of sentences and character grams took longer than the product itself."""
    return product.tocsc().tocsr()
