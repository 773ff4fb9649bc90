"""Writers for the machine-readable outputs: JSON Lines and CSV, streamed record by record."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from typing import TextIO


def write_jsonl(records: Iterable[dict], stream: TextIO) -> None:
    """Write `records` to `stream` as JSON Lines, one object per line.

    Non-ASCII text is written as is (not ``\\u`` escaped) so the file stays readable, and keys keep
    the order the caller gave them. `read_articles` reads the result back unchanged.

    Parameters
    ----------
    records : iterable of dict
        JSON-serialisable mappings; consumed one at a time, so a generator streams.
    stream : text stream
        Destination, e.g. an open file or ``sys.stdout``.
    """
    for record in records:
        stream.write(json.dumps(record, ensure_ascii=False))
        stream.write("\n")


def write_csv(rows: Iterable[dict], stream: TextIO, fieldnames: Sequence[str]) -> None:
    """Write `rows` to `stream` as CSV with a header row, for spreadsheets and shell tools.

    List and tuple values are joined with ``;`` so that one cell holds them; None becomes an empty
    cell. Keys not in `fieldnames` are left out, so a caller can pick columns from richer records.
    Lines end in ``\\n``.

    Parameters
    ----------
    rows : iterable of dict
        One mapping per row; consumed one at a time.
    stream : text stream
        Destination; a file should be opened with ``newline=""``.
    fieldnames : sequence of str
        Columns in order; also the header row.
    """
    writer = csv.DictWriter(stream, fieldnames=list(fieldnames), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(value) for key, value in row.items()})


def _cell(value: object) -> object:
    """A list or tuple as one ``;``-joined cell; anything else as the csv module writes it."""
    if isinstance(value, (list, tuple)):
        return ";".join(str(item) for item in value)
    return value
