"""The group stage both engines run (`dedup.stages.group`: `copy_groups`, `number_groups`): which
article each member's relation is with, figures measured against it, and the output order."""

from __future__ import annotations

from dedup import Article, DedupConfig
from dedup.model import ScoredPair
from dedup.score import DocumentSpace
from dedup.stages.group import copy_groups, input_warnings, number_groups, relation_tree, single_group
from dedup.text import prepare

TEXTS = [
    "The central bank raised its benchmark interest rate by a quarter point on Tuesday. Officials said more "
    "moves would depend on data.",
    "The central bank raised its benchmark rate by a quarter point on Tuesday. Officials said further moves "
    "would depend on the data.",
    "On Tuesday the bank lifted borrowing costs for the third time this year. Policymakers said what comes "
    "next depends on the figures.",
    "Heavy rain flooded parts of the coastal city overnight, closing two motorways. Schools will stay closed.",
]


def grouped(articles: list[Article], pairs: list[ScoredPair]):
    documents = [prepare(article) for article in articles]
    pending = copy_groups(documents, pairs, DocumentSpace(documents), DedupConfig())
    return number_groups(pending), pending


def chain() -> list[ScoredPair]:
    # 1 is a near-duplicate of 0; 2 is a rewrite of 1 but only same-story with 0 (the canonical).
    return [
        ScoredPair(0, 1, 0.91, 0.93, 0.95, 0.0, 0.0, "near-duplicate"),
        ScoredPair(0, 2, 0.40, 0.05, 0.06, 0.10, 0.14, "same-story"),
        ScoredPair(1, 2, 0.52, 0.02, 0.03, 0.55, 0.61, "rewrite"),
    ]


def test_a_member_joined_through_another_names_it_and_shows_that_pairs_figures():
    articles = [
        Article("a", TEXTS[0], published="2024-01-01T08:00:00Z"),
        Article("b", TEXTS[1]),
        Article("c", TEXTS[2]),
    ]
    groups, _ = grouped(articles, chain())
    (group,) = groups
    assert group.canonical == "a"
    canonical, near, rewrite = group.members
    assert (canonical.relation, canonical.of) == ("canonical", None)
    assert (near.id, near.relation, near.of, near.cosine, near.shared) == ("b", "near-duplicate", "a", 0.91, 0.95)
    # Against c's relation partner b, not against the canonical a (whose figures were 0.40 / 14%).
    assert (rewrite.id, rewrite.relation, rewrite.of) == ("c", "rewrite", "b")
    assert (rewrite.cosine, rewrite.shared, rewrite.rewritten) == (0.52, 0.03, 0.61)


def test_a_direct_copy_relation_with_the_canonical_wins_and_ties_go_by_strength_then_cosine():
    pairs = [
        ScoredPair(0, 1, 0.91, 0.93, 0.95, 0.0, 0.0, "near-duplicate"),
        ScoredPair(0, 2, 0.60, 0.0, 0.0, 0.50, 0.50, "rewrite"),
        ScoredPair(1, 2, 0.99, 1.0, 1.0, 0.0, 0.0, "duplicate"),
    ]
    ids = ["a", "b", "c"]
    links = {0: pairs[:2], 1: [pairs[0], pairs[2]], 2: pairs[1:]}
    assert relation_tree(0, links, ids) == {1: pairs[0], 2: pairs[1]}
    # From b, c is one step away by a duplicate pair, a by a near-duplicate one.
    assert relation_tree(1, links, ids) == {0: pairs[0], 2: pairs[2]}


def test_members_echo_what_the_input_said_and_their_first_words():
    articles = [
        Article("a", TEXTS[0], title="Rates up", source="Reuters", published="2024-01-01", url="https://x.test/a"),
        Article("b", TEXTS[1]),
    ]
    groups, _ = grouped(articles, chain()[:1])
    first, second = groups[0].members
    assert (first.title, first.source, first.published, first.url) == (
        "Rates up",
        "Reuters",
        "2024-01-01",
        "https://x.test/a",
    )
    assert second.title is None and second.opening.startswith("The central bank raised its benchmark rate")
    assert second.opening.endswith(" ...")


def test_stories_are_numbered_largest_first_then_earliest():
    articles = [
        Article("rain", TEXTS[3], published="2024-01-03"),
        Article("a", TEXTS[0], published="2024-01-05"),
        Article("b", TEXTS[1], published="2024-01-06"),
        Article("c", TEXTS[2], published="2024-01-02"),
    ]
    pairs = [ScoredPair(1, 2, 0.91, 0.93, 0.95, 0.0, 0.0, "near-duplicate")]
    groups, _ = grouped(articles, pairs)
    assert [(g.story, g.canonical) for g in groups] == [(0, "a"), (1, "c"), (2, "rain")]


def test_a_single_article_group_equals_the_one_copy_groups_makes():
    article = Article("solo", TEXTS[3], published="nonsense", origin="in.jsonl:4")
    _, pending = grouped([article], [])
    assert single_group(prepare(article), 0) == pending[0]
    assert input_warnings(pending) == (
        "in.jsonl:4: published 'nonsense' is not an ISO 8601 date (e.g. 2024-12-22 or 2024-12-22T09:30:00Z);"
        " the article is taken as undated",
    )


def test_opening_words_are_the_first_twelve_on_one_line_read_from_the_start_only():
    from dedup.model import opening_words

    assert opening_words("One  two\nthree") == "One two three"
    text = " ".join(f"w{k}" for k in range(20))
    assert opening_words(text) == " ".join(f"w{k}" for k in range(12)) + " ..."
    huge = "Start of a very long article. " + "x" * 5_000_000
    shown = opening_words(huge)
    assert shown.startswith("Start of a very long article. xxx") and shown.endswith("x ...") and len(shown) < 800
