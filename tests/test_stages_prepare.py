"""The prepare stage's packed documents: what a worker that prepared articles sends back must give
every document back equal, sharing repeated sentences with those the run holds already."""

from __future__ import annotations

from dedup import Article
from dedup.stages.prepare import PreparedPack, prepare_all
from dedup.text import TextCache, prepare

ODD_ARTICLES = [
    Article("quoted", 'He said: "We will not stop." Then: "Never." The talks ended.'),
    Article("greek", "Η κυβέρνηση ανακοίνωσε νέα μέτρα. Οι αγορές αντέδρασαν θετικά."),
    Article("chinese", "北京时间周一，政府宣布了新的措施。市场反应积极。"),
    Article("emoji", "Fans cheered 🎉 as the team won. It's the club's first U.S. title."),
    Article("one word", "Breaking"),
    Article("stop words", "It is what it is, and so it was."),
    Article("no words", "— … —"),
    Article("blank", "   "),
]


def test_a_pack_unpacks_to_equal_documents(seed_articles):
    batch = [*seed_articles.values(), *ODD_ARTICLES]
    documents = prepare_all(batch)
    assert any(not d.sentences for d in documents) and any(not s.words for d in documents for s in d.sentences)
    unpacked = PreparedPack(documents).unpack(batch, TextCache(bounded=False))
    assert unpacked == documents
    assert all(u.article is a for u, a in zip(unpacked, batch))


def test_unpacked_copies_share_the_sentences_the_run_holds(seed_articles):
    original = seed_articles["000"]
    copy = Article("copy", original.text)
    cache = TextCache(bounded=False)
    held = prepare(original, cache=cache)
    # prepared elsewhere, with a cache of its own
    (unpacked,) = PreparedPack([prepare(copy, cache=TextCache())]).unpack([copy], cache)
    assert unpacked.sentences[0].words is held.sentences[0].words
    assert unpacked.sentences[0].text is held.sentences[0].text
    # a sentence the run did not hold: its words share the strings of equal words it holds
    other = Article("other", f"{original.text.split('.')[0]} and more words than before.")
    (new,) = PreparedPack([prepare(other, cache=TextCache())]).unpack([other], cache)
    assert new.sentences[0].words[0] is held.sentences[0].words[0]


def test_an_empty_pack_unpacks_to_nothing():
    assert PreparedPack([]).unpack([], TextCache()) == []
