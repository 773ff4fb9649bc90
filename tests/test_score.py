"""A document space built over part of a batch with the whole batch's frequencies gives the whole
batch's values bit for bit: what lets the Spark engine score a partition and agree with the local
engine. (Sentence spaces are each pair's own, `dedup.score.pair_space`, so they need no such care.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dedup.model import Article
from dedup.score import (
    DocumentFrequencies,
    DocumentSpace,
    document_frequencies,
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
