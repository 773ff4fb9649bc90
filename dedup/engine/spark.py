"""The Spark engine: the cluster pipeline's stages on Apache Spark, with the local engine's answer.

Every stage calls the functions of the stage library (`dedup.stages`) and `dedup.score` that the
local engine's pipeline (`dedup.pipelines.cluster`) calls, over Arrow batches (``mapInArrow``) and
connected components (``applyInPandas``):

1. prepare: each article normalised and split into sentences; the `Document` travels pickled.
2. frequencies: documents per stem, summed over partitions and broadcast, so that every
   partition weighs TF-IDF by the whole batch (`DocumentFrequencies`).
3. features: per document, the copy-grain and story-grain MinHash signatures and the TF-IDF row.
4. candidates: one row per (grain, band, bucket key, document), grouped by bucket; each bucket's
   pairs as `dedup.minhash.bucket_pairs` makes them; duplicates removed.
5. cosine: each pair joined to its two TF-IDF rows, `row_products` in batches.
6. alignment: each pair at or above the alignment cosine aligned in its own sentence space
   (`align_pairs`).
7. groups: connected components of the candidate graph (large-star/small-star,
   `dedup.engine.spark_graph`); in each component, stories, copy groups and canonical articles
   by `copy_groups`; articles in no pair are groups of one (`single_group`).
8. output: groups sorted and numbered by `number_groups` on the driver.

The document space numbers columns in sorted term order and takes the whole batch's frequencies
(sentence spaces are each pair's own), so a partition computes the same float32 values as the
local engine over the whole batch, and the output is byte for byte the local engine's (tested).

pyspark is an optional extra (``pip install 'newsdedup[spark]'``); this module imports it lazily.
"""

from __future__ import annotations

import functools
import os
import pickle
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from dedup import text as text_module
from dedup.align import needs_alignment, unaligned_pair
from dedup.config import DedupConfig
from dedup.errors import DedupError
from dedup.install import install_hint
from dedup.minhash import band_keys, bucket_pairs
from dedup.model import Article, ClusterResult, Document, ScoredPair
from dedup.score import (
    DocumentFrequencies,
    DocumentSpace,
    RatioCache,
    document_frequencies,
    row_products,
)
from dedup.stages.group import copy_groups, input_warnings, number_groups, single_group
from dedup.stages.relate import align_pairs
from dedup.stages.sketch import copy_signatures, story_signatures
from dedup.text import TextCache, prepare
from dedup.version import __version__

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

INSTALL_HINT = install_hint("spark")

# Rows per Arrow batch handed to a Python worker: a batch of pairs carries two pickled documents
# a row (about 20 KB each for news), so batches stay in the tens of MB.
_ARROW_BATCH = 1_000
# Spark's configuration directory when the user has none: a log4j2.properties that keeps Spark's
# log to errors, so that the CLI's stderr stays readable.
_CONF_DIR = os.path.join(os.path.dirname(__file__), "spark_conf")

_ARTICLE_SCHEMA = (
    "idx long, id string, text string, title string, source string, published string, url string, origin string"
)
_ARTICLE_FIELDS = ("id", "text", "title", "source", "published", "url", "origin")
_SCORED_SCHEMA = (
    "a long, b long, cosine float, shared_a double, shared_b double, rewritten_a double, rewritten_b double, "
    "relation string"
)


def require_spark() -> None:
    """Raise a one-line `DedupError` saying what to install when the Spark engine cannot start."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        msg = f"the Spark engine needs pyspark: {INSTALL_HINT}"
        raise DedupError(msg) from None
    java_home = os.environ.get("JAVA_HOME")
    if shutil.which("java") is None and not (java_home and os.path.exists(os.path.join(java_home, "bin", "java"))):
        msg = "the Spark engine needs Java 17 or newer: put `java` on PATH or set JAVA_HOME"
        raise DedupError(msg)


def spark_session(
    master: str | None = None, *, console_progress: bool = False, settings: dict[str, str] | None = None
) -> SparkSession:
    """A Spark session for the engine (``local[*]`` unless `master` names a cluster).

    Executors run this interpreter (`PYSPARK_PYTHON`, unless set), which has `dedup` installed;
    Spark's own logging is cut to errors so that the CLI's stderr stays readable. `settings`
    are Spark configuration entries set on top (for instance ``spark.ui.enabled``).
    """
    require_spark()
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_CONF_DIR", _CONF_DIR)
    master = master or "local[*]"
    builder = (
        SparkSession.builder.master(master)
        .appName("dedup")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "true" if console_progress else "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(_ARROW_BATCH))
        .config("spark.sql.adaptive.enabled", "true")
    )
    if master.startswith("local"):
        # In local mode the driver's JVM is the executor too: Spark's 1 GB default runs out of heap
        # at 50k news articles (measured), so a third of this machine's memory, 2-16 GB, is given.
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        builder = builder.config("spark.sql.shuffle.partitions", "8").config(
            "spark.driver.memory", f"{max(2, min(16, memory // 3 // 2**30))}g"
        )
    for key, value in (settings or {}).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def articles_frame(spark: SparkSession, articles: Sequence[Article], *, first: int = 0) -> DataFrame:
    """A DataFrame of `articles` read on the driver, numbered from `first` in input order."""
    import pyarrow as pa

    columns: dict[str, list] = {"idx": list(range(first, first + len(articles)))}
    for field in _ARTICLE_FIELDS:
        columns[field] = [getattr(article, field) for article in articles]
    table = pa.table(
        {name: pa.array(values, type=pa.int64() if name == "idx" else pa.string()) for name, values in columns.items()}
    )
    return spark.createDataFrame(table)


def read_articles_spark(
    spark: SparkSession,
    inputs: Sequence[str],
    *,
    skip_bad: bool = False,
    warn: Callable[[str], None] | None = None,
) -> DataFrame:
    """The articles of `inputs` as a DataFrame (`_ARTICLE_SCHEMA`), `idx` their input position.

    Parquet inputs (a ``.parquet`` file or a dataset directory) are read by Spark, rows checked on
    the executors by the local reader's own `article_from_row`; other inputs (text directories,
    JSON Lines, CSV, stdin) are read on the driver by `read_articles`. Problems, duplicate ids and
    an empty batch give the local reader's one-line messages, or with `skip_bad` its warnings.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from dedup.io.parquet import holds_parquet
    from dedup.io.readers import read_articles

    report = warn or (lambda message: None)
    frames = []
    first = 0
    for name in inputs:
        is_parquet = name != "-" and (
            name.lower().endswith(".parquet") or (os.path.isdir(name) and holds_parquet(name))
        )
        if is_parquet:
            try:
                frame = _parquet_frame(spark, name, first, skip_bad=skip_bad, warn=report)
            except DedupError as error:
                if not skip_bad:
                    raise
                report(str(error))
                continue
        else:
            try:
                articles = list(read_articles([name], skip_bad=skip_bad, warn=report))
            except DedupError as error:
                # An input without articles is fine beside others, as for `read_articles`; the
                # check below says so when no input had any.
                if not str(error).startswith("no articles read from"):
                    raise
                continue
            frame = articles_frame(spark, articles, first=first)
        count = frame.agg(F.max("idx")).first()[0]
        if count is None:
            continue
        frames.append(frame)
        first = count + 1
    if not frames:
        msg = f"no articles read from: {', '.join(inputs) or '(no inputs)'}"
        raise DedupError(msg)
    articles = functools.reduce(lambda x, y: x.unionByName(y), frames)
    # Duplicate ids are found on (id, position, origin) alone: the texts stay where they are.
    by_id = Window.partitionBy("id").orderBy("idx")
    ranked = (
        articles.select("id", "idx", "origin")
        .withColumn("seen", F.row_number().over(by_id))
        .withColumn("first_origin", F.first("origin").over(by_id))
    )
    duplicates = ranked.where(F.col("seen") > 1).orderBy("idx").select("idx", "origin", "id", "first_origin")
    found = duplicates.collect() if skip_bad else duplicates.limit(1).collect()
    for row in found:
        message = f"{row['origin']}: duplicate id {row['id']!r} (first seen at {row['first_origin']})"
        if not skip_bad:
            raise DedupError(message)
        report(message)
    if found:
        dropped = spark.createDataFrame([(row["idx"],) for row in found], "idx long")
        articles = articles.join(dropped, "idx", "left_anti")
    # An article compared only in part (too many characters or sentences) is said, as the local
    # engine's command line says it.
    compared_in_part = F.udf(lambda text: _compared_in_part(text), "boolean")  # no hints for Spark to read
    cut = articles.where(compared_in_part("text")).orderBy("idx")
    for row in cut.select("id", "origin", "text").toLocalIterator():
        report(text_module.cut_warning(row["origin"] or row["id"], row["text"]))
    return articles


def _compared_in_part(text: str | None) -> bool:
    """Whether `prepare` compares only part of `text` (`dedup.text.cut_warning` has a warning)."""
    return text is not None and text_module.cut_warning("", text) is not None


def _parquet_frame(
    spark: SparkSession, path: str, first: int, *, skip_bad: bool, warn: Callable[[str], None]
) -> DataFrame:
    """One Parquet input as articles numbered from `first`: part files in reading order, rows in
    file order, as `read_articles` reads them."""
    import pyarrow.parquet as pq
    from pyspark.sql import functions as F

    from dedup.io.parquet import check_parquet_columns, parquet_part_files

    files, offsets, total = [], {}, first
    for part in parquet_part_files(path):
        try:
            check_parquet_columns(part, ("id", "text"))
        except DedupError as error:
            if not skip_bad:
                raise
            warn(str(error))
            continue
        files.append(part)
        offsets[os.path.abspath(part)] = (part, total)
        total += pq.ParquetFile(part).metadata.num_rows
    if not files:
        return spark.createDataFrame([], _ARTICLE_SCHEMA)
    raw = spark.read.option("mergeSchema", "true").parquet(*files)
    present = [name for name in ("id", "text", "title", "source", "published", "url") if name in raw.columns]
    raw = raw.select(*present, F.col("_metadata.file_path").alias("_file"), F.col("_metadata.row_index").alias("_row"))
    checked = raw.mapInArrow(
        functools.partial(_checked_rows, offsets=spark.sparkContext.broadcast(offsets)),
        _ARTICLE_SCHEMA + ", problem string",
    ).persist()
    problems = checked.where(F.col("problem").isNotNull()).orderBy("idx").select("problem")
    found = problems.collect() if skip_bad else problems.limit(1).collect()
    for row in found:
        if not skip_bad:
            raise DedupError(row["problem"])
        warn(row["problem"])
    return checked.where(F.col("problem").isNull()).drop("problem")


def articles_in_id_order(articles: DataFrame) -> DataFrame:
    """`articles` (`_ARTICLE_SCHEMA`, ids unique) numbered in `dedup.model.id_order`: `idx` becomes
    the article's rank by id, and `position` keeps its input position (which orders warnings).

    The local engine processes a batch in the same order, so stories and canonicals do not depend
    on the input order and both engines number every document alike. Only ids and positions are
    ranked (in one partition); the texts stay where they are.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    ranks = articles.select(
        F.col("idx").alias("position"), (F.row_number().over(Window.orderBy("id", "idx")) - 1).alias("rank")
    )
    numbered = articles.withColumnRenamed("idx", "position").join(ranks, "position")
    return numbered.withColumnRenamed("rank", "idx")


def run_cluster_spark(
    spark: SparkSession,
    articles: DataFrame,
    config: DedupConfig,
    *,
    on_stage: Callable[[str], None] | None = None,
) -> ClusterResult:
    """The cluster pipeline on Spark over `articles` (`_ARTICLE_SCHEMA`, `idx` the input position).

    Returns what `dedup.pipelines.cluster.run_cluster` returns for the same articles, less the scored
    pairs (which stay distributed). With `on_stage`, each stage's result is computed before the
    next starts, under a Spark job group named after the stage, and ``on_stage(name)`` is called
    when it is done: for measuring stages (benchmarks/bench_spark.py), at the cost of a count each.
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    from dedup.engine.spark_graph import connected_components

    keep = StorageLevel.MEMORY_AND_DISK
    context = spark.sparkContext

    def stage(name: str, frame: DataFrame | None = None) -> DataFrame | None:
        """Close stage `name` (computing `frame` when measuring) and open the next job group."""
        if on_stage is not None:
            if frame is not None:
                frame.count()
            on_stage(name)
            context.setJobGroup(f"after {name}", f"dedup: after {name}")
        return frame

    if on_stage is not None:
        context.setJobGroup("prepare", "dedup: prepare")
    articles = articles_in_id_order(articles)
    prepared = articles.mapInArrow(_prepare_batches, "idx long, position long, doc binary").persist(keep)
    n_documents = prepared.count()
    stage("prepare")
    if n_documents == 0:
        return ClusterResult((), (), config.as_dict(), __version__)

    stem_counts = prepared.mapInArrow(_stem_count_batches, "term string, count long").groupBy("term").sum("count")
    frequencies = DocumentFrequencies({row[0]: int(row[1]) for row in stem_counts.collect()}, n_documents)
    document_frequencies_ = spark.sparkContext.broadcast(frequencies)
    stage("frequencies")

    features = prepared.mapInArrow(
        functools.partial(_feature_batches, frequencies=document_frequencies_, config=config),
        "idx long, copy binary, story binary, terms array<string>, weights binary",
    ).persist(keep)
    stage("features", features)

    candidate = config.candidates
    buckets = features.mapInArrow(
        functools.partial(_bucket_key_batches, config=config), "grain int, band int, key long, idx long"
    )
    members = buckets.groupBy("grain", "band", "key").agg(F.sort_array(F.collect_list("idx")).alias("members"))
    members = members.where(F.size("members") > 1).select("members")
    pairs = members.mapInArrow(
        functools.partial(_bucket_pair_batches, max_bucket=candidate.max_bucket), "a long, b long"
    ).distinct()
    if on_stage is not None:
        pairs = pairs.persist(keep)
        stage("candidates", pairs)

    rows = features.select("idx", "terms", "weights")
    joined = pairs.join(rows.toDF("a", "terms_a", "weights_a"), "a").join(rows.toDF("b", "terms_b", "weights_b"), "b")
    cosines = joined.mapInArrow(
        functools.partial(_cosine_batches, config=config), "a long, b long, cosine float, aligned boolean"
    ).persist(keep)
    stage("cosine", cosines)

    to_align = cosines.where(F.col("aligned")).select("a", "b", "cosine")
    docs = prepared.select("idx", "doc")
    with_docs = to_align.join(docs.toDF("a", "doc_a"), "a").join(docs.toDF("b", "doc_b"), "b")
    scored_aligned = with_docs.mapInArrow(functools.partial(_align_batches, config=config), _SCORED_SCHEMA)
    # Pairs `relate` settles by their cosine get `unaligned_pair`'s values, read from it.
    unscored = unaligned_pair(0, 0, 0.0)
    unaligned = cosines.where(~F.col("aligned")).select(
        "a",
        "b",
        "cosine",
        *(
            F.lit(getattr(unscored, name)).alias(name)
            for name in ("shared_a", "shared_b", "rewritten_a", "rewritten_b")
        ),
        F.lit(unscored.relation).alias("relation"),
    )
    scored = scored_aligned.unionByName(unaligned).persist(keep)
    stage("align", scored)

    components = connected_components(scored.select(F.col("a").alias("src"), F.col("b").alias("dst")))
    components = components.persist(keep)
    stage("components", components)
    component_docs = prepared.join(components.toDF("idx", "component"), "idx")
    component_pairs = scored.join(components.toDF("a", "component"), "a")
    grouped = (
        component_docs.groupBy("component")
        .cogroup(component_pairs.groupBy("component"))
        .applyInPandas(
            functools.partial(
                _component_groups,
                document_frequencies=document_frequencies_,
                config=config,
            ),
            "group binary",
        )
    )
    alone = prepared.join(components.select(F.col("node").alias("idx")), "idx", "left_anti")
    singles = alone.mapInArrow(_single_group_batches, "group binary")
    pending = [pickle.loads(row["group"]) for row in grouped.unionByName(singles).toLocalIterator()]
    stage("groups")
    for frame in (scored, components, cosines, features, prepared):
        frame.unpersist()
    return ClusterResult(tuple(number_groups(pending)), (), config.as_dict(), __version__, input_warnings(pending))


# --- functions run on executors ------------------------------------------------------------------


def _checked_rows(batches: Iterator[pa.RecordBatch], *, offsets: object) -> Iterator[pa.RecordBatch]:
    """Parquet rows as articles, each checked by the local reader's rules (a message if bad)."""
    from urllib.parse import unquote, urlparse

    import pyarrow as pa

    from dedup.io.parquet import article_from_row

    where = offsets.value  # type: ignore[attr-defined]
    for batch in batches:
        rows = batch.to_pylist()
        columns: dict[str, list] = {name: [] for name in ("idx", *_ARTICLE_FIELDS, "problem")}
        for row in rows:
            display, start = where[os.path.abspath(unquote(urlparse(row.pop("_file")).path))]
            number = row.pop("_row")
            origin = f"{display}:row {number + 1}"
            columns["idx"].append(start + number)
            try:
                article = article_from_row(row, origin)
            except DedupError as error:
                article, problem = Article("", "", origin=origin), str(error)
            else:
                problem = None
            for field in _ARTICLE_FIELDS:
                columns[field].append(getattr(article, field))
            columns["problem"].append(problem)
        yield pa.RecordBatch.from_pydict(
            {name: pa.array(values, pa.int64() if name == "idx" else pa.string()) for name, values in columns.items()}
        )


def _prepare_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa

    cache = TextCache()  # this task's: its partition's repeated sentences are tokenised once
    for batch in batches:
        columns = batch.to_pydict()
        docs = []
        for k in range(batch.num_rows):
            article = Article(**{field: columns[field][k] for field in _ARTICLE_FIELDS})
            docs.append(pickle.dumps(prepare(article, cache=cache), protocol=pickle.HIGHEST_PROTOCOL))
        yield pa.RecordBatch.from_pydict(
            {"idx": columns["idx"], "position": columns["position"], "doc": pa.array(docs, type=pa.binary())}
        )


def _documents(batch: pa.RecordBatch, column: str = "doc") -> list[Document]:
    return [pickle.loads(value) for value in batch.column(column).to_pylist()]


def _stem_count_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa

    counts: Counter = Counter()
    for batch in batches:
        counts.update(document_frequencies(_documents(batch)))
    yield pa.RecordBatch.from_pydict(
        {"term": pa.array(list(counts), pa.string()), "count": pa.array(list(counts.values()), pa.int64())}
    )


def _feature_batches(
    batches: Iterator[pa.RecordBatch], *, frequencies: object, config: DedupConfig
) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa

    for batch in batches:
        docs = _documents(batch)
        space = DocumentSpace(docs, frequencies=frequencies.value)  # type: ignore[attr-defined]
        copy = copy_signatures(docs, config.candidates, config.seed)
        story = story_signatures(space, config.candidates, config.seed)
        matrix, vocabulary = space.matrix, np.array(space.vocabulary, dtype=object)
        terms, weights = [], []
        for row in range(len(docs)):
            start, end = matrix.indptr[row], matrix.indptr[row + 1]
            terms.append(vocabulary[matrix.indices[start:end]].tolist())
            weights.append(matrix.data[start:end].astype(np.float32).tobytes())
        yield pa.RecordBatch.from_pydict(
            {
                "idx": batch.column("idx"),
                "copy": pa.array([row.tobytes() for row in copy], pa.binary()),
                "story": pa.array([row.tobytes() for row in story], pa.binary()),
                "terms": pa.array(terms, pa.list_(pa.string())),
                "weights": pa.array(weights, pa.binary()),
            }
        )


def _bucket_key_batches(batches: Iterator[pa.RecordBatch], *, config: DedupConfig) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa

    candidate = config.candidates
    grains = (
        (0, "copy", candidate.copy_bands, candidate.copy_rows),
        (1, "story", candidate.story_bands, candidate.story_rows),
    )
    for batch in batches:
        idx = np.asarray(batch.column("idx").to_numpy(), dtype=np.int64)
        for grain, column, bands, rows in grains:
            signatures = np.frombuffer(b"".join(batch.column(column).to_pylist()), dtype=np.uint32)
            signatures = signatures.reshape(len(idx), -1) if len(idx) else signatures.reshape(0, bands * rows)
            keys = band_keys(signatures, bands=bands, rows=rows)
            yield pa.RecordBatch.from_pydict(
                {
                    "grain": pa.array(np.full(keys.size, grain, dtype=np.int32)),
                    "band": pa.array(np.tile(np.arange(bands, dtype=np.int32), len(idx))),
                    "key": pa.array(keys.ravel().view(np.int64)),
                    "idx": pa.array(np.repeat(idx, bands)),
                }
            )


def _bucket_pair_batches(batches: Iterator[pa.RecordBatch], *, max_bucket: int) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa

    for batch in batches:
        found = [
            bucket_pairs(np.array(members, dtype=np.int64), max_bucket)
            for members in batch.column("members").to_pylist()
        ]
        pairs = np.concatenate(found) if found else np.zeros((0, 2), dtype=np.int64)
        yield pa.RecordBatch.from_pydict({"a": pa.array(pairs[:, 0]), "b": pa.array(pairs[:, 1])})


def _cosine_batches(batches: Iterator[pa.RecordBatch], config: DedupConfig) -> Iterator[pa.RecordBatch]:
    """Each pair's cosine, and whether `relate` may have to align it (`needs_alignment`)."""
    import pyarrow as pa

    for batch in batches:
        columns = batch.to_pydict()
        vocabulary = sorted({term for side in ("terms_a", "terms_b") for terms in columns[side] for term in terms})
        column_of = {term: k for k, term in enumerate(vocabulary)}
        left = _rows_matrix(columns["terms_a"], columns["weights_a"], column_of)
        right = _rows_matrix(columns["terms_b"], columns["weights_b"], column_of)
        cosines = row_products(left, right)
        aligned = needs_alignment(cosines, left.getnnz(axis=1) == 0, right.getnnz(axis=1) == 0, config.relation)
        yield pa.RecordBatch.from_pydict(
            {
                "a": columns["a"],
                "b": columns["b"],
                "cosine": pa.array(cosines, pa.float32()),
                "aligned": pa.array(aligned, pa.bool_()),
            }
        )


def _rows_matrix(terms: list[list[str]], weights: list[bytes], column_of: dict[str, int]) -> sp.csr_matrix:
    """TF-IDF rows given as sorted terms and float32 weights, over the batch's sorted vocabulary."""
    lengths = [len(row) for row in terms]
    return sp.csr_matrix(
        (
            np.frombuffer(b"".join(weights), dtype=np.float32),
            np.fromiter((column_of[term] for row in terms for term in row), dtype=np.int64, count=sum(lengths)),
            np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
        ),
        shape=(len(terms), len(column_of)),
    )


def _align_batches(batches: Iterator[pa.RecordBatch], *, config: DedupConfig) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa

    ratios = RatioCache()  # this task's word diffs of sentence pairs
    for batch in batches:
        a, b = batch.column("a").to_pylist(), batch.column("b").to_pylist()
        documents: dict[int, Document] = {}
        for index, value in zip(a + b, batch.column("doc_a").to_pylist() + batch.column("doc_b").to_pylist()):
            if index not in documents:
                documents[index] = pickle.loads(value)
        cosines = batch.column("cosine").to_pylist()
        # As the local engine relates them (`dedup.pipelines.cluster`): copies' figures only.
        scored = align_pairs(documents, list(zip(a, b)), cosines, config, ratios=ratios, copies_only=True)
        yield pa.RecordBatch.from_pydict(
            {
                "a": pa.array([p.a for p in scored], pa.int64()),
                "b": pa.array([p.b for p in scored], pa.int64()),
                "cosine": pa.array([p.cosine for p in scored], pa.float32()),
                "shared_a": [p.shared_a for p in scored],
                "shared_b": [p.shared_b for p in scored],
                "rewritten_a": [p.rewritten_a for p in scored],
                "rewritten_b": [p.rewritten_b for p in scored],
                "relation": [p.relation for p in scored],
            }
        )


def _component_groups(
    docs: object,
    pairs: object,
    *,
    document_frequencies: object,
    config: DedupConfig,
) -> object:
    """Copy groups of one connected component (pandas frames in, one pickled group a row out)."""
    import pandas as pd

    docs = docs.sort_values("idx")  # type: ignore[attr-defined]
    positions = docs["position"].tolist()
    local = {index: k for k, index in enumerate(docs["idx"].tolist())}
    documents = [pickle.loads(value) for value in docs["doc"]]
    scored = sorted(
        (
            ScoredPair(
                local[row.a],
                local[row.b],
                float(row.cosine),
                float(row.shared_a),
                float(row.shared_b),
                float(row.rewritten_a),
                float(row.rewritten_b),
                row.relation,
            )
            for row in pairs.itertuples(index=False)  # type: ignore[attr-defined]
        ),
        key=lambda pair: (pair.a, pair.b),
    )
    space = DocumentSpace(documents, frequencies=document_frequencies.value)  # type: ignore[attr-defined]
    groups = copy_groups(documents, scored, space, config, positions=positions)
    return pd.DataFrame({"group": [pickle.dumps(g, protocol=pickle.HIGHEST_PROTOCOL) for g in groups]})


def _single_group_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The group of each article in no candidate pair (`single_group`), pickled."""
    import pyarrow as pa

    for batch in batches:
        groups = [
            pickle.dumps(single_group(document, position), protocol=pickle.HIGHEST_PROTOCOL)
            for document, position in zip(_documents(batch), batch.column("position").to_pylist())
        ]
        yield pa.RecordBatch.from_pydict({"group": pa.array(groups, type=pa.binary())})


def cluster_spark(
    inputs: Sequence[str],
    *,
    config: DedupConfig,
    master: str | None = None,
    settings: dict[str, str] | None = None,
    skip_bad: bool = False,
    warn: Callable[[str], None] | None = None,
    console_progress: bool = False,
) -> ClusterResult:
    """Read `inputs` and cluster them on Spark (`master`, default ``local[*]``): what
    ``dedup cluster --engine spark`` runs, with Spark `settings` on top of the engine's own. A
    session this call starts is stopped before it returns; one already running in this process (a
    notebook's, a test's) is used and left running, and `master` and `settings` do not apply to it.

    Raises
    ------
    DedupError
        For bad input, with the local engine's one-line messages; when pyspark or Java is
        missing; and, in one line, when a Spark job fails for another reason.
    """
    require_spark()
    from pyspark.sql import SparkSession

    running = SparkSession.getActiveSession()
    spark = running or spark_session(master, console_progress=console_progress, settings=settings)
    try:
        articles = read_articles_spark(spark, inputs, skip_bad=skip_bad, warn=warn)
        return run_cluster_spark(spark, articles, config)
    except DedupError:
        raise
    except Exception as error:  # a failed job: Py4J, Spark and worker errors carry long traces
        raise DedupError(f"the Spark engine failed: {_first_line(error)}") from error
    finally:
        if running is None:
            spark.stop()


def _first_line(error: BaseException) -> str:
    """The message of a Spark failure without its Java and Python stack traces."""
    text = str(error)
    for marker in ("DedupError: ", "Error: ", "Exception: "):
        at = text.rfind(marker)
        if at >= 0:
            text = text[at + len(marker) :]
            break
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__
