"""Connected components of a Spark DataFrame of edges, for the Spark engine's grouping stage.

The local engine labels copy groups by the least index of each connected component
(`dedup.group.components`); over a distributed batch the same question is asked of a
DataFrame of edges too large for one process. GraphFrames answers it, but is a JVM package fetched
when the session starts, and nothing may be downloaded at run time; so this module computes the
components with DataFrame operations only. Each component is labelled by its smallest node id, so
the answer is deterministic (it depends neither on partitioning nor on the order of the edges) and
equal to the local engine's.

The algorithm is the alternation of *large-star* and *small-star* of Kiveris et al., "Connected
Components in MapReduce and Beyond" (SoCC 2014). With every edge kept as ``(u, v)``, ``u <= v``:

- large-star: each node ``u`` links every larger neighbour to ``m(u)``, the least of ``u`` and its
  neighbours;
- small-star: each node ``u`` links itself and every smaller neighbour to the least of them.

Both keep each component's nodes connected, and the edges end as one star per component, centred
on its least node. The paper bounds the rounds by O(log n) with high probability (node ids in
random order); in practice they are few: 6 or 7 for a 200-node path with shuffled ids, 8 for one
with sorted ids. A round shuffles the edge list twice (by node for large-star, de-duplicating on the
way, and by node again for small-star) and scans the cached result of the first shuffle to test
convergence.

The convergence test is exact and costs no shuffle: once every node either has no smaller neighbour
(a centre) or has a single neighbour, smaller than itself (a leaf), the edges are one star per
component around its least node, which is both the answer and a state neither step changes; the
per-node minimum and degree that large-star computes anyway tell it.

Self-loops name a node without joining it to another: a node seen only in self-loops keeps a
``(u, u)`` edge through the rounds, so it comes out as its own component.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dedup.errors import ConfigError, DedupError

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

_INTEGRAL_TYPES = ("tinyint", "smallint", "int", "bigint")


def connected_components(edges: DataFrame, *, checkpoint_every: int = 2, max_rounds: int = 100) -> DataFrame:
    """Each node's connected component, labelled by the component's least node id.

    Parameters
    ----------
    edges : DataFrame
        Undirected edges in two integer columns ``src`` and ``dst`` (other columns are ignored).
        Duplicates, both directions and self-loops are fine; a row with a null end names no edge.
    checkpoint_every : int
        Truncate the lineage (``localCheckpoint``, or ``checkpoint`` when the SparkContext has a
        checkpoint directory) after this many rounds, so a long run keeps a short query plan.
    max_rounds : int
        Give up with ``RuntimeError`` after this many rounds without convergence (a safeguard: the
        algorithm converges in a logarithmic number of rounds).

    Returns
    -------
    DataFrame
        Columns ``node`` and ``component`` (both long): one row per node that appears in an edge.
        It is computed eagerly and checkpointed like the rounds, so it depends on no cached
        intermediate result; nodes that appear in no edge are added by `component_of_every`.
    """
    from pyspark.sql import functions as F

    _check_rounds("checkpoint_every", checkpoint_every)
    _check_rounds("max_rounds", max_rounds)
    neighbourhood = _neighbourhood(_oriented(edges)).persist()
    stale: DataFrame | None = None
    rounds = 0
    while True:
        # Counting materialises this neighbourhood, so releasing the one it was computed from
        # costs no recomputation.
        unsettled = neighbourhood.filter(_unsettled()).count()
        if stale is not None:
            stale.unpersist()
        if unsettled == 0:
            break
        if rounds == max_rounds:
            neighbourhood.unpersist()
            msg = (
                f"connected_components: no convergence after max_rounds={max_rounds} rounds "
                f"({unsettled} node-neighbour pairs not yet in a star)"
            )
            raise RuntimeError(msg)
        rounds += 1
        following = _neighbourhood(_small_star(_large_star(neighbourhood)))
        following = _truncate(following) if rounds % checkpoint_every == 0 else following.persist()
        stale, neighbourhood = neighbourhood, following
    # Converged: least(node, least neighbour) is a leaf's centre and a centre itself; taking each
    # node's row with its least neighbour gives one row per node.
    components = _truncate(
        neighbourhood.filter(F.col("other") == F.col("least_other")).select(
            "node", F.least("node", "least_other").alias("component")
        )
    )
    neighbourhood.unpersist()
    return components


def component_of_every(nodes: DataFrame, components: DataFrame) -> DataFrame:
    """``node, component`` for every distinct node in ``nodes``, isolated nodes being their own component.

    `connected_components` knows only nodes that appear in an edge; an article related to no other
    is a component of its own, and this puts it back. ``nodes`` has a long column ``node``;
    ``components`` is `connected_components`' result. Nodes of ``components`` missing from
    ``nodes`` are left out.
    """
    from pyspark.sql import functions as F

    return (
        nodes.select(F.col("node").cast("long").alias("node"))
        .distinct()
        .join(components.select("node", "component"), on="node", how="left")
        .select("node", F.coalesce(F.col("component"), F.col("node")).alias("component"))
    )


def _check_rounds(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")


def _oriented(edges: DataFrame) -> DataFrame:
    """``src <= dst`` of every edge with both ends set, as longs; self-loops kept (they name a node)."""
    from pyspark.sql import functions as F

    types = dict(edges.dtypes)
    for column in ("src", "dst"):
        if column not in types:
            msg = f"connected_components: edges have no column {column!r} (columns: {', '.join(edges.columns)})"
            raise DedupError(msg)
        if types[column] not in _INTEGRAL_TYPES:
            msg = f"connected_components: edges column {column!r} is {types[column]}, expected integer node ids"
            raise DedupError(msg)
    ends = edges.select(F.col("src").cast("long").alias("src"), F.col("dst").cast("long").alias("dst")).dropna()
    return ends.select(F.least("src", "dst").alias("src"), F.greatest("src", "dst").alias("dst"))


def _neighbourhood(oriented: DataFrame) -> DataFrame:
    """One row per node and distinct neighbour (``node, other``), with the node's least neighbour
    ``least_other`` and its number of neighbours other than itself, ``degree``.

    One shuffle: the rows are partitioned by node, which also serves the de-duplication and the
    window (Spark plans no further exchange for either).
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    both_ways = oriented.select(
        F.explode(
            F.array(
                F.struct(F.col("src").alias("node"), F.col("dst").alias("other")),
                F.struct(F.col("dst").alias("node"), F.col("src").alias("other")),
            )
        ).alias("tie")
    ).select("tie.node", "tie.other")
    by_node = Window.partitionBy("node")
    return (
        both_ways.repartition("node")
        .dropDuplicates(["node", "other"])
        .select(
            "node",
            "other",
            F.min("other").over(by_node).alias("least_other"),
            F.count(F.when(F.col("other") != F.col("node"), True)).over(by_node).alias("degree"),
        )
    )


def _unsettled() -> Column:
    """Rows of a node that is neither a centre (no smaller neighbour) nor a leaf (one neighbour)."""
    from pyspark.sql import functions as F

    return (F.col("least_other") < F.col("node")) & (F.col("degree") > 1)


def _large_star(neighbourhood: DataFrame) -> DataFrame:
    """Large-star: every neighbour ``v >= u`` of ``u`` linked to ``m(u)``, as ``(src=v, dst=m(u))``.

    The row ``v == u`` links ``u`` to ``m(u)``, an edge already in the graph; it carries a node
    whose only edge is a self-loop to the next round.
    """
    from pyspark.sql import functions as F

    return neighbourhood.filter(F.col("other") >= F.col("node")).select(
        F.col("other").alias("src"), F.least("node", "least_other").alias("dst")
    )


def _small_star(large: DataFrame) -> DataFrame:
    """Small-star over large-star's ``src >= dst`` edges: each ``src`` and each of its ``dst`` linked
    to the least ``dst``, as ``src <= dst`` edges (duplicates are dropped by the next neighbourhood).

    A self-loop is kept only where a node has no smaller neighbour, which keeps lone nodes.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    by_src = Window.partitionBy("src")
    centred = large.withColumn("centre", F.min("dst").over(by_src))
    return (
        centred.select(
            "src",
            "centre",
            F.explode(
                F.array(
                    F.struct(F.col("centre").alias("src"), F.col("dst").alias("dst")),
                    F.struct(F.col("centre").alias("src"), F.col("src").alias("dst")),
                )
            ).alias("tie"),
        )
        .filter((F.col("tie.src") != F.col("tie.dst")) | (F.col("centre") == F.col("src")))
        .select("tie.src", "tie.dst")
    )


def _truncate(frame: DataFrame) -> DataFrame:
    """``frame`` computed now and stored without its lineage: a reliable checkpoint when the
    SparkContext has a checkpoint directory, else a local one (kept by the executors)."""
    if _checkpoint_dir_set(frame.sparkSession):
        return frame.checkpoint(eager=True)
    return frame.localCheckpoint(eager=True)


def _checkpoint_dir_set(spark: SparkSession) -> bool:
    try:
        context = spark.sparkContext
    except NotImplementedError:  # Spark Connect has no SparkContext; local checkpoints work there
        return False
    return context.getCheckpointDir() is not None
