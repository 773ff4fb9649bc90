"""The cluster API on the seeds and on batches the tests build: what a user of `dedup.cluster` sees."""

from __future__ import annotations

import pytest

import dedup
from dedup import Article, DedupConfig, DedupError
from dedup.group import GroupConfig


def ids_by_group(result) -> list[set[str]]:
    return [{m.id[:3] for m in g.members} for g in result.groups]


@pytest.fixture(scope="module")
def seed_result(seed_articles):
    return dedup.cluster(seed_articles.values())


def test_all_seeds_are_one_story(seed_result):
    assert {g.story for g in seed_result.groups} == {0}


def test_seed_001_is_a_rewrite_in_000s_copy_group(seed_result):
    group = next(g for g in seed_result.groups if any(m.id.startswith("001") for m in g.members))
    assert group.canonical.startswith("000")
    member = next(m for m in group.members if m.id.startswith("001"))
    assert member.relation == "rewrite"
    assert member.rewritten > 0.4


def test_seeds_003_and_004_are_not_a_copy_pair(seed_result):
    for members in ids_by_group(seed_result):
        assert not {"003", "004"} <= members


def test_every_article_appears_in_exactly_one_group(seed_result, seed_articles):
    seen = [m.id for g in seed_result.groups for m in g.members]
    assert sorted(seen) == sorted(a.id for a in seed_articles.values())


def test_canonical_is_a_member_with_relation_canonical(seed_result):
    for group in seed_result.groups:
        canonical = [m for m in group.members if m.relation == "canonical"]
        assert [m.id for m in canonical] == [group.canonical]


def test_verbatim_copy_and_light_edit_join_their_original(seed_articles):
    original = seed_articles["002"]
    copy = Article("copy", original.text)
    edited = Article("edited", original.text.replace("surprising", "startling").replace("Last week", "On Monday"))
    result = dedup.cluster([original, copy, edited, seed_articles["003"]])
    group = next(g for g in result.groups if len(g.members) == 3)
    relations = {m.id: m.relation for m in group.members}
    assert relations["copy"] == "duplicate" or relations.get(original.id) == "duplicate"
    assert "near-duplicate" in relations.values()


def test_unrelated_articles_are_separate_stories(seed_articles):
    sport = Article(
        "sport",
        "The football club signed a new striker from Brazil on Tuesday. Fans queued outside the stadium for "
        "hours. The coach said the team needed more goals this season and praised the young forward.",
    )
    result = dedup.cluster([seed_articles["000"], sport])
    assert len({g.story for g in result.groups}) == 2


def test_earliest_published_member_is_canonical(seed_articles):
    text = seed_articles["002"].text
    result = dedup.cluster(
        [Article("late", text, published="2024-12-24"), Article("early", text, published="2024-12-23T08:00")]
    )
    assert [g.canonical for g in result.groups] == ["early"]
    assert result.groups[0].rule == "earliest-published"


def test_same_input_and_seed_give_the_same_result(seed_articles):
    first = dedup.cluster(seed_articles.values(), config=DedupConfig(seed=7))
    second = dedup.cluster(list(seed_articles.values()), config=DedupConfig(seed=7))
    assert first == second


def test_single_and_empty_batches():
    assert dedup.cluster([]).groups == ()
    result = dedup.cluster([Article("only", "One short article about nothing in particular.")])
    assert [g.canonical for g in result.groups] == ["only"]


def test_duplicate_ids_are_an_error():
    with pytest.raises(DedupError, match="duplicate id 'x'"):
        dedup.cluster([Article("x", "one text"), Article("x", "another text")])


def test_result_records_version_and_config(seed_result):
    assert seed_result.version == dedup.__version__
    assert seed_result.config["seed"] == 1
    assert "story_linkage" in seed_result.config["group"]


def test_the_same_articles_in_any_order_give_the_same_output(seed_articles):
    articles = list(seed_articles.values())
    assert dedup.cluster(articles[::-1]).groups == dedup.cluster(articles).groups
    text = seed_articles["002"].text
    one_way = dedup.cluster([Article("b", text), Article("a", text)])
    other_way = dedup.cluster([Article("a", text), Article("b", text)])
    assert one_way.groups == other_way.groups
    assert one_way.groups[0].canonical == "a"  # equal lengths: the smaller id, not the first one read


def test_canonical_by_date_honours_time_zones(seed_articles):
    text = seed_articles["002"].text
    result = dedup.cluster(
        [
            Article("zulu", text, published="2024-01-01T06:00:00Z"),
            Article("east", text, published="2024-01-01T10:00:00+05:00"),
        ]
    )
    assert (result.groups[0].canonical, result.groups[0].rule) == ("east", "earliest-published")
    assert [m.id for m in result.groups[0].members] == ["east", "zulu"]


FIGHT = [
    "Wladimir Klitschko retained his heavyweight titles",
    "Klitschko won the heavyweight bout",
    "the heavyweight champion Klitschko defended his belts",
    "Klitschko, the Ukrainian heavyweight champion",
    "the crowd cheered Klitschko",
    "Klitschko's jab controlled the heavyweight fight",
]
FIGHTS = {
    "rahman": [
        "Hasim Rahman was stopped in the seventh round",
        "the fight at the SAP Arena in Mannheim",
        "Rahman, a former champion from Baltimore, barely threw a punch",
        "referee Tony Weeks waved it off in the seventh",
        "Rahman complained about the stoppage in Mannheim",
        "the Baltimore veteran Rahman had won the title in 2001",
    ],
    "thompson": [
        "Tony Thompson was knocked down twice in the sixth round",
        "the rematch at the Stade de Suisse in Bern",
        "Thompson, a southpaw from Washington, had lost their first meeting",
        "referee Eddie Cotton counted Thompson out in the sixth",
        "Thompson said he would retire after Bern",
        "the Washington southpaw Thompson was 40 years old",
    ],
}


def two_fights() -> list[Article]:
    """Six reports of each of two fights of one boxer: four sentences of the boxer's, four of the fight's."""
    import random

    rng = random.Random(2)
    articles = []
    for fight, details in FIGHTS.items():
        for k in range(6):
            sentences = rng.sample(FIGHT, 4) + rng.sample(details, 4)
            rng.shuffle(sentences)
            articles.append(Article(id=f"{fight}-{k}", text=". ".join(sentences) + "."))
    return articles


def test_two_events_of_one_kind_are_two_stories():
    stories = {m.id: g.story for g in dedup.cluster(two_fights()).groups for m in g.members}
    assert len(set(stories.values())) == 2
    assert all(stories[f"rahman-{k}"] == stories["rahman-0"] != stories[f"thompson-{k}"] for k in range(6))
    # Without the second stage the boxer's words carry the average linkage over both fights.
    config = DedupConfig(group=GroupConfig(story_split=0.0))
    assert {g.story for g in dedup.cluster(two_fights(), config=config).groups} == {0}
