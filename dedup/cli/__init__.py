"""The `dedup` command line: parse, call the library, render. No logic lives here.

This module holds the command group and what every command shares (error handling, output files,
progress bar); each command is a module of this package.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TextIO

import click

from dedup import Article, DedupError, __version__
from dedup.cli.notices import WarningLog
from dedup.io.writers import open_output, output_status, refuse_input_as_output, same_path
from dedup.progress import CANDIDATES, PREPARE, SCORE, Progress
from dedup.report.manifest import manifest_lines, manifest_path_for, manifest_record
from dedup.report.terminal import clean
from dedup.text import cut_warning

# Batches at least this large get a progress bar (when stderr is a terminal).
PROGRESS_MIN_ARTICLES = 200


def warn(message: str) -> None:
    """Warn on stderr, through the running command's `WarningLog` (see `handles_errors`) when there is one."""
    context = click.get_current_context(silent=True)
    log = context.meta.get(_WARNING_LOG) if context is not None else None
    if log is None:
        _print_warning(message)
    else:
        log.warn(message)


def _print_warning(message: str) -> None:
    click.echo(f"dedup: warning: {clean(message)}", err=True)


# Where `handles_errors` keeps the running command's WarningLog and its --manifest path: in click's
# per-invocation context.
_WARNING_LOG = "dedup.warning_log"
_MANIFEST = "dedup.manifest"


def warn_cut(articles: Iterable[Article]) -> list[Article]:
    """The articles as a list, after a warning for each that is compared only in part (longer than
    `dedup.text.MAX_ARTICLE_CHARS`); it stays in the output."""
    articles = list(articles)
    for article in articles:
        message = cut_warning(article.origin or article.id, article.text)
        if message:
            warn(message)
    return articles


def fail(message: str) -> None:
    click.echo(f"dedup: error: {clean(message)}", err=True)
    sys.exit(2)


def handles_errors(command: Callable) -> Callable:
    """Turn a DedupError (bad input) into one line on stderr and exit status 2, never a traceback.

    Also runs the command with a `WarningLog` (``--verbose`` is taken here, from every command):
    warnings a file at a time are said once, as a count, when the command ends or before its error.
    """

    @functools.wraps(command)
    def wrapper(*args, verbose: bool = False, manifest: str | None = None, **kwargs):
        log = WarningLog(_print_warning, verbose=verbose)
        context = click.get_current_context(silent=True)
        if context is not None:
            context.meta[_WARNING_LOG] = log
            context.meta[_MANIFEST] = manifest
        try:
            return command(*args, **kwargs)
        except DedupError as error:
            log.flush()
            fail(str(error).replace("\n", " "))
        except BrokenPipeError:  # the reader went away (`| head`): not an error of ours
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except OSError as error:  # e.g. an output path in a missing directory
            log.flush()
            fail(f"{error.filename or ''}: {error.strerror or error}".lstrip(": "))
        finally:
            log.flush()

    return wrapper


class Output:
    """Where a command writes its result, checked when the command starts, before any work.

    Every command's ``-o`` goes through here: a file that is one of the command's inputs is
    refused, and a file is written beside its final name and renamed into place when complete
    (`dedup.io.writers.open_output`), so that a run that fails part-way leaves no partial output.
    Without ``-o`` (or with ``-o -``) the result goes to standard output, which must be open.

    The output's manifest (`dedup.report.manifest`: version, command, inputs, config) goes to the
    command's ``--manifest PATH`` when given, else beside an ``-o`` output; `record` writes it once
    the output is complete.
    """

    def __init__(self, path: str | None, inputs: Iterable[str] = (), *, directory: bool = False) -> None:
        """`directory`: the command writes a directory at `path` (a Parquet dataset), which its
        writer checks; a file output is checked here (`output_status`)."""
        self.path = None if path in (None, "-") else path
        self.inputs = tuple(inputs)
        context = click.get_current_context(silent=True)
        self.manifest_path: str | None = context.meta.get(_MANIFEST) if context is not None else None
        if self.path is not None:
            refuse_input_as_output(self.path, self.inputs)
            if not directory:
                output_status(self.path)  # a missing folder or a directory is said now, before any work
        elif sys.stdout is None:  # started with descriptor 1 closed (`dedup cluster DIR >&-`)
            raise DedupError("standard output is closed; give -o FILE to write the result")
        if self.manifest_path is not None:
            refuse_input_as_output(self.manifest_path, self.inputs, "--manifest")
            # Checked now: the manifest is written after the output, which a failure then would leave.
            folder = os.path.dirname(os.path.abspath(self.manifest_path))
            if not os.path.isdir(folder):
                raise DedupError(f"{self.manifest_path}: no such directory to write the manifest in ({folder})")
            output_status(self.manifest_path)  # a directory, or a file or folder that cannot be written
        self._claimed: dict[str, str] = {}
        self.claim("-o", self.path)
        manifest = self.manifest_path or (manifest_path_for(self.path) if self.path is not None else None)
        self.claim("--manifest" if self.manifest_path else "the manifest beside -o", manifest)

    def claim(self, option: str, path: str | None) -> None:
        """Say that the command also writes `path` (given as `option`, e.g. ``--kept``): refused
        with `DedupError` when another of its outputs has that path, where one would overwrite the
        other (``-o X --kept X``); nothing for None or ``-``."""
        if path is None or path == "-":
            return
        for other_option, other in self._claimed.items():
            if same_path(path, other):
                msg = f"{path}: given as both {other_option} and {option}; each output needs a path of its own"
                raise DedupError(msg)
        self._claimed[option] = path

    def record(self, config: Mapping, output_format: str | None) -> None:
        """Write the manifest of the output just written (see the class); nothing when the output
        went to standard output and no ``--manifest`` was given."""
        target = self.manifest_path or (manifest_path_for(self.path) if self.path is not None else None)
        if target is None:
            return
        context = click.get_current_context(silent=True)
        command = context.command_path if context is not None else "dedup"
        record = manifest_record(
            command, version=__version__, config=config, inputs=self.inputs, output_format=output_format
        )
        with open_output(target) as stream:
            emit_lines(manifest_lines(record), stream)

    @contextlib.contextmanager
    def open(self) -> Iterator[TextIO]:
        """The stream to write the result to: standard output, or the output file (see the class)."""
        if self.path is None:
            yield sys.stdout
            return
        with open_output(self.path) as stream:
            yield stream


def stderr_is_terminal() -> bool:
    """True when standard error is open and a terminal: only then is a progress bar drawn."""
    return sys.stderr is not None and sys.stderr.isatty()  # None: started with descriptor 2 closed


@contextlib.contextmanager
def progress_bar(total: int | None) -> Iterator[Progress]:
    """A progress callback drawing a bar on stderr, or a no-op when stderr is not a terminal.

    `total` is the number of articles, or None for a stream of unknown length (a counter then).
    """
    if (total is not None and total < PROGRESS_MIN_ARTICLES) or not stderr_is_terminal():
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
            if stage == CANDIDATES:  # the total of the score stage, announced before it starts
                tasks[SCORE] = bar.add_task(SCORE, total=amount)
                return
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total if stage == PREPARE else None)
            bar.advance(tasks[stage], amount)

        yield advance


def emit_lines(lines: Iterator[str], stream: TextIO) -> None:
    for line in lines:
        stream.write(line + "\n")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dedup")
def main() -> None:
    """Find copies and rewrites of news stories: cluster a batch, diff two articles, flag wire copies."""


def _distinct_inputs(context: click.Context, parameter: click.Parameter, inputs: tuple[str, ...]) -> tuple[str, ...]:
    """The inputs with each path once (compared resolved), with a warning for a repeat: read twice,
    its every article would be a duplicate id of itself (and written twice to --kept)."""
    first_of: dict[str, str] = {}
    kept = []
    for name in inputs:
        key = name if name == "-" else os.path.realpath(name)
        if name != "-" and key in first_of:
            shown = "" if first_of[key] == name else f" (as {first_of[key]})"
            _print_warning(f"{name}: given more than once as an input{shown}; read once")
            continue
        first_of.setdefault(key, name)
        kept.append(name)
    return tuple(kept)


input_argument = click.argument("inputs", nargs=-1, required=True, metavar="INPUT...", callback=_distinct_inputs)
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
from dedup.cli import index as _index  # noqa: E402,F401
from dedup.cli import pairs as _pairs  # noqa: E402,F401

# Every command takes --verbose, and every command writing an output --manifest, which
# `handles_errors` (wrapping every command) consumes; a group's (`dedup index`) are its subcommands.
_commands = [
    command
    for entry in main.commands.values()
    for command in (entry.commands.values() if isinstance(entry, click.Group) else (entry,))
]
for _command in _commands:
    if any(param.name == "output" for param in _command.params):
        _command.params.append(
            click.Option(
                ["--manifest"],
                type=click.Path(dir_okay=False),
                default=None,
                help="Write the output's manifest (dedup version, command, inputs, every setting) as JSON "
                "to this file; with -o it is written beside the output (FILE.manifest.json) by default.",
            )
        )
    _command.params.append(
        click.Option(
            ["--verbose"],
            is_flag=True,
            help="Print every warning as it comes; a warning repeated for many files is otherwise said once, "
            "with a count and the first few files.",
        )
    )
