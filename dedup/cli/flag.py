"""`dedup flag`: flag articles as wholly, partially or non-derived from wire copy."""

from __future__ import annotations

import click

from dedup import ConfigError, DedupConfig, DedupError, flag
from dedup.cli import (
    Output,
    emit_lines,
    handles_errors,
    input_argument,
    main,
    output_option,
    progress_bar,
    seed_option,
    skip_bad_option,
    warn,
    warn_cut,
)
from dedup.io.readers import read_articles
from dedup.io.writers import write_csv, write_jsonl
from dedup.report.flag_records import FLAG_CSV_FIELDS, flag_records, flag_rows
from dedup.report.flag_table import flag_table


@main.command("flag")
@click.option(
    "--wire",
    "wire_inputs",
    multiple=True,
    metavar="WIRE",
    help="Wire stories to compare with (same kinds of input as INPUT); repeat for several. "
    "Without --wire, sources are sought inside the batch, earlier articles first.",
)
@input_argument
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "jsonl", "csv"]),
    default="table",
    show_default=True,
    help="table for people; jsonl (one article a line, with evidence) or csv (one article a row) for programs.",
)
@output_option
@seed_option
@skip_bad_option
@handles_errors
def flag_command(
    wire_inputs: tuple[str, ...],
    inputs: tuple[str, ...],
    output_format: str,
    output: str | None,
    seed: int,
    skip_bad: bool,
) -> None:
    """Flag each INPUT article as wholly-derived, partially-derived or non-derived from wire copy.

    For every article: the wire stories it draws on, the share of its sentences and characters that
    are verbatim, edited or rewritten from them, shared quotations (counted apart: a shared quote
    alone never makes an article derived), and the sentence pairs that show it.

    WIRE and INPUT are directories of .txt/.md files (one article each, id = file name without
    extension), JSON Lines or CSV files with `id` and `text` (optional `title`, `source`,
    `published`, `url`), or - for JSON Lines on standard input.
    """
    destination = Output(output, wire_inputs + inputs)
    wire = None
    if wire_inputs:
        try:
            wire = warn_cut(
                read_articles(wire_inputs, skip_bad=skip_bad, warn=lambda message: warn(f"--wire: {message}"))
            )
        except DedupError as error:
            raise DedupError(f"--wire: {error}") from None
    try:
        config = DedupConfig(seed=seed)
    except ConfigError as error:
        raise ConfigError(f"--seed: {error}") from None
    articles = warn_cut(read_articles(inputs, skip_bad=skip_bad, warn=warn))
    with progress_bar(len(articles) + len(wire or ())) as progress:
        result = flag(articles, wire=wire, config=config, progress=progress)
    for message in result.warnings:
        warn(message)
    with destination.open() as stream:
        if output_format == "jsonl":
            write_jsonl(flag_records(result, articles), stream)
        elif output_format == "csv":
            write_csv(flag_rows(result, articles), stream, FLAG_CSV_FIELDS)
        else:
            emit_lines(flag_table(result), stream)
    destination.record(result.config, output_format)
