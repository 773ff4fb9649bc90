"""The `dedup` command line: parse, call the library, render. No logic lives here.

This module holds the command group and what every command shares (error handling, output files,
progress bar); each command is a module of this package.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator
from typing import TextIO

import click

from dedup import DedupError, __version__
from dedup.report.terminal import clean

# Batches at least this large get a progress bar (when stderr is a terminal).
PROGRESS_MIN_ARTICLES = 200


def warn(message: str) -> None:
    click.echo(f"dedup: warning: {clean(message)}", err=True)


def fail(message: str) -> None:
    click.echo(f"dedup: error: {clean(message)}", err=True)
    sys.exit(2)


def handles_errors(command: Callable) -> Callable:
    """Turn a DedupError (bad input) into one line on stderr and exit status 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DedupError as error:
            fail(str(error).replace("\n", " "))
        except BrokenPipeError:  # the reader went away (`| head`): not an error of ours
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except OSError as error:  # e.g. an output path in a missing directory
            fail(f"{error.filename or ''}: {error.strerror or error}".lstrip(": "))

    return wrapper


@contextlib.contextmanager
def output_stream(path: str | None) -> Iterator[TextIO]:
    if path is None or path == "-":
        yield sys.stdout
        return
    with open(path, "w", encoding="utf-8", newline="") as stream:
        yield stream


@contextlib.contextmanager
def progress_bar(total: int | None) -> Iterator[Callable[[str, int], None]]:
    """A progress callback drawing a bar on stderr, or a no-op when stderr is not a terminal.

    `total` is the number of articles, or None for a stream of unknown length (a counter then).
    """
    if (total is not None and total < PROGRESS_MIN_ARTICLES) or not sys.stderr.isatty():
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


def emit_lines(lines: Iterator[str], stream: TextIO) -> None:
    for line in lines:
        stream.write(line + "\n")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dedup")
def main() -> None:
    """Find copies and rewrites of news stories: cluster a batch, diff two articles, flag wire copies."""


input_argument = click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write here instead of standard output.",
)
seed_option = click.option(
    "--seed", type=int, default=1, show_default=True, help="MinHash seed; the same input and seed give the same output."
)
skip_bad_option = click.option(
    "--skip-bad", is_flag=True, help="Warn about bad files or records and process the rest, instead of stopping."
)


# Each command lives in its own module and registers itself on `main`.
from dedup.cli import cluster as _cluster  # noqa: E402,F401
from dedup.cli import diff as _diff  # noqa: E402,F401
from dedup.cli import eval as _eval  # noqa: E402,F401
from dedup.cli import flag as _flag  # noqa: E402,F401
from dedup.cli import pairs as _pairs  # noqa: E402,F401
