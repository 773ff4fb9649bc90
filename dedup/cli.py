"""The `dedup` command line: parse, call the library, render. No logic lives here."""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from typing import TextIO

import click

from dedup import DedupConfig, DedupError, __version__, cluster
from dedup.io.readers import read_articles
from dedup.io.writers import write_csv, write_jsonl
from dedup.report.records import CLUSTER_CSV_FIELDS, cluster_records, cluster_rows
from dedup.report.table import cluster_table

# Batches at least this large get a progress bar (when stderr is a terminal).
PROGRESS_MIN_ARTICLES = 200


def _warn(message: str) -> None:
    click.echo(f"dedup: warning: {message}", err=True)


def _fail(message: str) -> None:
    click.echo(f"dedup: error: {message}", err=True)
    sys.exit(2)


def handles_errors(command: Callable) -> Callable:
    """Turn a DedupError (bad input) into one line on stderr and exit status 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DedupError as error:
            _fail(str(error).replace("\n", " "))
        except OSError as error:  # e.g. an output path in a missing directory
            _fail(f"{error.filename or ''}: {error.strerror or error}".lstrip(": "))

    return wrapper


@contextlib.contextmanager
def _output(path: str | None) -> Iterator[TextIO]:
    if path is None or path == "-":
        yield sys.stdout
        return
    with open(path, "w", encoding="utf-8", newline="") as stream:
        yield stream


@contextlib.contextmanager
def _progress_bar(total: int) -> Iterator[Callable[[str, int], None]]:
    """A progress callback drawing a bar on stderr, or a no-op when stderr is not a terminal."""
    if total < PROGRESS_MIN_ARTICLES or not sys.stderr.isatty():
        yield lambda stage, advance: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def advance(stage: str, amount: int) -> None:
            if stage == "candidates":
                tasks["score"] = bar.add_task("score", total=amount)
                return
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total if stage == "prepare" else None)
            bar.advance(tasks[stage], amount)

        yield advance


def _emit_lines(lines: Iterator[str], stream: TextIO) -> None:
    for line in lines:
        stream.write(line + "\n")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dedup")
def main() -> None:
    """Find copies and rewrites of news stories: cluster a batch, diff two articles, flag wire copies."""


input_argument = click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
skip_bad_option = click.option(
    "--skip-bad", is_flag=True, help="Warn about bad files or records and process the rest, instead of stopping."
)


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
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write here instead of standard output.",
)
@click.option(
    "--seed", type=int, default=1, show_default=True, help="MinHash seed; the same input and seed give the same output."
)
@skip_bad_option
@handles_errors
def cluster_command(inputs: tuple[str, ...], output_format: str, output: str | None, seed: int, skip_bad: bool) -> None:
    """Group INPUT articles into stories and copy groups, and pick each group's original.

    INPUT is a directory of .txt/.md files (one article each, id = file name without extension),
    a JSON Lines or CSV file with `id` and `text` (optional `title`, `source`, `published`, `url`),
    or - for JSON Lines on standard input.
    """
    articles = list(read_articles(inputs, skip_bad=skip_bad, warn=_warn))
    with _progress_bar(len(articles)) as progress:
        result = cluster(articles, config=DedupConfig(seed=seed), progress=progress)
    with _output(output) as stream:
        if output_format == "jsonl":
            write_jsonl(cluster_records(result), stream)
        elif output_format == "csv":
            write_csv(cluster_rows(result), stream, CLUSTER_CSV_FIELDS)
        else:
            _emit_lines(cluster_table(result), stream)
