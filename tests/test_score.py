"""Spaces built over part of a batch with the whole batch's frequencies give the whole batch's
values bit for bit: what lets the Spark engine score a partition and agree with the local engine."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from dedup.model import Article
from dedup.score import (
    DocumentFrequencies,
    DocumentSpace,
    SentenceFrequencies,
    SentenceSpace,
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


def merged(parts: list[SentenceFrequencies]) -> SentenceFrequencies:
    stems: Counter = Counter()
    grams: Counter = Counter()
    for part in parts:
        stems.update(part.stems)
        grams.update(part.grams)
    return SentenceFrequencies(dict(stems), dict(grams), sum(part.n_sentences for part in parts))


def test_sentence_space_of_a_part_with_whole_frequencies_equals_the_whole_space():
    docs = documents()
    whole = SentenceSpace(docs)
    frequencies = merged([SentenceSpace(docs[:3]).frequencies(), SentenceSpace(docs[3:]).frequencies()])
    assert frequencies == whole.frequencies()
    for a, b in [(0, 1), (3, 4), (5, 6), (6, 7), (1, 7)]:
        part = SentenceSpace([docs[a], docs[b]], frequencies=frequencies)
        for prose in (False, True):
            expected = whole.similarity(docs[a], docs[b], prose=prose)
            assert np.array_equal(part.similarity(docs[a], docs[b], prose=prose), expected)
        rows_a, rows_b = whole.rows(docs[a]), whole.rows(docs[b])
        part_a, part_b = part.rows(docs[a]), part.rows(docs[b])
        left, right = np.repeat(np.arange(len(rows_a)), len(rows_b)), np.tile(np.arange(len(rows_b)), len(rows_a))
        assert np.array_equal(
            part.pair_similarity(part_a[left], part_b[right]), whole.pair_similarity(rows_a[left], rows_b[right])
        )
        for i, j in zip(left.tolist(), right.tolist()):
            assert part.prose_similarity(int(part_a[i]), int(part_b[j])) == whole.prose_similarity(
                int(rows_a[i]), int(rows_b[j])
            )


def test_a_part_without_whole_frequencies_weighs_terms_differently():
    docs = documents()
    whole = SentenceSpace(docs)
    alone = SentenceSpace(docs[5:7])
    assert not np.array_equal(alone.similarity(docs[5], docs[6]), whole.similarity(docs[5], docs[6]))


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
