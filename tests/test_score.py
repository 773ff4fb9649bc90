"""A document space built over part of a batch with the whole batch's frequencies gives the whole
batch's values bit for bit: what lets the Spark engine score a partition and agree with the local
engine. (Sentence spaces are each pair's own, `dedup.score.pair_space`, so they need no such care.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer

from dedup import score
from dedup.model import Article
from dedup.score import (
    DocumentFrequencies,
    DocumentSpace,
    GramKeys,
    batch_tfidf,
    document_frequencies,
    flat_counts,
    idf_of,
    row_dots,
    row_products,
    weigh,
    weigh_one,
)
from dedup.text import prepare

SEEDS = sorted((Path(__file__).parent.parent / "examples" / "seeds").glob("*.txt"))

# A word cut by a quotation mark ("said"Hello) leaves prose words that no sentence holds whole.
EXTRA = [
    'The minister said"We will not back down" and left. Crowds gathered outside the ministry.',
    'Officials "confirmed"the deal late on Friday. The agreement covers wheat and rice exports.',
    "Prices of wheat rose sharply. Exporters welcomed the deal; farmers were less sure of it.",
]


def documents():
    articles = [Article(id=path.stem, text=path.read_text()) for path in SEEDS]
    articles += [Article(id=f"extra{k}", text=text) for k, text in enumerate(EXTRA)]
    return [prepare(article) for article in articles]


def test_document_space_of_a_part_with_whole_frequencies_equals_the_whole_space():
    docs = documents()
    whole = DocumentSpace(docs)
    counts = document_frequencies(docs[:4]) + document_frequencies(docs[4:])
    frequencies = DocumentFrequencies(counts, len(docs))
    part_indices = [1, 0, 6]
    part = DocumentSpace([docs[k] for k in sorted(part_indices)], frequencies=frequencies)
    expected = whole.cosine(np.array([[0, 1], [1, 6], [0, 6]]))
    assert np.array_equal(part.cosine(np.array([[0, 1], [1, 2], [0, 2]])), expected)
    row = whole.matrix[6]
    part_row = part.matrix[2]
    assert [whole.vocabulary[c] for c in row.indices] == [part.vocabulary[c] for c in part_row.indices]
    assert np.array_equal(row.data, part_row.data)
    shared_whole = {whole.vocabulary[c] for c in np.flatnonzero(whole.document_frequency >= 2)}
    shared_part = {part.vocabulary[c] for c in np.flatnonzero(part.document_frequency >= 2)}
    assert shared_part == shared_whole & set(part.vocabulary)


def _counts(seed: int) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    counts = sp.random(40, 300, density=0.08, random_state=rng, format="csr", dtype=np.float32)
    counts.data = np.ceil(counts.data * 4).astype(np.float32)
    counts.sort_indices()
    return counts


def test_batch_tfidf_equals_scikit_learn_on_the_same_counts():
    counts = _counts(3)
    expected = TfidfTransformer().fit_transform(counts).toarray()
    np.testing.assert_allclose(batch_tfidf(counts).toarray(), expected, rtol=1e-5, atol=1e-6)


def test_weigh_one_row_equals_the_row_weigh_gives():
    counts = _counts(4)
    idf = idf_of(np.bincount(counts.indices, minlength=counts.shape[1]), counts.shape[0])
    columns = np.repeat(counts[7].indices, counts[7].data.astype(np.int64)).tolist()
    found_columns, found_weights = weigh_one(columns, idf)
    row = weigh(counts.copy(), idf, sublinear=True)[7]
    assert found_columns.tolist() == row.indices.tolist()
    assert found_weights.tobytes() == row.data.tobytes()


def test_row_dots_sum_as_their_callers_define():
    vectors = batch_tfidf(_counts(5))
    left, right = np.arange(0, 40), np.arange(39, -1, -1)
    by_rows = row_products(vectors[left], vectors[right])
    assert row_dots(vectors, left, right).tobytes() == by_rows.tobytes()
    in_order = row_dots(vectors, left, right, in_order=True)
    assert in_order.tobytes() == (vectors[left] @ vectors[right].T).diagonal().astype(np.float32).tobytes()


def test_row_dots_by_left_row_equal_element_wise_products():
    """`row_dots` (a compiled loop reading each pair's products off its left row spread out
    densely) gives the values of gathering both rows and multiplying them element-wise, bit for
    bit, in both sums and as float64, with repeated and unsorted left rows, an empty row, many
    shared columns (where the pairwise sum differs from the sum in order) and rows sharing
    thousands of columns (numpy's pairwise sum splits them in halves, several levels deep)."""
    rng = np.random.default_rng(11)
    counts = sp.random(60, 200, density=0.3, random_state=rng, format="csr", dtype=np.float32)
    counts.data = np.ceil(counts.data * 4).astype(np.float32)
    counts = sp.csr_matrix(sp.diags((np.arange(60) != 5).astype(np.float32)) @ counts)
    counts.eliminate_zeros()
    counts.sort_indices()
    wide_rows = sp.random(4, 200, density=1.0, random_state=rng, format="csr", dtype=np.float32)
    long_rows = sp.csr_matrix(sp.random(4, 3000, density=0.9, random_state=rng, format="csr", dtype=np.float32))
    for matrix in (batch_tfidf(counts), wide_rows, long_rows):
        n = matrix.shape[0]
        left = rng.integers(0, n, 500)
        left[:40] = 3  # one long run of a left row
        right = rng.integers(0, n, 500)
        if n == 60:
            right[40:45] = 5  # the empty row
        products = matrix[left].multiply(matrix[right]).tocsr()
        assert row_dots(matrix, left, right).tobytes() == row_products(matrix[left], matrix[right]).tobytes()
        wide = row_dots(matrix, left, right, dtype=np.float64)
        assert wide.tobytes() == row_products(matrix[left], matrix[right], dtype=np.float64).tobytes()
        in_order = row_dots(matrix, left, right, in_order=True)
        assert in_order.tobytes() == (products @ np.ones(matrix.shape[1], dtype=np.float32)).tobytes()
        assert (in_order != row_dots(matrix, left, right)).any()  # the two sums do differ here
        double = matrix.astype(np.float64)  # a float64 matrix is summed in float64, as before
        expected = np.asarray(double[left].multiply(double[right]).sum(axis=1)).ravel()
        assert row_dots(double, left, right, dtype=np.float64).tobytes() == expected.tobytes()
    assert row_dots(counts, left[:0], right[:0]).shape == (0,)


def test_weigh_rounds_as_scikit_learn_normalises():
    """`weigh`'s default rounding is scikit-learn's float32 L2 normalisation bit for bit (squares
    summed in double, each weight divided in double and rounded once), empty rows included."""
    from sklearn.preprocessing import normalize

    keep = np.ones(40, dtype=np.float32)
    keep[3] = 0.0  # an empty row
    counts = sp.csr_matrix(sp.diags(keep) @ _counts(6))
    counts.eliminate_zeros()
    counts.sort_indices()
    assert counts[3].nnz == 0
    idf = idf_of(np.bincount(counts.indices, minlength=counts.shape[1]), counts.shape[0])
    for sublinear in (False, True):
        tf = counts.copy()
        if sublinear:
            np.log(tf.data, out=tf.data)
            tf.data += 1.0
        tf.data *= idf[tf.indices]
        expected = normalize(tf, norm="l2", copy=True)
        found = weigh(counts.copy(), idf, sublinear=sublinear)
        assert found.data.dtype == np.float32 == expected.data.dtype
        assert found.indices.tolist() == expected.indices.tolist()
        assert found.data.tobytes() == expected.data.tobytes()


def _char_wb_counts(tokens: list[str]) -> sp.csr_matrix:
    """scikit-learn's own char_wb 3-5-gram counts of each token, columns in (length, gram) order."""
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=False)
    counts = vectorizer.fit_transform(tokens).tocsc()
    grams = vectorizer.get_feature_names_out()
    order = sorted(range(len(grams)), key=lambda k: (len(grams[k]), grams[k]))
    return counts[:, order].tocsr()


def test_gram_keys_count_scikit_learn_grams_however_many_tokens_are_numbered_at_once(monkeypatch):
    tokens = sorted({token for doc in documents() for s in doc.sentences for token in s.text.lower().split()})
    expected = _char_wb_counts(tokens)
    whole = GramKeys(tokens).token_grams
    monkeypatch.setattr(score, "_GRAM_TOKENS", 7)  # many chunks, most grams in several of them
    chunked = GramKeys(tokens).token_grams
    assert len(tokens) > 200
    for matrix in (whole, chunked):
        assert matrix.shape == expected.shape and matrix.has_sorted_indices
        assert np.array_equal(matrix.indptr, expected.indptr) and np.array_equal(matrix.indices, expected.indices)
        assert np.array_equal(matrix.data, expected.data.astype(np.float32))


def test_flat_counts_numbers_terms_in_sorted_order_from_rows_given_one_at_a_time(monkeypatch):
    rows = [["b", "a", "b"], [], ["c", "a"], ["d"]]
    terms, counts = flat_counts(iter(rows))
    assert terms == ["a", "b", "c", "d"]
    assert counts.toarray().tolist() == [[1, 2, 0, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 1]]
    monkeypatch.setattr(score, "_NUMBERED_TERMS", 2)  # numbered a few at a time: the same
    again_terms, again = flat_counts(iter(rows))
    assert again_terms == terms and (again != counts).nnz == 0
    by_length, _ = flat_counts([["ccc", "a", "bb"]], key=lambda term: (len(term), term))
    assert by_length == ["a", "bb", "ccc"]
