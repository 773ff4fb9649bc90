"""`dedup eval`: measure quality on the public, human-labelled sets and guard it with floors."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import click

from dedup import DedupConfig, DedupError, __version__
from dedup.cli import Output, emit_lines, handles_errors, main, output_option, warn
from dedup.eval.floors import FLOORS_PATH, Floor, load_floors, unguarded, updated_floors, write_floors
from dedup.eval.floors import check_floors as floor_failures
from dedup.eval.run import EVAL_SETS, Figure, default_folder, evaluate


@main.command("eval")
@click.argument("name", type=click.Choice([*EVAL_SETS, "all"]), metavar="NAME")
@click.argument("path", required=False, type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON document for programs instead of the table.")
@click.option("--markdown", is_flag=True, help="A Markdown table (the README's Quality section) instead.")
@click.option(
    "--cv",
    type=click.IntRange(min=2),
    default=None,
    metavar="K",
    help="Also cross-validate in K folds where the shipped constants were fitted on the set itself (msrp).",
)
@click.option(
    "--check-floors", is_flag=True, help="Exit 1, one line per figure on stderr, when one falls below its floor."
)
@click.option("--update-floors", is_flag=True, help="Store each measured figure minus its margin as its new floor.")
@click.option(
    "--floors",
    "floors_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Floors file to check or update instead of the shipped dedup/eval/floors.json.",
)
@output_option
@handles_errors
def eval_command(
    name: str,
    path: str | None,
    as_json: bool,
    markdown: bool,
    cv: int | None,
    check_floors: bool,
    update_floors: bool,
    floors_path: str | None,
    output: str | None,
) -> None:
    """Score dedup, with its shipped defaults, on the evaluation set NAME and print its figures.

    NAME is one of msrp (sentence rewritten-or-not: accuracy, F1), sts (sentence similarity:
    Pearson r), wikiref (story clustering: ARI, pairwise P/R/F1), semeval and lee (document
    similarity: Pearson r), pan (copied passages found, offset errors), or all of them in turn.
    msrp-semantic and sts-semantic score msrp and sts with the embedding model of the `semantic`
    extra (`make semantic`); `all` leaves them out.

    PATH is the set's folder (for `all`, the folder holding every set); by default it is found under
    ../shared/data, or under $DEDUP_DATA when that is set.
    """
    if as_json and markdown:
        raise DedupError("--json and --markdown: choose one output format")
    if check_floors and update_floors:
        raise DedupError("--check-floors and --update-floors: check the stored floors or replace them, not both")
    names = [entry for entry in EVAL_SETS if EVAL_SETS[entry].in_all] if name == "all" else [name]
    folders = {entry: _folder(entry, path, every=name == "all") for entry in names}
    floors_file = Path(floors_path) if floors_path else FLOORS_PATH
    destination = Output(output, (str(floors_file),))
    floors = load_floors(floors_file) if check_floors or floors_file.exists() else {}
    figures: list[Figure] = []
    seconds: dict[str, float] = {}
    for entry in names:
        started = time.perf_counter()
        figures += evaluate(entry, folders[entry], cv=cv)
        seconds[entry] = round(time.perf_counter() - started, 1)
    failures = floor_failures(figures, floors, datasets=names) if check_floors else []
    with destination.open() as stream:
        if as_json:
            json.dump(eval_record(figures, floors, seconds, failures), stream, indent=2)
            stream.write("\n")
        elif markdown:
            emit_lines(figure_markdown(figures), stream)
        else:
            emit_lines(figure_table(figures, floors, seconds), stream)
    destination.record(DedupConfig().as_dict(), "json" if as_json else "markdown" if markdown else "table")
    if update_floors:
        write_floors(updated_floors(figures, floors), floors_file)
        click.echo(f"dedup: stored {len(figures)} floor(s) in {floors_file}", err=True)
        return
    for key in unguarded(figures, floors):
        warn(f"{key}: no floor stored (add one with --update-floors)")
    for line in failures:
        click.echo(f"dedup: below floor: {line}", err=True)
    if failures:
        sys.exit(1)


def _folder(name: str, path: str | None, *, every: bool) -> Path:
    """The folder of set `name`: PATH itself, PATH/<set folder> for `all`, or the default."""
    if path is None:
        return default_folder(name)
    return Path(path) / EVAL_SETS[name].folder if every else Path(path)


def _value(value: float, unit: str) -> str:
    return f"{value:.1f} {unit}" if unit else f"{value:.3f}"


def _limit(floor: Floor | None, unit: str) -> str:
    if floor is None:
        return "-"
    return f"{'>=' if floor.higher_is_better else '<='} {_value(floor.limit, unit)}"


def figure_table(figures: Sequence[Figure], floors: Mapping[str, Floor], seconds: Mapping[str, float]) -> Iterator[str]:
    """Lines of the table for people: one row per figure with its stored floor, then run times."""
    rows = [
        (
            figure.dataset,
            figure.metric,
            _value(figure.value, figure.unit),
            _limit(floors.get(figure.key), figure.unit),
            str(figure.count),
            figure.description,
        )
        for figure in figures
    ]
    header = ("set", "metric", "value", "floor", "n", "what")
    widths = [max(len(row[k]) for row in [header, *rows]) for k in range(len(header) - 1)]
    aligns = ("<", "<", ">", ">", ">")

    def line(cells: Sequence[str]) -> str:
        padded = [f"{cell:{align}{width}}" for cell, align, width in zip(cells, aligns, widths)]
        return "  ".join([*padded, cells[-1]]).rstrip()

    yield line(header)
    yield "-" * len(line(header))
    previous = None
    for figure, row in zip(figures, rows):
        if previous is not None and figure.dataset != previous:
            yield ""
        previous = figure.dataset
        yield line(row)
    yield ""
    total = sum(seconds.values())
    timing = ", ".join(f"{name} {value:.1f} s" for name, value in seconds.items())
    yield f"dedup {__version__}, shipped defaults; time: {timing} (total {total:.1f} s)"


def figure_markdown(figures: Sequence[Figure]) -> Iterator[str]:
    """Lines of a Markdown table of the figures, as the README's Quality section shows them."""
    yield "| set | figure | value | n | what |"
    yield "| --- | --- | ---: | ---: | --- |"
    for figure in figures:
        summary = EVAL_SETS[figure.dataset].summary.split(":")[0]
        value = _value(figure.value, figure.unit)
        description = figure.description.replace("|", "\\|")
        yield f"| {summary} | `{figure.metric}` | {value} | {figure.count:,} | {description} |"


def eval_record(
    figures: Sequence[Figure], floors: Mapping[str, Floor], seconds: Mapping[str, float], failures: Sequence[str]
) -> dict:
    """The JSON document of a run: figures with their floors, time per set, failures, version, config."""
    records = []
    for figure in figures:
        floor = floors.get(figure.key)
        records.append(
            {
                "key": figure.key,
                "dataset": figure.dataset,
                "metric": figure.metric,
                "value": None if figure.value != figure.value else figure.value,
                "count": figure.count,
                "description": figure.description,
                "unit": figure.unit,
                "higher_is_better": figure.higher_is_better,
                "floor": None if floor is None else floor.limit,
            }
        )
    return {
        "version": __version__,
        "config": DedupConfig().as_dict(),
        "figures": records,
        "seconds": dict(seconds),
        "failures": list(failures),
    }
