"""One relation judgement (`dedup.align.relate`): every entry point that relates two articles gives
the same verdict for the same pair, and the engines' bulk shortcut only skips pairs `relate` itself
would settle without an alignment."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import dedup
from dedup.align import RelationConfig, needs_alignment, relate
from dedup.model import Article
from dedup.score import DocumentSpace
from dedup.text import prepare

STOP_WORDS_ONLY = "It is what it is. And so it was, and it is what it was when it was so."
CAT = "The cat slept on the warm mat all afternoon in the sun. It purred loudly when the children came home."
STATEMENT = (
    "The foreign ministry issued a statement on Tuesday evening.\n\n"
    '"Pakistan condemns in the strongest terms the attack on the convoy near the border crossing. The '
    "perpetrators of this heinous act will be brought to justice. We call on the international community to "
    "support our efforts against terrorism. Our thoughts are with the families of the soldiers who lost their "
    'lives. The government will spare no effort to secure the region."'
)
QUOTED_ONLY = " ".join(f'"Line {n} of the statement on the budget is read out in full," he said.' for n in range(12))
# Two reports of their own that quote the same statement: only the quotation is shared.
OWN_REPORT_A = (
    "Soldiers were killed when gunmen ambushed a military convoy in the north-west on Tuesday, officials said. "
    "The attack happened near a remote border post, and no group has yet claimed it.\n\n"
    '"The perpetrators of this heinous act will be brought to justice."'
)
OWN_REPORT_B = (
    "Pakistan's government vowed revenge after an ambush on an army convoy left several soldiers dead. "
    "Local residents described hours of gunfire in the hills before reinforcements arrived.\n\n"
    '"The perpetrators of this heinous act will be brought to justice."'
)
MARKETS = "Stock markets fell sharply in Tokyo on Monday as investors sold banks. Traders said they were worried."


def _pairs(seed_articles: dict[str, Article]) -> dict[str, tuple[Article, Article]]:
    source = seed_articles["000"].text
    edited = source.replace("Saturday", "Sunday", 1).replace("unfounded", "baseless", 1)
    assert edited != source
    return {
        "identical": (Article("a", source), Article("b", source)),
        "edited copy": (Article("a", source), Article("b", edited)),
        "stop words only, identical": (Article("a", STOP_WORDS_ONLY), Article("b", STOP_WORDS_ONLY)),
        "stop words only, different": (Article("a", STOP_WORDS_ONLY), Article("b", "So it is. It was what it was.")),
        "rewrite (seeds 000, 001)": (seed_articles["000"], seed_articles["001"]),
        "same story (seeds 000, 002)": (seed_articles["000"], seed_articles["002"]),
        "same story (seeds 003, 004)": (seed_articles["003"], seed_articles["004"]),
        "unrelated": (Article("a", CAT), Article("b", MARKETS)),
        "edited copy of a statement": (Article("a", STATEMENT), Article("b", STATEMENT.replace(" evening", ""))),
        "edited copy, all quotation": (
            Article("a", QUOTED_ONLY),
            Article("b", QUOTED_ONLY.replace("Line 5 ", "Line five ")),
        ),
        "two reports sharing a quotation": (Article("a", OWN_REPORT_A), Article("b", OWN_REPORT_B)),
    }


EXPECTED = {
    "identical": "duplicate",
    "edited copy": "near-duplicate",
    "stop words only, identical": "duplicate",
    "stop words only, different": "unrelated",
    "rewrite (seeds 000, 001)": "rewrite",
    "same story (seeds 000, 002)": "same-story",
    "same story (seeds 003, 004)": "same-story",
    "unrelated": "unrelated",
    # A copy takes the quotations over with the prose around them: they count as copied text
    # (`dedup.align.quotes_taken_over`), so a copied statement with a one-line introduction, or one
    # that is all quotation, is a near-duplicate; two reports quoting one statement are not copies.
    "edited copy of a statement": "near-duplicate",
    "edited copy, all quotation": "near-duplicate",
    "two reports sharing a quotation": "same-story",
}


def _batch_relation(result: dedup.ClusterResult, a: str, b: str) -> str:
    """The relation a two-article batch gives its pair: the member's own in one copy group, else
    what the grouping says (one story, or two)."""
    where = {member.id: (group.story, group.group, member) for group in result.groups for member in group.members}
    story_a, group_a, member_a = where[a]
    story_b, group_b, member_b = where[b]
    if (story_a, group_a) == (story_b, group_b):
        return member_b.relation if member_b.relation != "canonical" else member_a.relation
    return "same-story" if story_a == story_b else "unrelated"


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_entry_point_gives_a_pair_the_same_relation(seed_articles, name):
    a, b = _pairs(seed_articles)[name]
    expected = EXPECTED[name]
    assert _batch_relation(dedup.cluster([a, b]), a.id, b.id) == expected
    assert dedup.diff(a, b).relation == expected
    assert dedup.score_document_pairs([(a.text, b.text)])[0].label == expected
    # The copy level finds copies only: the same copies, with the same label; nothing else grouped.
    copies = _batch_relation(dedup.cluster_copies([a, b]), a.id, b.id)
    assert copies == (expected if expected in ("duplicate", "near-duplicate") else "unrelated")
    # flag: a copy is wholly derived from its source, a rewrite derived, anything else not.
    derivation = dedup.flag([b], wire=[a]).flags[0].derivation
    if expected in ("duplicate", "near-duplicate"):
        assert derivation == "wholly-derived"
    elif expected == "rewrite":
        assert derivation in ("wholly-derived", "partially-derived")
    else:
        assert derivation == "non-derived"


def test_relate_settles_a_low_cosine_pair_without_aligning_it():
    a, b = prepare(Article("a", CAT)), prepare(Article("b", MARKETS))
    cosine = float(DocumentSpace([a, b]).cosine(np.array([[0, 1]]))[0])
    assert cosine < RelationConfig().align_min_cosine
    pair, alignment = relate(0, 1, a, b, cosine)
    assert alignment is None and pair.relation == "unrelated" and pair.shared_a == pair.shared_b == 0.0


def test_the_bulk_shortcut_skips_only_pairs_relate_settles_by_cosine(seed_articles):
    """Engines skip the pairs `needs_alignment` rules out; `relate` must settle each of them alone."""
    texts = [article.text for article in seed_articles.values()] + [CAT, MARKETS, STOP_WORDS_ONLY, STOP_WORDS_ONLY]
    documents = [prepare(Article(f"d{k}", text)) for k, text in enumerate(texts)]
    space = DocumentSpace(documents)
    pairs = np.array(list(itertools.combinations(range(len(documents)), 2)), dtype=np.int64)
    cosines = space.cosine(pairs)
    wordless = space.matrix.getnnz(axis=1) == 0
    aligned = needs_alignment(cosines, wordless[pairs[:, 0]], wordless[pairs[:, 1]], RelationConfig())
    assert aligned.any() and not aligned.all()
    for (i, j), cosine, may_align in zip(pairs.tolist(), cosines.tolist(), aligned.tolist()):
        _, alignment = relate(i, j, documents[i], documents[j], cosine)
        if not may_align:
            assert alignment is None, (i, j)
