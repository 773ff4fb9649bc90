"""`dedup pairs`: label given sentence or document pairs, one output row per input row."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING

import click

from dedup.cli import (
    Output,
    handles_errors,
    main,
    output_option,
    progress_bar,
    skip_bad_option,
    stderr_is_terminal,
    warn,
)
from dedup.config import DedupConfig
from dedup.errors import DedupError
from dedup.io.pair_readers import PairRecord, read_pairs
from dedup.io.writers import write_csv, write_jsonl
from dedup.pairs import (
    SEMANTIC_SENTENCE_FEATURES,
    SENTENCE_FEATURES,
    DocumentPairScore,
    SentencePairScore,
    score_sentence_pairs,
)
from dedup.pipelines.pairs import score_document_pairs
from dedup.progress import CANDIDATES, SCORE
from dedup.text import cut_warning

if TYPE_CHECKING:
    from dedup.semantic import SentenceEncoder

# Pairs scored together; IDF weights are fitted per chunk. Sentence pairs: 2,000 keep memory
# near 100 MB and accuracy on MSRP within 0.001 of one batch; documents are larger, so fewer.
CHUNK_SIZES = {"sentence": 2000, "document": 200}
# With the embedding model (about 10 pairs/s on 2 cores), 500 pairs a chunk moves the progress
# bar about once a minute.
SEMANTIC_CHUNK_SIZE = 500
SENTENCE_COLUMNS = ("label", "similarity") + SENTENCE_FEATURES + ("rewritten_probability",)
SEMANTIC_COLUMNS = ("label", "similarity") + SEMANTIC_SENTENCE_FEATURES + ("rewritten_probability",)
DOCUMENT_COLUMNS = ("label", "similarity", "cosine", "shared_a", "shared_b", "rewritten_a", "rewritten_b")


@main.command("pairs")
@click.argument("input_path", metavar="FILE")
@click.option(
    "--level",
    type=click.Choice(["sentence", "document"]),
    default="sentence",
    show_default=True,
    help="sentence: verbatim/edited/rewritten/different; document: the relation `dedup cluster` gives.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["jsonl", "csv"]),
    default="jsonl",
    show_default=True,
    help="One JSON object or one CSV row per input pair, in input order.",
)
@output_option
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    default=None,
    help="Pairs scored together; word weights (IDF) are fitted on each chunk. "
    "[default: 2000 sentence, 500 with --semantic, 200 document]",
)
@click.option(
    "--semantic",
    is_flag=True,
    help="Sentence level: add the embedding model's features and decide with its regression "
    "(the `semantic` extra: `make semantic`). More accurate, 100 to 200 times slower.",
)
@skip_bad_option
@handles_errors
def pairs_command(
    input_path: str,
    level: str,
    output_format: str,
    output: str | None,
    chunk_size: int | None,
    semantic: bool,
    skip_bad: bool,
) -> None:
    """Label each pair of texts in FILE and give the scores behind the label.

    FILE is JSON Lines with `text1` and `text2` (other fields are copied to the output), a .tsv
    file with a header naming text1 and text2 (split on tabs only), or - for JSON Lines on standard
    input. Output: the copied fields, then `label`, `similarity` and the features (sentence level)
    or the alignment coverage (document level). An input field named like an output column is
    written as `input_<name>`. Pairs are read and scored in chunks, so any file size streams.
    """
    if semantic and level != "sentence":
        raise DedupError("--semantic scores sentence pairs: use it with --level sentence")
    destination = Output(output, (input_path,))
    config = DedupConfig()
    chunk_size = chunk_size or (SEMANTIC_CHUNK_SIZE if semantic else CHUNK_SIZES[level])
    records = read_pairs(input_path, skip_bad=skip_bad, warn=warn)
    columns = DOCUMENT_COLUMNS if level == "document" else SEMANTIC_COLUMNS if semantic else SENTENCE_COLUMNS
    total = _count_for_progress(input_path)
    with progress_bar(total) as progress:
        progress(CANDIDATES, total)  # the bar's "score" task, sized by the input's line count
        rows = _scored_rows(records, level, chunk_size, columns, progress, config, semantic)
        first = next(rows, None)
        with destination.open() as stream:
            if first is not None:
                everything = _chain(first, rows)
                if output_format == "jsonl":
                    write_jsonl(everything, stream)
                else:
                    header = [key for key in first if key not in columns] + list(columns)
                    write_csv(_warn_unknown_columns(everything, header), stream, header)
    destination.record(config.as_dict(), output_format)


def _count_for_progress(path: str) -> int:
    """Number of input lines, counted only when a progress bar can be drawn (stderr is a terminal)."""
    if path == "-" or not stderr_is_terminal() or not os.path.isfile(path):
        return 0
    with open(path, "rb") as stream:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))


def _chain(first: dict, rest: Iterator[dict]) -> Iterator[dict]:
    yield first
    yield from rest


def _scored_rows(
    records: Iterator[PairRecord],
    level: str,
    chunk_size: int,
    columns: tuple[str, ...],
    progress,
    config: DedupConfig,
    semantic: bool = False,
) -> Iterator[dict]:
    """Score the records chunk by chunk and yield one output row per record, in input order.

    With `semantic`, the embedding model is loaded once the first chunk has been read, so that a
    missing file or a bad first record is reported at once, not after seconds of loading.
    """
    encoder: SentenceEncoder | None = None
    while chunk := list(islice(records, chunk_size)):
        if semantic and encoder is None:
            from dedup.semantic import SentenceEncoder

            encoder = SentenceEncoder()
        texts = [(record.text1, record.text2) for record in chunk]
        for record in chunk:
            for name, text in (("text1", record.text1), ("text2", record.text2)):
                if message := cut_warning(f"{record.origin} {name}", text):
                    warn(message)
        if level == "sentence":
            scores = score_sentence_pairs(texts, config=config.pairs, score=config.score, semantic=encoder)
        else:
            scores = score_document_pairs(texts, score=config.score, relation=config.relation)
        for record, result in zip(chunk, scores):
            yield _row(record, result, columns)
        progress(SCORE, len(chunk))


def _row(record: PairRecord, result: SentencePairScore | DocumentPairScore, columns: Iterable[str]) -> dict:
    row = {(f"input_{key}" if key in columns else key): value for key, value in record.fields.items()}
    row["label"] = result.label
    row["similarity"] = round(result.similarity, 4)
    if isinstance(result, SentencePairScore):
        row.update((name, round(value, 4)) for name, value in result.features.items())
    else:
        for name in DOCUMENT_COLUMNS[2:]:
            row[name] = round(getattr(result, name), 4)
    return row


def _warn_unknown_columns(rows: Iterator[dict], header: list[str]) -> Iterator[dict]:
    """Pass rows through, warning once per field that the CSV header (taken from the first row) lacks."""
    known = set(header)
    for row in rows:
        unknown = [key for key in row if key not in known]
        if unknown:
            warn(
                f"field(s) {', '.join(unknown)} not in the CSV header (taken from the first row), "
                "left out; use --format jsonl to keep every field"
            )
            known.update(unknown)
        yield row
