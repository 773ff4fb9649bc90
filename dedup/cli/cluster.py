"""`dedup cluster`: group a batch into stories and copy groups."""

from __future__ import annotations

import click

from dedup import ClusterResult, ConfigError, DedupConfig, DedupError, cluster, cluster_copies_inputs, copy_diffs
from dedup.actions import DROP_LIST_FIELDS, keep_plan
from dedup.cli import (
    Output,
    emit_lines,
    handles_errors,
    input_argument,
    main,
    progress_bar,
    seed_option,
    skip_bad_option,
    stderr_is_terminal,
    warn,
    warn_cut,
)
from dedup.install import install_hint
from dedup.io.kept import check_kept_destination, kept_origins, write_drop_list, write_kept
from dedup.io.readers import read_articles
from dedup.io.writers import refuse_input_as_output, write_csv, write_jsonl
from dedup.report.cluster_html import cluster_html
from dedup.report.records import CLUSTER_CSV_FIELDS, cluster_records, cluster_rows
from dedup.report.table import cluster_table


@main.command("cluster")
@input_argument
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "html", "jsonl", "csv", "parquet"]),
    default="table",
    show_default=True,
    help="table for people; html: a report page for people (a summary, then a card per story, each copy with "
    "its sentence-by-sentence diff); jsonl (one copy group a line), csv or parquet (one article a row) for "
    "programs. parquet writes a directory (-o DIR) and needs pyarrow.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(writable=True),
    default=None,
    help="Write here instead of standard output (a directory for --format parquet).",
)
@seed_option
@skip_bad_option
@click.option(
    "--level",
    type=click.Choice(["stories", "copies"]),
    default="stories",
    show_default=True,
    help="stories: copies, rewrites and stories, explained by sentence alignment. copies: duplicates and "
    "near-duplicates only (no rewrites; each copy group its own story), about 20x faster, input streamed.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default="local",
    show_default=True,
    help=f"local: this machine's processes. spark: Apache Spark ({install_hint('spark')}); same output.",
)
@click.option(
    "--spark-master",
    metavar="URL",
    default=None,
    help="Spark master for --engine spark (default local[*], every core of this machine).",
)
@click.option(
    "--spark-conf",
    "spark_conf",
    metavar="KEY=VALUE",
    multiple=True,
    help="A Spark setting for --engine spark, e.g. spark.driver.memory=8g (repeatable; see docs/scaling.md).",
)
@click.option(
    "--kept",
    "kept_path",
    metavar="PATH",
    type=click.Path(),
    default=None,
    help="Write the kept articles here, their input records unchanged and in the inputs' format (JSON Lines, "
    "CSV or Parquet: one file; text files: a new directory of the kept files). See --keep.",
)
@click.option(
    "--keep",
    type=click.Choice(["canonical", "all"]),
    default="canonical",
    show_default=True,
    help="canonical: one article per copy group, duplicates and near-duplicates dropped. all: every article.",
)
@click.option("--drop-rewrites", is_flag=True, help="With --keep canonical, drop rewrites of a kept article too.")
@click.option(
    "--drop-list",
    "drop_list",
    metavar="PATH",
    type=click.Path(),
    default=None,
    help="Write each dropped article's id, the id it duplicates, the group's canonical, its relation and the "
    "reason here (CSV for a .csv name, else JSON Lines).",
)
@handles_errors
def cluster_command(
    inputs: tuple[str, ...],
    output_format: str,
    output: str | None,
    seed: int,
    skip_bad: bool,
    level: str,
    engine: str,
    spark_master: str | None,
    spark_conf: tuple[str, ...],
    kept_path: str | None,
    keep: str,
    drop_rewrites: bool,
    drop_list: str | None,
) -> None:
    """Group INPUT articles into stories and copy groups, and pick each group's original.

    INPUT is a directory of .txt/.md files (one article each, id = file name without extension),
    a JSON Lines or CSV file with `id` and `text` (optional `title`, `source`, `published`, `url`),
    a Parquet file or dataset directory with those columns, or - for JSON Lines on standard input.
    """
    if output_format == "parquet" and output in (None, "-"):
        raise DedupError("--format parquet writes a directory: give it with -o DIR")
    destination = Output(output, inputs, directory=output_format == "parquet")
    _check_keep_options(inputs, kept_path, keep, drop_rewrites, drop_list)
    destination.claim("--kept", kept_path)
    destination.claim("--drop-list", drop_list)
    if (spark_master is not None or spark_conf) and engine != "spark":
        raise DedupError("--spark-master and --spark-conf need --engine spark")
    settings = _spark_settings(spark_conf)
    if level == "copies" and engine == "spark":
        raise DedupError("--level copies runs on the local engine only; drop --engine spark")
    if output_format == "html" and (level == "copies" or engine == "spark"):
        raise DedupError("--format html needs the story level on the local engine (it embeds sentence alignments)")
    try:
        config = DedupConfig(seed=seed)
    except ConfigError as error:
        raise ConfigError(f"--seed: {error}") from None
    if level == "copies":
        with progress_bar(None) as progress:
            result = cluster_copies_inputs(inputs, skip_bad=skip_bad, warn=warn, config=config, progress=progress)
    elif engine == "spark":
        from dedup.engine.spark import cluster_spark

        progress = stderr_is_terminal()
        result = cluster_spark(
            inputs,
            config=config,
            master=spark_master,
            settings=settings,
            skip_bad=skip_bad,
            warn=warn,
            console_progress=progress,
        )
    else:
        articles = warn_cut(read_articles(inputs, skip_bad=skip_bad, warn=warn))
        with progress_bar(len(articles)) as progress:
            result = cluster(articles, config=config, progress=progress)
    for message in result.warnings:
        warn(message)
    if kept_path is not None or drop_list is not None:
        _write_keep_outputs(result, inputs, kept_path, keep, drop_rewrites, drop_list, skip_bad)
    if output_format == "parquet":
        from dedup.io.parquet import CLUSTER_PARQUET_TYPES, write_parquet

        write_parquet(cluster_rows(result), destination.path, CLUSTER_CSV_FIELDS, types=CLUSTER_PARQUET_TYPES)
        destination.record(result.config, output_format)
        return
    with destination.open() as stream:
        if output_format == "jsonl":
            write_jsonl(cluster_records(result), stream)
        elif output_format == "csv":
            write_csv(cluster_rows(result), stream, CLUSTER_CSV_FIELDS)
        elif output_format == "html":
            emit_lines(cluster_html(result, copy_diffs(articles, result, config=config)), stream)
        else:
            emit_lines(cluster_table(result), stream)
    destination.record(result.config, output_format)


def _check_keep_options(
    inputs: tuple[str, ...], kept_path: str | None, keep: str, drop_rewrites: bool, drop_list: str | None
) -> None:
    """Refuse --kept/--keep/--drop-rewrites/--drop-list settings that cannot work, before any work."""
    if kept_path is not None:
        check_kept_destination(kept_path, inputs)
    if drop_list is not None:
        refuse_input_as_output(drop_list, inputs, "--drop-list")
    if kept_path is None and drop_list is None and (drop_rewrites or keep != "canonical"):
        raise DedupError("--keep and --drop-rewrites need --kept PATH or --drop-list PATH")
    if drop_rewrites and keep != "canonical":
        raise DedupError("--drop-rewrites needs --keep canonical")


def _spark_settings(spark_conf: tuple[str, ...]) -> dict[str, str]:
    """--spark-conf KEY=VALUE entries as a dict."""
    settings = {}
    for entry in spark_conf:
        key, equals, value = entry.partition("=")
        if not equals or not key.strip():
            raise DedupError(f"--spark-conf {entry!r}: expected KEY=VALUE, e.g. spark.driver.memory=8g")
        settings[key.strip()] = value.strip()
    return settings


def _write_keep_outputs(
    result: ClusterResult,
    inputs: tuple[str, ...],
    kept_path: str | None,
    keep: str,
    drop_rewrites: bool,
    drop_list: str | None,
    skip_bad: bool,
) -> None:
    """The kept articles (--kept) and the drop list (--drop-list) of `keep_plan`."""
    plan = keep_plan(result, keep=keep, drop_rewrites=drop_rewrites)
    if kept_path is not None:
        write_kept(inputs, kept_origins(inputs, plan.kept, skip_bad=skip_bad), kept_path)
    if drop_list is not None:
        write_drop_list((item.as_record() for item in plan.dropped), drop_list, DROP_LIST_FIELDS, inputs)
