"""`dedup index` (add, stats, remove, prune) and `dedup check`: the archive on the command line,
a thin layer over `dedup.Index`."""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from datetime import timedelta

import click

from dedup import Article, DedupError, Index
from dedup.cli import (
    Output,
    emit_lines,
    handles_errors,
    input_argument,
    main,
    output_option,
    progress_bar,
    skip_bad_option,
    warn,
    warn_cut,
)
from dedup.dates import published_problem
from dedup.index import AddResult
from dedup.io.readers import read_articles
from dedup.io.writers import write_jsonl
from dedup.report import counted
from dedup.report.check import check_html, check_records, check_table, stats_lines, stats_record
from dedup.text import NOTHING_TO_COMPARE

index_option = click.option(
    "--index",
    "index_path",
    required=True,
    metavar="PATH",
    type=click.Path(dir_okay=False),
    help="The index file (SQLite). `index add` creates it when missing.",
)

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """``7d``, ``12h``, ``30m``, ``90s`` or ``2w`` as a `timedelta`; DedupError for anything else."""
    match = _DURATION.match(text)
    if match is None:
        raise DedupError(f"--older-than {text!r}: expected a number and a unit (s, m, h, d, w), e.g. 7d")
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds > _LONGEST_AGE.total_seconds():
        raise DedupError(f"--older-than {text!r}: at most {_LONGEST_AGE.days}d (ten thousand years)")
    return timedelta(seconds=seconds)


# Older than any article an index can hold (dates run from year 1); longer ages overflowed.
_LONGEST_AGE = timedelta(days=3_652_500)


@main.group("index", context_settings={"help_option_names": ["-h", "--help"]})
def index_group() -> None:
    """Keep an archive of articles seen so far (an SQLite file), to `dedup check` new ones against it."""


def _remove_if_empty(index_path: str) -> None:
    """Remove the index this command created when it holds no article: an add that failed on its
    first batch (a bad record) leaves no empty index behind. Batches committed before a later
    failure are kept (rerun the add to resume)."""
    with contextlib.suppress(DedupError, OSError):
        with Index(index_path, create=False) as index:
            empty = index.stats().articles == 0
        if empty:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(index_path + suffix)


def warn_undated(articles: Iterable[Article]) -> Iterator[Article]:
    """The articles as they come, after a warning for each whose `published` cannot be read: the
    archive keeps it undated (after every dated article in time order, pruned by when it was
    added), as `cluster` takes it."""
    for article in articles:
        problem = published_problem(article.published, article.origin or article.id)
        if problem:
            warn(problem)
        yield article


def warn_skipped(result: AddResult) -> None:
    """Say which articles an add skipped because the index held their ids, and which of them had
    another text there (not added over it)."""
    if result.skipped:
        were = "was" if len(result.skipped) == 1 else "were"
        warn(f"{counted(len(result.skipped), 'article')} already in the index {were} skipped: {_some(result.skipped)}")
    warn_changed(result)


def warn_nothing_to_compare(ids: Iterable[str]) -> None:
    """Warn of each article with no content word to compare, as `cluster` and `diff` do."""
    for article_id in ids:
        warn(f"{article_id}: {NOTHING_TO_COMPARE}")


def warn_changed(result: AddResult) -> None:
    """Say which skipped ids the index holds with another text: the new text was not added."""
    if result.changed:
        warn(
            f"{counted(len(result.changed), 'article')} with an id the index holds under another text "
            f"{'was' if len(result.changed) == 1 else 'were'} not added: {_some(result.changed)} "
            "(`dedup index remove` the id first to replace its text)"
        )


def _some(ids: tuple[str, ...]) -> str:
    return ", ".join(ids[:3]) + (" ..." if len(ids) > 3 else "")


@index_group.command("add")
@index_option
@input_argument
@click.option("--wire", is_flag=True, help="Mark these articles as wire copy (sources for the derivation check).")
@click.option(
    "--seed",
    type=int,
    default=None,
    help="MinHash seed of a new index (default 1); an existing index keeps its own.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="Articles per transaction: a killed add keeps every batch committed before.",
)
@skip_bad_option
@handles_errors
def add_command(
    index_path: str, inputs: tuple[str, ...], wire: bool, seed: int | None, batch_size: int, skip_bad: bool
) -> None:
    """Add INPUT articles (any input format) to the index at PATH, streamed, a batch per transaction.

    An article whose id the index already holds is skipped (with a count, and a warning naming it
    when the index holds that id under another text: remove the id first to replace it). An add
    that fails before its first batch is committed leaves no new index behind.
    """
    new_index = not os.path.lexists(index_path)
    try:
        with Index(index_path, seed=seed, batch_size=batch_size) as index, progress_bar(None) as progress:
            articles = warn_undated(read_articles(inputs, skip_bad=skip_bad, warn=warn))
            result = index.add(articles, wire=wire, progress=progress)
            total = index.stats().articles
    except DedupError:
        if new_index:
            _remove_if_empty(index_path)
        raise
    warn_skipped(result)
    warn_nothing_to_compare(result.nothing_to_compare)
    kind = "wire " if wire else ""
    click.echo(f"added {counted(result.added, kind + 'article')} to {index_path}; it holds {total}")


@index_group.command("stats")
@index_option
@click.option("--format", "output_format", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
@handles_errors
def stats_command(index_path: str, output_format: str) -> None:
    """Say what the index at PATH holds: articles, wire, sources, time range, size on disk."""
    with Index(index_path, create=False) as index:
        stats = index.stats()
    if output_format == "jsonl":
        click.echo(json.dumps(stats_record(stats), ensure_ascii=False))
    else:
        for line in stats_lines(stats):
            click.echo(line)


@index_group.command("remove")
@index_option
@click.argument("ids", nargs=-1, required=True, metavar="ID...")
@handles_errors
def remove_command(index_path: str, ids: tuple[str, ...]) -> None:
    """Remove the articles with these ids from the index at PATH."""
    with Index(index_path, create=False) as index:
        missing = index.remove(ids)
        total = index.stats().articles
    for article_id in missing:
        warn(f"{article_id}: not in the index")
    click.echo(f"removed {counted(len(set(ids)) - len(missing), 'article')} from {index_path}; it holds {total}")


@index_group.command("prune")
@index_option
@click.option("--older-than", "older_than", required=True, metavar="AGE", help="e.g. 7d, 12h, 2w.")
@click.option(
    "--by",
    type=click.Choice(["published", "added"]),
    default="published",
    show_default=True,
    help="Age by `published` (an undated article by when it was added) or by when it was added.",
)
@handles_errors
def prune_command(index_path: str, older_than: str, by: str) -> None:
    """Remove the articles older than AGE from the index at PATH: a sliding time window."""
    age = parse_duration(older_than)
    with Index(index_path, create=False) as index:
        removed = index.prune(age, by=by)
        total = index.stats().articles
    click.echo(f"removed {counted(removed, 'article')} older than {older_than} from {index_path}; it holds {total}")


@main.command("check")
@index_option
@input_argument
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "jsonl", "html"]),
    default="table",
    show_default=True,
    help="table for people; jsonl (one article a line) for programs; html, one self-contained page.",
)
@output_option
@click.option("--add", "add_after", is_flag=True, help="Add the checked articles to the index afterwards.")
@click.option("--wire", is_flag=True, help="With --add: mark the added articles as wire copy.")
@skip_bad_option
@handles_errors
def check_command(
    index_path: str,
    inputs: tuple[str, ...],
    output_format: str,
    output: str | None,
    add_after: bool,
    wire: bool,
    skip_bad: bool,
) -> None:
    """Check each INPUT article against the index at PATH: the archived articles it duplicates,
    nearly duplicates or rewrites (or `new`), its earliest archived source, the versions of its
    story from the same source, and its derivation from archived wire copy as `dedup flag` says it.

    Nothing is added unless --add is given. Word weights are the index's, so an article's verdict
    does not depend on what else is checked with it.
    """
    if wire and not add_after:
        raise DedupError("--wire marks added articles: give it with --add")
    destination = Output(output, (*inputs, index_path))
    articles = warn_cut(warn_undated(read_articles(inputs, skip_bad=skip_bad, warn=warn)))
    with Index(index_path, create=False) as index:
        with progress_bar(len(articles)) as progress:
            result = index.check(articles, progress=progress)
        warn_nothing_to_compare(verdict.id for verdict in result.verdicts if verdict.nothing_to_compare)
        if add_after:
            added = index.add(articles, wire=wire)
            skipped = f" ({len(added.skipped)} already in it)" if added.skipped else ""
            click.echo(f"dedup: added {counted(added.added, 'article')} to {index_path}{skipped}", err=True)
            warn_changed(added)
    with destination.open() as stream:
        if output_format == "jsonl":
            write_jsonl(check_records(result), stream)
        elif output_format == "html":
            for chunk in check_html(result):
                stream.write(chunk + "\n")
        else:
            emit_lines(check_table(result), stream)
    destination.record(result.config, output_format)
