from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
import scipy.sparse as sp

from dedup.dates import published_moment
from dedup.group import (
    GroupConfig,
    choose_canonical,
    components,
    copy_components,
    group_shapes,
    member_key,
    output_key,
    story_clusters,
)
from dedup.model import Article, ScoredPair


def unit_rows(rows: list[list[float]]) -> sp.csr_matrix:
    matrix = np.array(rows, dtype=float)
    return sp.csr_matrix(matrix / np.linalg.norm(matrix, axis=1, keepdims=True))


def scored(vectors: sp.csr_matrix, a: int, b: int, relation: str = "same-story") -> ScoredPair:
    cosine = float((vectors[a] @ vectors[b].T).toarray()[0, 0])
    return ScoredPair(a, b, cosine, 0.0, 0.0, 0.0, 0.0, relation)


def test_a_bridging_article_does_not_chain_two_stories():
    # Story X: 0, 1, 2 on axis 0; story Y: 3, 4, 5 on axis 1; article 6 mixes both.
    vectors = unit_rows([[1, 0, 0.1], [1, 0, 0.2], [1, 0, 0.15], [0, 1, 0.1], [0, 1, 0.2], [0, 1, 0.15], [1, 1, 0]])
    pairs = [scored(vectors, a, b) for a, b in [(0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5), (0, 6), (3, 6)]]
    labels = story_clusters(7, pairs, vectors, GroupConfig(story_linkage=0.6))
    assert labels[0] == labels[1] == labels[2]
    assert labels[3] == labels[4] == labels[5]
    assert labels[0] != labels[3]


def test_connected_components_would_have_chained_them():
    # The same graph with a threshold every candidate edge passes: only average linkage keeps them apart.
    vectors = unit_rows([[1, 0], [1, 0.1], [0, 1], [0.1, 1], [1, 1]])
    pairs = [scored(vectors, a, b) for a, b in [(0, 1), (2, 3), (1, 4), (2, 4)]]
    assert min(p.cosine for p in pairs) > 0.6
    labels = story_clusters(5, pairs, vectors, GroupConfig(story_linkage=0.6))
    assert labels[0] != labels[2]


def test_a_copy_relation_always_joins_its_pair():
    vectors = unit_rows([[1, 0], [0, 1]])
    labels = story_clusters(2, [scored(vectors, 0, 1, "rewrite")], vectors, GroupConfig(story_linkage=0.9))
    assert labels[0] == labels[1]


def test_copy_groups_stay_inside_their_story():
    pairs = [ScoredPair(0, 1, 0.9, 1, 1, 0, 0, "near-duplicate"), ScoredPair(1, 2, 0.9, 1, 1, 0, 0, "rewrite")]
    assert copy_components(3, pairs, [0, 0, 1]) == [0, 0, 2]


@pytest.mark.parametrize(
    ("articles", "expected"),
    [
        (
            [Article("a", "x", published="2024-01-02"), Article("b", "x", published="2024-01-01")],
            (1, "earliest-published"),
        ),
        ([Article("a", "x", source="Dawn"), Article("b", "x", source="Reuters")], (1, "wire-source")),
        ([Article("a", "x"), Article("b", "x")], (1, "longest")),
    ],
)
def test_canonical_rules(articles, expected):
    assert choose_canonical([0, 1], articles, [10, 20]) == expected


def test_equally_long_undated_copies_are_told_apart_by_id_and_say_so():
    articles = [Article("b", "x"), Article("a", "x"), Article("c", "x")]
    assert choose_canonical([0, 1, 2], articles, [20, 20, 10]) == (1, "smallest-id")
    assert choose_canonical([0, 2], articles, [20, 20, 10]) == (0, "longest")


def test_an_undated_member_disables_the_date_rule():
    articles = [Article("a", "x", published="2024-01-01"), Article("b", "x")]
    assert choose_canonical([0, 1], articles, [10, 20]) == (1, "longest")


def test_a_published_that_is_not_a_date_counts_as_undated():
    articles = [Article("a", "x", published="yesterday"), Article("b", "x", published="2024-01-01")]
    assert choose_canonical([0, 1], articles, [10, 20]) == (1, "longest")
    wire = [
        Article("a", "x", source="AP", published="yesterday"),
        Article("b", "x", source="AP", published="2024-01-01"),
    ]
    assert choose_canonical([0, 1], wire, [10, 10]) == (1, "wire-source")


@pytest.mark.parametrize("rule_of", [{}, {"source": "Reuters"}, {"published": "2024-01-01T06:00:00Z"}])
def test_ties_go_to_the_smaller_id_whatever_the_input_order(rule_of):
    articles = [Article("b", "x", **rule_of), Article("a", "x", **rule_of)]
    for batch in (articles, articles[::-1]):
        assert batch[choose_canonical([0, 1], batch, [10, 10])[0]].id == "a"


def test_output_order_is_larger_first_then_earlier_then_undated_then_by_id():
    from datetime import datetime, timezone

    early, late = datetime(2024, 1, 1, tzinfo=timezone.utc), datetime(2024, 1, 2, tzinfo=timezone.utc)
    keys = [output_key(1, None, "a"), output_key(1, late, "b"), output_key(3, late, "z"), output_key(1, early, "c")]
    assert sorted(keys) == [keys[2], keys[3], keys[1], keys[0]]
    assert sorted([member_key(None, "a"), member_key(late, "b")]) == [member_key(late, "b"), member_key(None, "a")]


def test_group_config_validates():
    with pytest.raises(ValueError, match="story_linkage"):
        GroupConfig(story_linkage=-0.1)


@pytest.mark.parametrize("tight", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_story_clusters_equal_exact_average_linkage(seed, tight, monkeypatch):
    """With every pair a candidate, the story partition is scikit-learn's average linkage at the
    same cosine, exactly (pairs under the linkage are passed over, and need not be proposed): a
    merged cluster's stale averages must never be taken for its current ones. (The second stage,
    which splits stories holding two events, is off: it is tested apart.) `tight` makes the
    queue read its runs one or two entries at a time, so that that path is taken in a small batch
    too."""
    from sklearn.cluster import AgglomerativeClustering

    import dedup.group as group

    if tight:
        monkeypatch.setattr(group._MergeQueue, "_FIRST_SCAN", 1)
        monkeypatch.setattr(group._MergeQueue, "_MAX_SCAN", 2)
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(seed)
    count, threshold = 60, 0.2
    # Eight topics over overlapping columns plus sparse noise, so averages change as clusters grow.
    topics = rng.integers(0, 8, size=count)
    dense = rng.random((count, 80)) * (rng.random((count, 80)) < 0.08)
    for row, topic in enumerate(topics):
        columns = rng.choice(np.arange(topic * 8, topic * 8 + 14) % 80, size=6, replace=False)
        dense[row, columns] += rng.random(6)
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    vectors = sp.csr_matrix(dense.astype(np.float32))
    # Each pair with its cosine, as candidate pairs come: those under the linkage propose nothing.
    cosines = (vectors @ vectors.T).toarray()
    pairs = [
        ScoredPair(i, j, float(cosines[i, j]), 0.0, 0.0, 0.0, 0.0, "same-story")
        for i in range(count)
        for j in range(i + 1, count)
    ]
    ours = story_clusters(count, pairs, vectors, GroupConfig(story_linkage=threshold, story_split=0.0))
    reference = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=1 - threshold
    ).fit_predict(dense)
    assert len(set(ours)) >= 10
    assert adjusted_rand_score(reference, ours) == 1.0


def two_event_vectors(seed: int, sizes: tuple[int, ...] = (6, 6), *, pool: int = 6) -> tuple[sp.csr_matrix, list[int]]:
    """Articles of one topic (a heavy shared column 0) about `len(sizes)` events: each article holds
    four of its event's `pool` detail columns and a column of its own."""
    rng = np.random.default_rng(seed)
    count = sum(sizes)
    width = 1 + pool * len(sizes) + count
    dense = np.zeros((count, width))
    events = [event for event, size in enumerate(sizes) for _ in range(size)]
    for row, event in enumerate(events):
        dense[row, 0] = 3.0
        dense[row, 1 + event * pool + rng.choice(pool, size=4, replace=False)] = 1.0
        dense[row, 1 + pool * len(sizes) + row] = 1.0
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    return sp.csr_matrix(dense.astype(np.float32)), events


def all_pairs(vectors: sp.csr_matrix, relation: str = "same-story") -> list[ScoredPair]:
    """Every pair of rows with its cosine, as candidate pairs come."""
    count = vectors.shape[0]
    return [scored(vectors, i, j, relation) for i in range(count) for j in range(i + 1, count)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_story_of_two_events_sharing_their_topic_words_is_split(seed):
    vectors, events = two_event_vectors(seed)
    merged = story_clusters(12, all_pairs(vectors), vectors, GroupConfig(story_split=0.0))
    assert len(set(merged)) == 1  # the shared topic word carries every average over the linkage
    labels = story_clusters(12, all_pairs(vectors), vectors, GroupConfig())
    assert [labels[k] == labels[0] for k in range(12)] == [event == events[0] for event in events]
    assert labels[0] == 0 and labels[6] == 6  # each story is named by its smallest member


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_event_is_not_split(seed):
    vectors, _ = two_event_vectors(seed, (12,), pool=12)
    assert set(story_clusters(12, all_pairs(vectors), vectors, GroupConfig())) == {0}


def test_halves_smaller_than_the_split_size_are_kept_together():
    vectors, _ = two_event_vectors(0, (4, 8))
    assert len(set(story_clusters(12, all_pairs(vectors), vectors, GroupConfig()))) == 1
    labels = story_clusters(12, all_pairs(vectors), vectors, GroupConfig(story_split_size=4))
    assert len(set(labels[:4])) == 1 and labels[0] not in labels[4:]


def test_a_copy_relation_is_never_split():
    vectors, _ = two_event_vectors(0)
    pairs = [
        scored(vectors, i, j, "rewrite" if (i, j) == (0, 6) else "same-story")
        for i in range(12)
        for j in range(i + 1, 12)
    ]
    labels = story_clusters(12, pairs, vectors, GroupConfig())
    assert labels[0] == labels[6]


def test_the_split_depends_on_the_story_alone():
    """A story split inside a larger batch, whose other articles add columns and rows, is split as
    on its own (the Spark engine clusters each connected component apart)."""
    vectors, _ = two_event_vectors(1)
    alone = story_clusters(12, all_pairs(vectors), vectors, GroupConfig())
    other, _ = two_event_vectors(5, (3,), pool=4)
    batch = sp.csr_matrix(sp.block_diag([other, vectors], format="csr", dtype=np.float32))
    pairs = [scored(batch, a, b) for a, b in combinations(range(3), 2)]
    pairs += [scored(batch, a + 3, b + 3) for a, b in combinations(range(12), 2)]
    inside = story_clusters(15, pairs, batch, GroupConfig())
    assert [label - 3 for label in inside[3:]] == alone


def test_story_split_validates():
    with pytest.raises(ValueError, match="story_split"):
        GroupConfig(story_split=1.5)
    with pytest.raises(ValueError, match="story_split_size"):
        GroupConfig(story_split_size=0)


def test_components_are_labelled_by_their_least_article_whatever_the_edge_order():
    edges = np.array([[4, 2], [0, 3], [2, 1]], dtype=np.int64)
    assert components(6, edges).tolist() == [0, 1, 1, 0, 1, 5]
    assert components(6, edges[::-1, ::-1]).tolist() == [0, 1, 1, 0, 1, 5]


def test_group_shapes_put_the_canonical_first_and_groups_in_output_order():
    articles = [
        Article(id="c", text="x", published="2024-01-02"),
        Article(id="a", text="x", published="2024-01-01"),
        Article(id="b", text="x"),
        Article(id="d", text="x", published="2024-01-03"),
    ]
    moments = [published_moment(article.published) for article in articles]
    shapes = group_shapes(np.array([0, 0, 2, 0]), articles, [1, 1, 1, 1], moments)
    found = [(shape.members, shape.rule) for shape in shapes]
    assert found == [((1, 0, 3), "earliest-published"), ((2,), "only-member")]


def test_cluster_sums_give_each_cluster_its_current_sum_in_order():
    """`_ClusterSums` gives each cluster the sum of its members' rows (its row, while it is a
    single article) through every merge and every copy its arrays make as they grow: a shared
    column's weights added in float32, bit for bit as ``np.add.reduceat`` over the two rows sorted
    by column adds them; each dot product a float32 sum in column order."""
    import scipy.sparse as sp

    from dedup.group import _ClusterSums

    rng = np.random.default_rng(5)
    count = 40

    def random_row(k: int) -> tuple[np.ndarray, np.ndarray]:
        size = 0 if k == 7 else int(rng.integers(1, 30))  # article 7: no content word
        columns = np.sort(rng.choice(50, size=size, replace=False)).astype(np.int32)
        return columns, rng.random(len(columns)).astype(np.float32)

    def added(first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray]):
        columns = np.concatenate((first[0], second[0]))
        weights = np.concatenate((first[1], second[1]))
        if not len(columns):
            return columns, weights
        order = np.argsort(columns, kind="stable")
        columns, weights = columns[order], weights[order]
        starts = np.flatnonzero(np.concatenate(([True], columns[1:] != columns[:-1])))
        return columns[starts], np.add.reduceat(weights, starts)

    def expected(cluster: int, dense: np.ndarray) -> np.float32:
        columns, weights = sums[cluster]
        return np.cumsum(weights * dense[columns], dtype=np.float32)[-1] if len(columns) else np.float32(0)

    sums = {k: random_row(k) for k in range(count)}
    vectors = sp.csr_matrix(
        (
            np.concatenate([sums[k][1] for k in range(count)]),
            np.concatenate([sums[k][0] for k in range(count)]),
            np.concatenate(([0], np.cumsum([len(sums[k][0]) for k in range(count)]))),
        ),
        shape=(count, 50),
    )
    held = _ClusterSums(vectors)
    grown = shared = 0
    while len(sums) > 1:
        keep, gone = sorted(rng.choice(sorted(sums), size=2, replace=False).tolist())
        before = len(held._columns)
        shared += len(np.intersect1d(sums[keep][0], sums[gone][0]))
        sums[keep] = added(sums[keep], sums.pop(gone))
        held.merge(keep, gone)
        grown += len(held._columns) != before
        dense = rng.random(50).astype(np.float32)
        asked = np.array(sorted(sums), dtype=np.int64)
        found = held.dots(asked, dense)
        assert found.tobytes() == np.array([expected(c, dense) for c in asked.tolist()], dtype=np.float32).tobytes()
        for c in asked.tolist():
            columns, weights = held.of(c)
            assert columns.tolist() == sums[c][0].tolist() and weights.tobytes() == sums[c][1].tobytes()
    assert grown >= 2 and shared > 100  # the arrays were copied while growing; many columns were added


def test_members_published_at_the_same_moment_are_told_apart_by_the_next_rules():
    same_day = [Article("a", "x", published="2024-12-22"), Article("b", "x", published="2024-12-22")]
    # An excerpt dated the same day as the full story is not its original: the longer text is.
    assert choose_canonical([0, 1], same_day, [10, 60]) == (1, "longest")
    wire = [Article("a", "x", published="2024-12-22"), Article("b", "x", published="2024-12-22", source="AP")]
    assert choose_canonical([0, 1], wire, [60, 10]) == (1, "wire-source")
    # Only the members at the earliest moment take part: a later, longer one is not chosen.
    later = [*same_day, Article("c", "x", published="2024-12-23")]
    assert choose_canonical([0, 1, 2], later, [10, 60, 90]) == (1, "longest")
