"""Caches belong to the run that fills them: shared within a run, gone with it (#16)."""

from __future__ import annotations

import sys

import dedup
from dedup.model import Article
from dedup.text import prepare


def _holds(value: object, texts: set[str], word_tuples: set[tuple[str, ...]], depth: int = 3) -> bool:
    """True when `value`, or a container inside it (to `depth` levels), holds one of the texts or
    word sequences."""
    if isinstance(value, str):
        return value in texts
    if isinstance(value, tuple) and value and all(isinstance(item, str) for item in value):
        if value in word_tuples:
            return True
    if depth == 0:
        return False
    if isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
    else:
        return False
    return any(_holds(item, texts, word_tuples, depth - 1) for item in items)


def _dedup_attributes_holding(texts: set[str], word_tuples: set[tuple[str, ...]]) -> list[str]:
    """Names of the module attributes (and class attributes of the modules' classes) of every
    imported `dedup` module that hold one of the texts or word sequences."""
    found = []
    for name, module in list(sys.modules.items()):
        if module is None or (name != "dedup" and not name.startswith("dedup.")):
            continue
        for attribute, value in list(vars(module).items()):
            held = [value]
            if isinstance(value, type) and value.__module__ == name:
                held.extend(vars(value).values())
            if any(_holds(item, texts, word_tuples) for item in held):
                found.append(f"{name}.{attribute}")
    return found


def _batch(seed_articles: dict[str, Article]) -> list[Article]:
    """The seeds with a lightly edited copy of the first: exact, edited and rewritten sentence pairs."""
    original = seed_articles["000"]
    ending = "\n\nZorblatt harbour officials declined to comment on the talks."
    edited = original.text.replace(" the ", " a ", 3) + ending
    return [*seed_articles.values(), Article(id="zz-copy", text=edited)]


def test_no_module_keeps_a_batch_s_sentences_after_cluster(seed_articles):
    batch = _batch(seed_articles)
    result = dedup.cluster(batch)
    assert "near-duplicate" in {pair.relation for pair in result.pairs}
    sentences = [s for article in batch for s in prepare(article).sentences if len(s.words) >= 5]
    texts = {s.text for s in sentences}
    word_tuples = {s.words for s in sentences}
    assert _dedup_attributes_holding(texts, word_tuples) == []


def test_separate_runs_do_not_share_a_cache(seed_articles):
    article = seed_articles["000"]
    first, second = prepare(article), prepare(article)
    assert first.sentences == second.sentences
    assert first.sentences[0].words is not second.sentences[0].words


def test_copies_prepared_in_one_run_share_their_sentences(seed_articles):
    from dedup.stages.prepare import prepare_all
    from dedup.text import TextCache

    original = seed_articles["000"]
    copy = Article(id="copy", text=original.text)
    cache = TextCache()
    a, b = prepare(original, cache=cache), prepare(copy, cache=cache)
    assert a.sentences[0].words is b.sentences[0].words
    assert a.sentences[0].text is b.sentences[0].text
    a, b = prepare_all([original, copy])
    assert a.sentences[0].words is b.sentences[0].words


def test_a_batch_shares_sentences_beyond_a_bounded_cache_s_size(seed_articles, monkeypatch):
    """`prepare_all` keeps every document, so its cache is unbounded: the first and the last copy
    of a sentence share one tuple however many sentences come between; a bounded cache (a stream's)
    stays within its sizes."""
    import dedup.text
    from dedup.stages.prepare import prepare_all
    from dedup.text import TextCache

    monkeypatch.setattr(dedup.text, "_SENTENCE_CACHE_SIZE", 3)
    monkeypatch.setattr(dedup.text, "_TOKEN_CACHE_SIZE", 10)
    original = seed_articles["000"]
    between = [article for key, article in sorted(seed_articles.items()) if key != "000"]
    batch = [original, *between, Article(id="copy", text=original.text)]
    documents = prepare_all(batch)
    assert documents[-1].sentences[0].words is documents[0].sentences[0].words
    bounded = TextCache()
    for article in batch:
        prepare(article, cache=bounded)
        assert len(bounded.sentences) <= 3
        assert len(bounded.stems) <= 10
        # `words` is emptied when an article starts with it over its size
        assert len(bounded.words) <= 10 + len({w for s in prepare(article).sentences for w in s.words})


def test_a_text_cache_is_freed_without_the_cyclic_collector(seed_articles):
    """A run's `TextCache` holds no reference cycle: dropped, it is freed at once, though the
    cluster pipeline pauses the cyclic collector (a cycle kept a batch's cache, a word and a stem
    entry per distinct token, alive until the collector resumed and walked it)."""
    import gc

    from dedup.stages.prepare import collector_paused
    from dedup.text import TextCache

    gc.collect()
    with collector_paused():
        cache = TextCache()
        for article in seed_articles.values():
            prepare(article, cache=cache)
        assert len(cache.sentences) and len(cache.words) and len(cache.stems)
        del cache
        assert gc.collect() == 0  # nothing left for the collector to find


def test_equal_words_share_one_string_within_a_run():
    from dedup.text import TextCache

    cache = TextCache()
    a = prepare(Article(id="a", text="Negotiations resumed on Monday."), cache=cache)
    b = prepare(Article(id="b", text="The negotiations failed again."), cache=cache)
    assert a.sentences[0].words[0] == b.sentences[0].words[1] == "negotiations"
    assert a.sentences[0].words[0] is b.sentences[0].words[1]


def test_a_run_s_ratio_cache_is_filled_and_changes_no_verdict(seed_articles):
    from dedup.align import relate
    from dedup.score import RatioCache, pair_space

    original = seed_articles["000"]
    edited = Article(id="edited", text=original.text.replace(" the ", " a ", 3))
    a, b = prepare(original), prepare(edited)
    ratios = RatioCache()
    pair, alignment = relate(0, 1, a, b, 0.9, ratios=ratios)
    assert len(ratios) > 0
    assert any(link.kind == "edited" for link in alignment.links)
    assert (pair, alignment) == relate(0, 1, a, b, 0.9, space_of=pair_space)
