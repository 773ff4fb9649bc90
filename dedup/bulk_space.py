"""Sentence similarities of many candidate pairs at once, each in its own pair's sentence space.

`dedup.score.pair_space` fits a TF-IDF space on a pair's two articles and multiplies their
sentence vectors: per pair, it re-tokenises both texts, recounts every character gram and builds
a handful of small sparse matrices, which is where the story level spent most of its time.
`SentenceTables` counts every document's sentence terms once, in columns shared by the whole
batch; `pair_similarities` then weighs a block of pairs together, each sentence by its own pair's
IDF (computed from the two documents' sentence frequencies of each term, so it is the pair's
IDF exactly), and multiplies all pairs' sentence vectors in one block-diagonal sparse product.
Columns keep sorted term order inside each pair, so every product is summed in the order the pair's
own space sums it, and every similarity equals `pair_space`'s bit for bit (tests/test_bulk_space.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from dedup.arrays import ranges
from dedup.model import Document
from dedup.score import GramKeys, flat_counts, idf_of, prose_text, weigh
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
                # A sentence inside a longer quotation has no quotation mark of its own: quoted
                # where any of its occurrences is.
                quoted[row] = quoted[row] or sentence.quote_share != 0
                positions.append(row)
                quoted_positions.append(sentence.quote_share != 0)
        self.positions = np.array(positions, dtype=np.int64)
        self.quoted = np.array(quoted_positions, dtype=bool)
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
        # Each document's sentence frequency of each stem (positions holding it).
        position_stems = self.stem_counts[self.positions]
        position_stems.data[:] = 1.0
        self.document_stems = _sum_rows(position_stems, lengths)
        self._slots: dict[str, np.ndarray] = {}

    def slots(self, kind: str) -> np.ndarray:
        """A table of -1 for each column of `kind` ("stems" or "grams"), made once and kept with
        the tables: scratch space that `_PairTerms` fills and clears again pair by pair (int32:
        it holds term numbers within a block, far fewer than 2**31)."""
        slot = self._slots.get(kind)
        if slot is None:
            slot = self._slots[kind] = np.full(self.n_stems if kind == "stems" else self.n_grams, -1, dtype=np.int32)
        return slot

    def gram_counts(self, rows: np.ndarray, *, prose: bool = False) -> sp.csr_matrix:
        """Character-gram counts of the sentences `rows` (sorted columns), or of their prose
        (`rows` numbering the quoted sentences, as `prose_row` does)."""
        tokens = self.prose_token_counts if prose else self.token_counts
        return _sorted(tokens[rows] @ self.token_grams)

    def grams_of(self, rows: np.ndarray, *, prose: bool = False) -> sp.csr_matrix:
        """`gram_counts` transposed: a row per character gram, a column per sentence of `rows`
        (in no particular order within a row).

        Its transpose's conversion to rows is one pass in linear time that leaves each row's
        columns sorted, where sorting the rows of ``counts @ token_grams`` took longer than the
        product. Only the tokens these sentences hold take part, so that the cost follows the
        sentences, not the batch's vocabulary."""
        tokens = (self.prose_token_counts if prose else self.token_counts)[rows]
        held = np.zeros(tokens.shape[1], dtype=bool)
        held[tokens.indices] = True
        number = np.cumsum(held) - 1
        sentence_tokens = sp.csr_matrix(
            (tokens.data, number[tokens.indices], tokens.indptr), shape=(tokens.shape[0], int(held.sum()))
        )
        return self.token_grams[np.flatnonzero(held)].T.tocsr() @ sentence_tokens.T


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
    """`PairSimilarities` of a block of pairs, from one sparse product per kind of term."""
    side_a, side_b = pairs[:, 0], pairs[:, 1]
    n_a, n_b = tables.lengths[side_a], tables.lengths[side_b]
    pair_of_a = np.repeat(np.arange(len(pairs)), n_a)
    pair_of_b = np.repeat(np.arange(len(pairs)), n_b)
    positions_a, positions_b = ranges(tables.starts[side_a], n_a), ranges(tables.starts[side_b], n_b)
    rows_a, rows_b = tables.positions[positions_a], tables.positions[positions_b]
    n_sentences = n_a + n_b
    offsets = np.concatenate(([0], np.cumsum(n_a * n_b)))
    first_a = np.concatenate(([0], np.cumsum(n_a)))
    first_b = np.concatenate(([0], np.cumsum(n_b)))

    def place(product: sp.csr_matrix) -> np.ndarray:
        """The block product's entries as each pair's dense matrix, pairs one after another."""
        flat = np.zeros(int(offsets[-1]), dtype=np.float32)
        coo = product.tocoo()
        pair = pair_of_a[coo.row]
        i, j = coo.row - first_a[pair], coo.col - first_b[pair]
        flat[offsets[pair] + i * n_b[pair] + j] = coo.data
        return flat

    # Stems: each document's sentence frequencies are kept; a pair's are their sum.
    stem_df = tables.document_stems[side_a] + tables.document_stems[side_b]
    stems = _PairTerms(stem_df, n_sentences, tables.slots("stems"))
    left, right = stems.weigh((tables.stem_counts[rows_a], pair_of_a), (tables.stem_counts[rows_b], pair_of_b))
    stem_sim = place(left @ right.T)
    # Character grams: counted for the block's distinct sentences only, gram by gram; each pair's
    # sentence frequencies are how many times its two documents hold each distinct sentence times
    # whether the sentence holds each gram, one more product over those counts.
    distinct, local = np.unique(np.concatenate((rows_a, rows_b)), return_inverse=True)
    local_a, local_b = local[: len(rows_a)], local[len(rows_a) :]
    by_gram = tables.grams_of(distinct)
    gram_counts = by_gram.T.tocsr()
    occurrences = sp.csr_matrix(
        (np.ones(len(local), dtype=np.float32), (local, np.concatenate((pair_of_a, pair_of_b)))),
        shape=(len(distinct), len(pairs)),
    )
    present = by_gram.copy()
    present.data[:] = 1.0
    gram_df = (present @ occurrences).T.tocsr()
    grams = _PairTerms(gram_df, n_sentences, tables.slots("grams"))
    left, right = grams.weigh((gram_counts[local_a], pair_of_a), (gram_counts[local_b], pair_of_b))
    char_sim = place(left @ right.T)
    full = np.clip((stem_sim + char_sim) / 2.0, 0.0, 1.0)

    # Prose, for the sentence pairs an alignment may ask it of: both sentences quoted there and
    # their similarity at `prose_floor` or above (a little below it, so that no float rounding
    # can leave one out).
    entries = np.flatnonzero(full >= prose_floor - 1e-6)
    pair = np.searchsorted(offsets, entries, side="right") - 1
    i, j = np.divmod(entries - offsets[pair], n_b[pair])
    at_a, at_b = first_a[pair] + i, first_b[pair] + j
    asked = tables.quoted[positions_a[at_a]] & tables.quoted[positions_b[at_b]]
    quoted_a, quoted_b = np.unique(at_a[asked]), np.unique(at_b[asked])
    prose_a, prose_b = tables.prose_row[rows_a], tables.prose_row[rows_b]
    prose = np.zeros_like(full)
    if len(quoted_a) and len(quoted_b):

        def prose_product(terms: _PairTerms, counts: sp.csr_matrix, row_a: np.ndarray, row_b: np.ndarray) -> np.ndarray:
            left, right = terms.weigh((counts[row_a], pair_of_a[quoted_a]), (counts[row_b], pair_of_b[quoted_b]))
            return place(_spread(left, quoted_a, len(rows_a)) @ _spread(right, quoted_b, len(rows_b)).T)

        row_a, row_b = prose_a[quoted_a], prose_b[quoted_b]
        stem_prose = prose_product(stems, tables.prose_stem_counts, row_a, row_b)
        distinct, local = np.unique(np.concatenate((row_a, row_b)), return_inverse=True)
        prose_grams = tables.gram_counts(distinct, prose=True)
        char_prose = prose_product(grams, prose_grams, local[: len(row_a)], local[len(row_a) :])
        prose = np.clip((stem_prose + char_prose) / 2.0, 0.0, 1.0)
    shapes = list(zip(n_a.tolist(), n_b.tolist()))
    return [
        PairSimilarities(full[start:stop].reshape(shape), prose[start:stop].reshape(shape))
        for start, stop, shape in zip(offsets[:-1].tolist(), offsets[1:].tolist(), shapes)
    ]


class _PairTerms:
    """The terms of each pair of a block (the union of its two documents'), numbered pair after
    pair in sorted column order, with each pair's IDF of them."""

    def __init__(self, df: sp.csr_matrix, n_sentences: np.ndarray, slot: np.ndarray) -> None:
        """`df`: each pair's sentence frequency of each term; `slot`: -1 for every column, a
        scratch table that `weigh` fills and clears again pair by pair."""
        df = df.tocsr()
        df.sort_indices()
        self.df = df
        self.slot = slot
        self.idf = idf_of(df.data, np.repeat(n_sentences, np.diff(df.indptr)))

    def weigh(self, *sides: tuple[sp.csr_matrix, np.ndarray]) -> list[sp.csr_matrix]:
        """TF-IDF rows (sublinear, L2-normalised, as `dedup.score.weigh`) of each side's term
        counts, given as ``(counts, pair_of_row)``: row k of `counts` belongs to pair
        ``pair_of_row[k]`` (in increasing order). Rows are put in the block's pair-term columns;
        terms its pair does not have are dropped (possible only in prose). The sides of a product
        are weighed together, so that each pair's column table is made once for both."""
        sides = [(counts.tocsr(), pair_of_row) for counts, pair_of_row in sides]
        entry_pairs = [np.repeat(pair_of_row, np.diff(counts.indptr)) for counts, pair_of_row in sides]
        found_at = self._locate([(counts.indices, entry_pair) for (counts, _), entry_pair in zip(sides, entry_pairs)])
        weighed = []
        for (counts, _), at in zip(sides, found_at):
            found = at >= 0
            if found.all():
                indptr, data = counts.indptr, counts.data.astype(np.float32)  # a copy: weighed in place
            else:
                row = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))[found]
                indptr = np.concatenate(([0], np.cumsum(np.bincount(row, minlength=counts.shape[0]))))
                data, at = counts.data[found].astype(np.float32, copy=False), at[found]
            matrix = sp.csr_matrix((data, at, indptr), shape=(counts.shape[0], len(self.df.data)))
            weighed.append(weigh(matrix, self.idf, sublinear=True))
        return weighed

    def _locate(self, sides: list[tuple[np.ndarray, np.ndarray]]) -> list[np.ndarray]:
        """The pair-term number of each (pair, column) entry of each side, given as ``(columns,
        entry_pair)`` with `entry_pair` increasing; -1 where the pair lacks the term.

        Pair by pair through a table from column to number, filled once for all sides: a lookup
        per entry, where a binary search over the block's terms cost most of the similarities' time."""
        slot = self.slot
        indptr, indices = self.df.indptr, self.df.indices
        pairs = np.arange(len(indptr))
        numbers = np.arange(len(indices), dtype=slot.dtype)
        found = [np.empty(len(columns), dtype=slot.dtype) for columns, _ in sides]
        bounds = [np.searchsorted(entry_pair, pairs).tolist() for _, entry_pair in sides]
        for pair, (first, last) in enumerate(zip(indptr[:-1].tolist(), indptr[1:].tolist())):
            spans = [(side[pair], side[pair + 1]) for side in bounds]
            if all(start == stop for start, stop in spans):
                continue
            own = indices[first:last]
            slot[own] = numbers[first:last]
            for (columns, _), at, (start, stop) in zip(sides, found, spans):
                at[start:stop] = slot[columns[start:stop]]
            slot[own] = -1
        return found


def _sum_rows(matrix: sp.csr_matrix, lengths: np.ndarray) -> sp.csr_matrix:
    """Sum of each run of consecutive rows of `matrix` (runs of `lengths` rows), sorted columns."""
    groups = np.repeat(np.arange(len(lengths)), lengths)
    summer = sp.csr_matrix(
        (np.ones(len(groups), dtype=np.float32), (groups, np.arange(len(groups)))),
        shape=(len(lengths), matrix.shape[0]),
    )
    return _sorted(summer @ matrix)


def _sorted(product: sp.csr_matrix) -> sp.csr_matrix:
    """`product` (a sparse product, without repeated entries) with its columns sorted in each row.

    Through the columns and back: two passes in linear time, where sorting each row of a product
    of sentences and character grams took longer than the product itself."""
    return product.tocsc().tocsr()


def _spread(matrix: sp.csr_matrix, rows: np.ndarray, n_rows: int) -> sp.csr_matrix:
    """`matrix` with its rows placed at `rows` of an `n_rows`-row matrix, the others empty."""
    lengths = np.zeros(n_rows, dtype=np.int64)
    lengths[rows] = np.diff(matrix.indptr)
    indptr = np.concatenate(([0], np.cumsum(lengths)))
    return sp.csr_matrix((matrix.data, matrix.indices, indptr), shape=(n_rows, matrix.shape[1]))
