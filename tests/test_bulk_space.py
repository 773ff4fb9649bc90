"""Sentence similarities in bulk (`dedup.bulk_space`) are those of each pair's own space
(`dedup.score.pair_space`) bit for bit, so the cluster pipeline's verdicts do not change."""

from __future__ import annotations

import itertools
import random

import numpy as np
import scipy.sparse as sp

from dedup.align import relate
from dedup.bulk_space import KeptGrams, SentenceTables, pair_similarities, sentence_grams
from dedup.model import Article, Document
from dedup.score import pair_space
from dedup.text import prepare

WORDS = (
    "minister said talks would resume on monday after the ceasefire collapsed near the border "
    "officials police rebels reported killed wounded city capital government army election vote"
).split()


def _random_documents(count: int, seed: int) -> list[Document]:
    """Articles of random sentences from a small vocabulary, some repeated, some with quotations
    (over one sentence and across two), some empty."""
    rng = random.Random(seed)
    shared = [" ".join(rng.choices(WORDS, k=rng.randint(5, 14))).capitalize() + "." for _ in range(12)]
    documents = []
    for number in range(count):
        sentences = []
        for _ in range(rng.randint(0, 9)):
            roll = rng.random()
            if roll < 0.3:
                sentences.append(rng.choice(shared))
            elif roll < 0.45:
                said = " ".join(rng.choices(WORDS, k=rng.randint(3, 8)))
                sentences.append(f'"{said.capitalize()}," the {rng.choice(WORDS)} said.')
            elif roll < 0.55:
                first, second = (" ".join(rng.choices(WORDS, k=6)) for _ in range(2))
                sentences.append(f'He said: "{first.capitalize()}. {second.capitalize()}."')
            else:
                sentences.append(" ".join(rng.choices(WORDS, k=rng.randint(3, 16))).capitalize() + ".")
        documents.append(prepare(Article(f"doc{number}", " ".join(sentences))))
    return documents


def _quoted(document: Document) -> np.ndarray:
    return np.array([sentence.quote_share != 0 for sentence in document.sentences], dtype=bool)


def _assert_as_pair_space(documents: list[Document], pairs: list[tuple[int, int]]) -> None:
    tables = SentenceTables(documents)
    found = list(pair_similarities(tables, pairs))
    assert len(found) == len(pairs)
    for (a, b), similarities in zip(pairs, found):
        space = pair_space(documents[a], documents[b])
        expected = space.similarity(documents[a], documents[b])
        assert similarities.full.dtype == expected.dtype
        np.testing.assert_array_equal(similarities.similarity(documents[a], documents[b]), expected)
        # Prose similarities are read only where both sentences hold a quotation.
        quoted = np.outer(_quoted(documents[a]), _quoted(documents[b]))
        prose = space.similarity(documents[a], documents[b], prose=True)
        found_prose = similarities.similarity(documents[a], documents[b], prose=True)
        np.testing.assert_array_equal(found_prose[quoted], prose[quoted])


def test_random_pairs_have_their_own_space_similarities() -> None:
    documents = _random_documents(40, seed=3)
    rng = random.Random(5)
    pairs = [tuple(sorted(rng.sample(range(len(documents)), 2))) for _ in range(150)]
    _assert_as_pair_space(documents, pairs + [(0, 0), (7, 3)])


def test_seed_pairs_have_their_own_space_similarities(seed_articles: dict[str, Article]) -> None:
    documents = [prepare(article) for _, article in sorted(seed_articles.items())]
    _assert_as_pair_space(documents, list(itertools.combinations(range(len(documents)), 2)))


def test_relate_gives_the_same_verdict_with_bulk_similarities(seed_articles: dict[str, Article]) -> None:
    documents = [prepare(article) for _, article in sorted(seed_articles.items())]
    pairs = list(itertools.combinations(range(len(documents)), 2))
    tables = SentenceTables(documents)
    for (a, b), similarities in zip(pairs, pair_similarities(tables, pairs)):
        expected = relate(a, b, documents[a], documents[b], 0.5)
        found = relate(a, b, documents[a], documents[b], 0.5, space_of=lambda _a, _b, s=similarities: s)
        assert found == expected


def test_blocks_do_not_change_values(monkeypatch) -> None:
    documents = _random_documents(30, seed=11)
    pairs = list(itertools.combinations(range(12), 2))
    whole = list(pair_similarities(SentenceTables(documents), pairs))
    monkeypatch.setattr("dedup.bulk_space.BLOCK_POSITIONS", 1)
    one_by_one = list(pair_similarities(SentenceTables(documents), pairs))
    for left, right in zip(whole, one_by_one):
        np.testing.assert_array_equal(left.full, right.full)
        np.testing.assert_array_equal(left.prose, right.prose)


# Sentences with what the fast paths might get wrong: scripts other than Latin, curly and
# guillemet quotations, repeated sentences (within one article and across articles), numbers,
# one-word and punctuation-only sentences.
TRICKY = [
    "Правительство объявило о прекращении огня в понедельник.",
    "Η κυβέρνηση ανακοίνωσε εκεχειρία τη Δευτέρα.",
    "政府は月曜日に停戦を発表した。",
    "أعلنت الحكومة وقف إطلاق النار يوم الاثنين.",
    "“The talks will resume on Monday,” the minister said.",
    "«Les négociations reprendront lundi», a déclaré le ministre.",
    'He said: "The army withdrew. The rebels stayed."',
    "Police said 12 people were killed and 40 wounded in the capital.",
    "Yes.",
    "...",
    "The minister said talks would resume on Monday after the ceasefire collapsed.",
    "The minister said talks would resume on Monday after the ceasefire collapsed.",
]


def _tricky_documents(count: int, seed: int) -> list[Document]:
    rng = random.Random(seed)
    documents = [prepare(Article("empty", "")), prepare(Article("dots", "... !!! ???"))]
    for number in range(count):
        sentences = rng.choices(TRICKY, k=rng.randint(1, 10))
        if rng.random() < 0.3:  # a sentence said twice in one article
            sentences.append(sentences[0])
        documents.append(prepare(Article(f"tricky{number}", " ".join(sentences))))
    return documents


def test_tricky_pairs_have_their_own_space_similarities() -> None:
    documents = _tricky_documents(24, seed=17)
    pairs = list(itertools.combinations(range(len(documents)), 2))
    _assert_as_pair_space(documents, pairs + [(5, 5), (9, 2)])


def test_tricky_pairs_with_a_prose_floor_keep_the_prose_asked_for() -> None:
    """With a floor, prose is computed (and equals the pair's own) where both sentences are
    quoted and their similarity reaches the floor."""
    documents = _tricky_documents(16, seed=23) + _random_documents(16, seed=29)
    pairs = list(itertools.combinations(range(len(documents)), 2))
    for (a, b), similarities in zip(pairs, pair_similarities(SentenceTables(documents), pairs, prose_floor=0.3)):
        space = pair_space(documents[a], documents[b])
        np.testing.assert_array_equal(similarities.full, space.similarity(documents[a], documents[b]))
        asked = np.outer(_quoted(documents[a]), _quoted(documents[b])) & (similarities.full >= 0.3)
        prose = space.similarity(documents[a], documents[b], prose=True)
        np.testing.assert_array_equal(similarities.prose[asked], prose[asked])


def test_gram_counts_are_the_plain_product_with_sorted_columns() -> None:
    """`sentence_grams` (gram by gram, over the sentences' own tokens) is the transpose of the plain
    ``token counts @ token_grams`` product, entry for entry, and `gram_counts` gives its rows with
    sorted columns; also for no sentence, one sentence, and prose."""
    documents = _tricky_documents(20, seed=31) + _random_documents(20, seed=37)
    tables = SentenceTables(documents)
    rng = np.random.default_rng(41)
    n_rows, n_prose = tables.token_counts.shape[0], tables.prose_token_counts.shape[0]
    cases = [(np.arange(0), False), (np.arange(1), False), (np.arange(n_rows), False), (np.arange(n_prose), True)]
    cases += [(np.unique(rng.integers(0, n_rows, size=20)), False) for _ in range(5)]
    for rows, prose in cases:
        tokens = tables.prose_token_counts if prose else tables.token_counts
        plain = (tokens[rows] @ tables.token_grams).tocsr()
        plain.sort_indices()
        by_gram = sentence_grams(tokens, tables.token_grams, rows)
        for found in (by_gram.T.tocsr(), tables.gram_counts(rows, prose=prose)):
            assert found.has_sorted_indices and found.shape == plain.shape
            for row in range(found.shape[0]):
                assert np.all(np.diff(found.indices[found.indptr[row] : found.indptr[row + 1]]) > 0)
            np.testing.assert_array_equal(found.indptr, plain.indptr)
            np.testing.assert_array_equal(found.indices, plain.indices)
            assert found.data.dtype == plain.data.dtype
            np.testing.assert_array_equal(found.data, plain.data)


def test_kept_grams_give_each_sentence_its_counts_while_the_store_grows_and_drops(monkeypatch) -> None:
    """`KeptGrams` gives every sentence asked for its own gram counts (those of `gram_counts`),
    whether counted now or kept from before, also after the sentences used longest ago were
    dropped to stay within its capacity; asked again, a dropped sentence is counted again."""
    documents = _tricky_documents(20, seed=43) + _random_documents(30, seed=47)
    tables = SentenceTables(documents)
    n_rows = tables.token_counts.shape[0]
    everything = tables.gram_counts(np.arange(n_rows))
    kept = KeptGrams(tables, capacity=1500)  # some sentences' worth
    counted: list[int] = []

    def counting(token_counts: sp.csr_matrix, token_grams: sp.csr_matrix, rows: np.ndarray) -> sp.csr_matrix:
        counted.extend(rows.tolist())
        return sentence_grams(token_counts, token_grams, rows)

    monkeypatch.setattr("dedup.bulk_space.sentence_grams", counting)
    rng = np.random.default_rng(53)
    asked = [np.unique(rng.integers(0, n_rows, size=rng.integers(1, 6))) for _ in range(200)]
    asked += [np.arange(n_rows)]  # more than the capacity at once
    asked += [np.unique(rng.integers(0, n_rows, size=3)) for _ in range(20)]
    grew = []
    for rows in asked:
        starts, stops = kept.rows(rows)
        for row, start, stop in zip(rows.tolist(), starts.tolist(), stops.tolist()):
            first, last = everything.indptr[row], everything.indptr[row + 1]
            np.testing.assert_array_equal(kept.columns[start:stop], everything.indices[first:last])
            np.testing.assert_array_equal(kept.counts[start:stop], everything.data[first:last])
        grew.append(len(kept.columns))
        assert kept.largest_count >= int(everything[rows].data.max(initial=1))
    assert max(grew[:200]) <= 1500  # blocks within the capacity keep the store within it
    assert grew[200] >= everything.nnz  # one block over it is given room for all its sentences
    assert everything.nnz > 1500 and len(counted) > len(set(counted))  # some dropped, counted again
    before = len(counted)
    kept.rows(asked[-1])
    assert len(counted) == before  # the sentences just asked for are kept: none counted again


def test_a_small_gram_store_does_not_change_values(monkeypatch) -> None:
    documents = _tricky_documents(12, seed=59) + _random_documents(24, seed=61)
    pairs = list(itertools.combinations(range(len(documents)), 2))
    monkeypatch.setattr("dedup.bulk_space.KEPT_GRAM_ENTRIES", 300)
    monkeypatch.setattr("dedup.bulk_space.BLOCK_POSITIONS", 40)
    _assert_as_pair_space(documents, pairs)


def test_tables_with_kept_grams_are_freed_without_the_cyclic_collector() -> None:
    """Tables whose gram store was used hold no reference cycle: dropped, they are freed at once,
    though the cluster pipeline pauses the cyclic collector (the store held the tables, which held
    the store, and both lived until the collector resumed)."""
    import gc

    from dedup.stages.prepare import collector_paused

    documents = _random_documents(20, seed=67)
    gc.collect()
    with collector_paused():
        tables = SentenceTables(documents)
        list(pair_similarities(tables, list(itertools.combinations(range(8), 2))))
        assert tables._kept_grams is not None and tables._kept_grams._used > 0
        del tables
        assert gc.collect() == 0  # nothing left for the collector to find
