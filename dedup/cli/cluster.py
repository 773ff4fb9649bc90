"""`dedup cluster`: group a batch into stories and copy groups."""

from __future__ import annotations

import click

from dedup import DedupConfig, cluster
from dedup.cli import (
    emit_lines,
    handles_errors,
    input_argument,
    main,
    output_option,
    output_stream,
    progress_bar,
    seed_option,
    skip_bad_option,
    warn,
)
from dedup.io.readers import read_articles
from dedup.io.writers import write_csv, write_jsonl
from dedup.report.records import CLUSTER_CSV_FIELDS, cluster_records, cluster_rows
from dedup.report.table import cluster_table


@main.command("cluster")
@input_argument
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "jsonl", "csv"]),
    default="table",
    show_default=True,
    help="table for people; jsonl (one copy group a line) or csv (one article a row) for programs.",
)
@output_option
@seed_option
@skip_bad_option
@handles_errors
def cluster_command(inputs: tuple[str, ...], output_format: str, output: str | None, seed: int, skip_bad: bool) -> None:
    """Group INPUT articles into stories and copy groups, and pick each group's original.

    INPUT is a directory of .txt/.md files (one article each, id = file name without extension),
    a JSON Lines or CSV file with `id` and `text` (optional `title`, `source`, `published`, `url`),
    or - for JSON Lines on standard input.
    """
    articles = list(read_articles(inputs, skip_bad=skip_bad, warn=warn))
    with progress_bar(len(articles)) as progress:
        result = cluster(articles, config=DedupConfig(seed=seed), progress=progress)
    with output_stream(output) as stream:
        if output_format == "jsonl":
            write_jsonl(cluster_records(result), stream)
        elif output_format == "csv":
            write_csv(cluster_rows(result), stream, CLUSTER_CSV_FIELDS)
        else:
            emit_lines(cluster_table(result), stream)
