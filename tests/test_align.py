from __future__ import annotations

import numpy as np

from dedup.align import RelationConfig, align, ordered_chain, relation, score_pair
from dedup.model import Article
from dedup.score import DocumentSpace, SentenceSpace
from dedup.text import prepare

STORY = (
    "The finance minister announced a new budget on Monday. "
    "Spending on hospitals will rise by ten percent next year. "
    "Opposition leaders called the plan reckless and unfunded. "
    "The central bank warned that inflation could climb again. "
    "Parliament will vote on the budget at the end of the month."
)


def pair(text_a: str, text_b: str):
    docs = [prepare(Article(id="a", text=text_a)), prepare(Article(id="b", text=text_b))]
    space = SentenceSpace(docs)
    cosine = float(DocumentSpace(docs).cosine(np.array([[0, 1]]))[0])
    return score_pair(0, 1, docs[0], docs[1], cosine, space)


def test_identical_text_is_a_duplicate_with_every_sentence_verbatim():
    scored, alignment = pair(STORY, STORY)
    assert scored.relation == "duplicate"
    assert {link.kind for link in alignment.links} == {"verbatim"}


def test_a_copy_with_one_changed_word_is_a_near_duplicate():
    edited = STORY.replace("reckless", "careless")
    scored, alignment = pair(STORY, edited)
    assert scored.relation == "near-duplicate"
    assert [link.kind for link in alignment.links].count("edited") == 1


def test_unrelated_texts_share_nothing():
    other = (
        "The football club signed a new striker from Brazil. "
        "Fans queued outside the stadium for hours to see him. "
        "The coach said the team needed more goals this season."
    )
    scored, alignment = pair(STORY, other)
    assert scored.relation == "unrelated"
    assert all(link.kind.startswith("only-in") for link in alignment.links)


def test_every_sentence_appears_in_exactly_one_link(seed_articles):
    docs = [prepare(seed_articles["000"]), prepare(seed_articles["001"])]
    alignment = align(docs[0], docs[1], SentenceSpace(docs))
    a_seen = sorted(i for link in alignment.links for i in link.a)
    b_seen = sorted(j for link in alignment.links for j in link.b)
    assert a_seen == list(range(len(docs[0].sentences)))
    assert b_seen == list(range(len(docs[1].sentences)))


def test_seed_001_is_a_rewrite_of_000(seed_articles):
    docs = [prepare(seed_articles["000"]), prepare(seed_articles["001"])]
    space = SentenceSpace(docs)
    cosine = float(DocumentSpace(docs).cosine(np.array([[0, 1]]))[0])
    scored, alignment = score_pair(0, 1, docs[0], docs[1], cosine, space)
    assert scored.relation == "rewrite"
    rewritten_in_001 = {j for link in alignment.links if link.kind == "rewritten" for j in link.b}
    assert len(rewritten_in_001) >= len(docs[1].sentences) // 2


def test_independent_reports_sharing_a_quote_are_not_copies(seed_articles):
    docs = [prepare(seed_articles["003"]), prepare(seed_articles["004"])]
    space = SentenceSpace(docs)
    cosine = float(DocumentSpace(docs).cosine(np.array([[0, 1]]))[0])
    scored, alignment = score_pair(0, 1, docs[0], docs[1], cosine, space)
    assert scored.relation == "same-story"
    assert "quote" in {link.kind for link in alignment.links}


def test_ordered_chain_picks_the_heaviest_increasing_run():
    chain = ordered_chain(np.array([0, 5, 1, 2, 3]), np.array([1.0, 1.0, 1.0, 1.0, 1.0]))
    assert chain.tolist() == [True, False, True, True, True]


def test_relation_config_validates_its_parameters():
    import pytest

    with pytest.raises(ValueError, match="rewrite_coverage"):
        RelationConfig(rewrite_coverage=1.5)
    assert callable(relation)
