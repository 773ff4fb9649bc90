"""Connected components over Spark DataFrames, checked against scipy's on the same graphs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("pyspark")

import numpy as np  # noqa: E402
from scipy.sparse import coo_matrix  # noqa: E402
from scipy.sparse.csgraph import connected_components as scipy_components  # noqa: E402

from dedup.engine.spark_graph import component_of_every, connected_components  # noqa: E402
from dedup.errors import DedupError  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    """One local Spark session for the module (starting one takes ~10 s)."""
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("test_spark_graph")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def edge_frame(spark, pairs, schema: str = "src long, dst long"):
    return spark.createDataFrame([(int(a), int(b)) for a, b in pairs], schema)


def nothing_cached(spark) -> bool:
    """No DataFrame left persisted in the session (Spark has no public way to list them)."""
    return spark._jsparkSession.sharedState().cacheManager().isEmpty()


def components_by_node(frame) -> dict[int, int]:
    rows = frame.collect()
    nodes = [row.node for row in rows]
    assert len(nodes) == len(set(nodes)), "one row per node"
    return {row.node: row.component for row in rows}


def expected_components(pairs) -> dict[int, int]:
    """scipy's components of the undirected graph, each labelled by its least node id."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    nodes = np.unique(pairs)
    index = np.searchsorted(nodes, pairs)
    adjacency = coo_matrix((np.ones(len(pairs)), (index[:, 0], index[:, 1])), shape=(len(nodes), len(nodes)))
    _, labels = scipy_components(adjacency, directed=False)
    least = np.full(labels.max() + 1 if len(labels) else 0, np.iinfo(np.int64).max)
    np.minimum.at(least, labels, nodes)
    return {int(node): int(least[label]) for node, label in zip(nodes, labels)}


def shuffled_path(rng: np.random.Generator, length: int) -> np.ndarray:
    """A path through `length` distinct large ids in random order: the worst case for min-label propagation."""
    ids = rng.choice(2**62, size=length, replace=False)
    return np.stack([ids[:-1], ids[1:]], axis=1)


def test_long_path_with_shuffled_ids_is_one_component(spark):
    pairs = shuffled_path(np.random.default_rng(7), 200)
    found = components_by_node(connected_components(edge_frame(spark, pairs)))
    assert found == expected_components(pairs)
    assert set(found.values()) == {int(pairs.min())}
    assert nothing_cached(spark)


def test_max_rounds_exceeded_raises(spark):
    pairs = shuffled_path(np.random.default_rng(7), 200)
    with pytest.raises(RuntimeError, match="max_rounds=1"):
        connected_components(edge_frame(spark, pairs), max_rounds=1)
    assert nothing_cached(spark)


@pytest.mark.parametrize("centre", [0, 37])
def test_star_is_labelled_by_its_least_node(spark, centre):
    pairs = [(centre, leaf) for leaf in range(100) if leaf != centre]
    found = components_by_node(connected_components(edge_frame(spark, pairs)))
    assert found == {node: 0 for node in range(100)}


def test_two_disjoint_cliques(spark):
    first = [10, 3, 25, 7, 18]
    second = [40, 2, 33, 51]
    pairs = [(a, b) for clique in (first, second) for a in clique for b in clique if a < b]
    found = components_by_node(connected_components(edge_frame(spark, pairs)))
    assert found == {**{node: 3 for node in first}, **{node: 2 for node in second}}


def test_duplicates_reversed_edges_and_self_loops(spark):
    pairs = [(5, 9), (9, 5), (5, 9), (9, 9), (9, 12), (12, 9), (4, 4), (4, 4), (20, 21), (21, 21), (20, 20)]
    found = components_by_node(connected_components(edge_frame(spark, pairs)))
    assert found == expected_components(pairs)
    assert found == {5: 5, 9: 5, 12: 5, 4: 4, 20: 20, 21: 20}


def test_int_columns_and_null_ends(spark):
    rows = [(3, 1), (1, None), (None, 8), (6, 3)]
    edges = spark.createDataFrame(rows, "src int, dst int")
    components = connected_components(edges)
    assert dict(components.dtypes) == {"node": "bigint", "component": "bigint"}
    assert components_by_node(components) == {1: 1, 3: 1, 6: 1}


@pytest.mark.parametrize(("seed", "nodes", "edges"), [(1, 300, 200), (3, 250, 400)])
def test_random_sparse_graphs_match_scipy(spark, seed, nodes, edges):
    rng = np.random.default_rng(seed)
    pairs = rng.integers(0, nodes, size=(edges, 2)) * 1_000_003 + 17
    found = components_by_node(connected_components(edge_frame(spark, pairs), checkpoint_every=1))
    assert found == expected_components(pairs)


def test_no_edges_gives_no_rows(spark):
    components = connected_components(edge_frame(spark, []))
    assert components.columns == ["node", "component"]
    assert components.collect() == []


def test_component_of_every_keeps_isolated_nodes(spark):
    pairs = [(4, 2), (2, 9), (30, 31)]
    nodes = spark.createDataFrame([(n,) for n in (2, 4, 9, 30, 31, 7, 1, 7)], "node long")
    everything = component_of_every(nodes, connected_components(edge_frame(spark, pairs)))
    assert components_by_node(everything) == {2: 2, 4: 2, 9: 2, 30: 30, 31: 30, 7: 7, 1: 1}


@pytest.fixture
def checkpoint_dir(spark, tmp_path):
    spark.sparkContext.setCheckpointDir(str(tmp_path))
    yield tmp_path
    spark.sparkContext._jsc.sc().setCheckpointDir(None)  # no public way to unset it


def test_reliable_checkpoints_when_a_checkpoint_dir_is_set(spark, checkpoint_dir):
    pairs = shuffled_path(np.random.default_rng(11), 60)
    found = components_by_node(connected_components(edge_frame(spark, pairs), checkpoint_every=1))
    assert found == expected_components(pairs)
    assert any(path.is_dir() and path.name.startswith("rdd-") for path in checkpoint_dir.rglob("*"))


def test_edges_without_node_columns_are_rejected(spark):
    with pytest.raises(DedupError, match="no column 'dst'"):
        connected_components(spark.createDataFrame([(1, 2)], "src long, target long"))
    with pytest.raises(DedupError, match="column 'src' is string"):
        connected_components(spark.createDataFrame([("a", 2)], "src string, dst long"))


@pytest.mark.parametrize("option", ["checkpoint_every", "max_rounds"])
def test_round_options_must_be_positive(spark, option):
    with pytest.raises(ValueError, match=option):
        connected_components(edge_frame(spark, [(1, 2)]), **{option: 0})


def test_module_imports_without_pyspark():
    blocked = "import sys; sys.modules['pyspark'] = None; import dedup.engine.spark_graph as m; print(m.__name__)"
    result = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "dedup.engine.spark_graph"
