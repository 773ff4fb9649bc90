"""Input reader for `dedup pairs`: a stream of text pairs from JSON Lines, TSV or stdin.

Every problem becomes a `DedupError` whose one-line message names the file, the line and the
reason; with ``skip_bad`` a bad record is reported and skipped, never dropped silently. The file
is read record by record, so a million-pair file never sits in memory.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TextIO

from dedup.errors import DedupError
from dedup.io.readers import JSON_TYPE_NAMES, json_record, jsonl_file_lines, sniff_encoding, stdin_lines
from dedup.io.records import Problem
from dedup.validate import surrogate_problem

PAIR_TEXT_FIELDS = ("text1", "text2")
"""The two fields every pair record must have."""

_JSONL_SUFFIXES = (".jsonl", ".json")
_TSV_SUFFIXES = (".tsv",)


@dataclass(frozen=True)
class PairRecord:
    """One input pair: the two texts, every other field of the record in input order, and where it came from.

    `origin` is ``file:line`` (``<stdin>:line`` for standard input).
    """

    text1: str
    text2: str
    fields: dict[str, object] = field(default_factory=dict)
    origin: str = ""


def read_pairs(
    path: str,
    *,
    skip_bad: bool = False,
    warn: Callable[[str], None] | None = None,
    stdin: TextIO | None = None,
) -> Iterator[PairRecord]:
    """Stream the text pairs of a JSON Lines or TSV file (or JSON Lines on stdin), in input order.

    Call it to feed `dedup.pairs.score_sentence_pairs` or `score_document_pairs` from a file,
    with every problem reported against the line that caused it.

    Parameters
    ----------
    path : str
        - a ``.jsonl`` or ``.json`` file: one JSON object per line with string fields ``text1`` and
          ``text2``; any other fields are kept, in order, in `PairRecord.fields`;
        - a ``.tsv`` file: a header row naming ``text1`` and ``text2`` (matched ignoring case and
          surrounding spaces) and any other columns, then one pair per row. Fields are split on
          tabs only, with no quoting, since sentences carry quote marks; a text cannot hold a tab;
        - ``-``: JSON Lines on `stdin`.

        Blank lines hold no record and are passed over. Files are UTF-8 (a BOM is dropped) or,
        failing that, cp1252 with a warning.
    skip_bad : bool, default False
        If False the first bad record raises; if True it is reported through `warn` and reading
        goes on.
    warn : callable, optional
        Receives one-line messages (skipped records, a file read as cp1252); ignored by default.
    stdin : text stream, optional
        Read for ``-``; defaults to ``sys.stdin``.

    Yields
    ------
    PairRecord

    Raises
    ------
    DedupError
        For a missing or unreadable file, an unsupported file type, a TSV header without
        ``text1``/``text2``; for a malformed record, a record without ``text1``/``text2`` or with an
        empty or non-string text unless `skip_bad`; and when no pair at all was read.
    """
    report = warn if warn is not None else _ignore
    found = False
    for item in _items(os.fspath(path), stdin, report):
        if isinstance(item, Problem):
            if not skip_bad:
                raise DedupError(item.message)
            report(item.message)
            continue
        found = True
        yield item
    if not found:
        raise DedupError(f"{path}: no pairs read")


def _ignore(message: str) -> None:
    """Default `warn`: drop the message."""


def _items(path: str, stdin: TextIO | None, warn: Callable[[str], None]) -> Iterator[PairRecord | Problem]:
    if path == "-":
        yield from _jsonl_records(_split_lines(stdin_lines(stdin, warn)), "<stdin>")
        return
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in _JSONL_SUFFIXES + _TSV_SUFFIXES:
        shown = f"'{suffix}'" if suffix else "without an extension"
        raise DedupError(f"{path}: unsupported file type {shown} for pairs (supported: .jsonl, .json, .tsv, or -)")
    if not os.path.exists(path):
        raise DedupError(f"{path}: no such file or directory")
    if os.path.isdir(path):
        raise DedupError(f"{path}: is a directory, expected a .jsonl or .tsv file of pairs")
    try:
        if suffix in _JSONL_SUFFIXES:  # decoded line by line, as `read_articles` reads JSON Lines
            yield from _jsonl_records(_split_lines(jsonl_file_lines(path, warn)), path)
            return
        encoding = sniff_encoding(path, warn)
        with open(path, encoding=encoding) as stream:
            yield from _tsv_records(_split_lines(stream), path)
    except UnicodeDecodeError as error:
        raise DedupError(f"{path}: cannot decode: {error.reason} at byte {error.start}") from None
    except OSError as error:
        raise DedupError(f"{path}: cannot read: {error.strerror or error}") from None


def _split_lines(stream: Iterable[str]) -> Iterator[str]:
    """Lines of a text stream without their line ends (LF, CRLF or CR)."""
    for line in stream:
        yield line.rstrip("\r\n")


def _jsonl_records(lines: Iterable[str], label: str) -> Iterator[PairRecord | Problem]:
    for number, line in enumerate(lines, start=1):
        if number == 1:
            line = line.removeprefix("\ufeff")
        if not line.strip():
            continue
        origin = f"{label}:{number}"
        record = json_record(line, origin, expected="an object with text1 and text2")
        yield Problem(record) if isinstance(record, str) else _pair_from_record(record, origin)


def _tsv_records(lines: Iterable[str], path: str) -> Iterator[PairRecord | Problem]:
    rows = iter(lines)
    header_line = next(rows, None)
    if header_line is None or not header_line.strip():
        raise DedupError(f"{path}:1: no header row (expected tab-separated column names with text1 and text2)")
    columns = [name.strip() for name in header_line.removeprefix("\ufeff").split("\t")]
    lowered = [name.lower() for name in columns]
    for required in PAIR_TEXT_FIELDS:
        if required not in lowered:
            hint = "; is the file tab-separated?" if len(columns) == 1 else ""
            raise DedupError(f"{path}:1: header has no '{required}' column (columns: {', '.join(columns)}){hint}")
    for number, line in enumerate(rows, start=2):
        if not line.strip():
            continue
        origin = f"{path}:{number}"
        cells = line.split("\t")
        if len(cells) != len(columns):
            yield Problem(f"{origin}: malformed TSV record: row has {len(cells)} fields, header has {len(columns)}")
            continue
        record: dict[str, object] = {}
        for name, key, cell in zip(columns, lowered, cells):
            record[key if key in PAIR_TEXT_FIELDS else name] = cell
        yield _pair_from_record(record, origin)


def _pair_from_record(record: dict, origin: str) -> PairRecord | Problem:
    for name in PAIR_TEXT_FIELDS:
        if name not in record:
            return Problem(f"{origin}: record has no '{name}'")
        if not isinstance(record[name], str):
            kind = JSON_TYPE_NAMES.get(type(record[name]), type(record[name]).__name__)
            return Problem(f"{origin}: '{name}' must be a string, found {kind}")
        if not record[name].strip():
            return Problem(f"{origin}: empty '{name}'")
    problem = surrogate_problem(origin, record.items())
    if problem is not None:
        return Problem(problem)
    others = {key: value for key, value in record.items() if key not in PAIR_TEXT_FIELDS}
    return PairRecord(record["text1"], record["text2"], others, origin)
