"""`dedup diff`: paraphrase diff of two articles, sentence by sentence, as text, JSON or HTML."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable

import click

from dedup import Article, DedupConfig, DedupError, diff
from dedup.cli import Output, emit_lines, handles_errors, main, output_option, skip_bad_option, warn, warn_cut
from dedup.io.readers import read_articles
from dedup.report.diff_html import diff_html
from dedup.report.diff_json import diff_json
from dedup.report.diff_text import diff_text
from dedup.text import NOTHING_TO_COMPARE, nothing_to_compare

# How many of a batch's ids an unknown-id error lists.
_IDS_SHOWN = 5


@main.command("diff")
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
    help="text for the terminal; json (one document) for programs; html for a side-by-side page.",
)
@output_option
@click.option(
    "--batch",
    metavar="INPUT",
    default=None,
    help="Read A and B as ids of articles in INPUT (a directory, JSON Lines or CSV file); "
    "the figures are those `dedup cluster` gives the pair in INPUT (for English text, the same as alone).",
)
@skip_bad_option
@handles_errors
def diff_command(a: str, b: str, output_format: str, output: str | None, batch: str | None, skip_bad: bool) -> None:
    """Show which sentences of B are copied (verbatim), edited, rewritten or quoted from A, and what is new.

    A and B are article files (.txt or .md, or a JSON Lines/CSV file holding one article), or, with
    --batch, ids of articles in that batch. A is usually the presumed source.
    """
    destination = Output(output, (a, b) if batch is None else (batch,))
    if batch is None:
        article_a, article_b, context = _read_one(a, skip_bad), _read_one(b, skip_bad), []
    else:
        context = warn_cut(read_articles([batch], skip_bad=skip_bad, warn=warn))
        by_id = {article.id: article for article in context}
        article_a, article_b = _pick(by_id, a, batch), _pick(by_id, b, batch)
    result = diff(article_a, article_b, context=context)
    for article, sentences in ((article_a, result.alignment.a_sentences), (article_b, result.alignment.b_sentences)):
        if nothing_to_compare(sentences):
            warn(f"{article.origin or article.id}: {NOTHING_TO_COMPARE}")
    with destination.open() as stream:
        if output_format == "json":
            _write_chunks(diff_json(result, a=article_a, b=article_b), stream.write)
        elif output_format == "html":
            emit_lines(diff_html(result, a=article_a, b=article_b), stream)
        else:
            emit_lines(diff_text(result, color=_use_color(output), a=article_a, b=article_b), stream)
    destination.record(DedupConfig().as_dict(), output_format)


def _read_one(path: str, skip_bad: bool) -> Article:
    """The one article a file holds; several is an error (use --batch to pick one by id)."""
    articles = warn_cut(read_articles([path], skip_bad=skip_bad, warn=warn))
    if len(articles) != 1:
        msg = (
            f"{path}: holds {len(articles)} articles, diff takes one per side "
            f"(to pick two from a batch: dedup diff --batch {path} ID_A ID_B)"
        )
        raise DedupError(msg)
    return articles[0]


def _pick(by_id: dict[str, Article], article_id: str, batch: str) -> Article:
    if article_id in by_id:
        return by_id[article_id]
    known = sorted(by_id)
    shown = ", ".join(known[:_IDS_SHOWN]) + (f", ... ({len(known)} in all)" if len(known) > _IDS_SHOWN else "")
    raise DedupError(f"{batch}: no article with id {article_id!r} (ids: {shown})")


def _use_color(output: str | None) -> bool:
    """Colour only for a terminal on standard output, and never when NO_COLOR is set."""
    return output in (None, "-") and sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _write_chunks(chunks: Iterable[str], write: Callable[[str], object]) -> None:
    for chunk in chunks:
        write(chunk)
