"""Write the kept articles of a batch as the input held them, and the drop list.

For ``dedup cluster --kept PATH``: the records of the kept articles, unchanged and in input order,
in the inputs' own format: JSON Lines lines as they were, CSV records as their lines were (one
header), Parquet rows in one Parquet file, and for text files a directory of the kept files. The
records are found again by their origin (``file:line``, ``file:row n``, the file's path), which
`dedup.io.readers.read_articles` gives each article. Every output is written under a hidden name
and renamed into place when complete, and is never one of the inputs.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Collection, Iterable, Sequence

from dedup.errors import DedupError
from dedup.io.parquet import holds_parquet, parquet_part_files
from dedup.io.readers import csv_records, jsonl_file_lines, read_articles, sniff_encoding
from dedup.io.records import TEXT_SUFFIXES, Problem, article_files
from dedup.io.writers import open_output, refuse_input_as_output, write_csv, write_jsonl

KINDS = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".tsv": "tsv", ".parquet": "parquet"}


def input_kind(name: str) -> str:
    """The format of one input as `read_articles` reads it: ``jsonl``, ``csv``, ``tsv``,
    ``parquet`` or ``text`` (a ``.txt``/``.md`` file or a directory of them).

    Raises
    ------
    DedupError
        For standard input (``-``), whose records cannot be read a second time, and for a type
        the readers do not read.
    """
    if name == "-":
        raise DedupError("--kept cannot copy records read from standard input: give the input as a file")
    if os.path.isdir(name):
        return "parquet" if holds_parquet(name) else "text"
    suffix = os.path.splitext(name)[1].lower()
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in KINDS:
        return KINDS[suffix]
    raise DedupError(f"{name}: unsupported file type for --kept")


def kept_kind(inputs: Sequence[str]) -> str:
    """The one format of all `inputs` (see `input_kind`); a `DedupError` when they differ."""
    kinds = {name: input_kind(name) for name in inputs}
    found = sorted(set(kinds.values()))
    if len(found) > 1:
        msg = f"--kept writes the inputs' format, and these inputs mix {' and '.join(found)}: give inputs of one format"
        raise DedupError(msg)
    return found[0]


def check_kept_destination(path: str, inputs: Sequence[str]) -> None:
    """Raise `DedupError` before any work when `path` cannot take the kept records of `inputs`:
    an input, a directory for a file format, a file or a non-empty directory for text files, or a
    directory inside an input directory (it would be read as input next time)."""
    refuse_input_as_output(path, inputs, "--kept")
    kind = kept_kind(inputs)
    if kind != "text":
        if os.path.isdir(path):
            raise DedupError(f"{path}: is a directory; --kept writes one {kind} file for these inputs")
        return
    if os.path.exists(path) and not (os.path.isdir(path) and not os.listdir(path)):
        raise DedupError(f"{path}: --kept writes a directory of text files here; give a new or empty directory")
    real = os.path.realpath(path)
    for name in inputs:
        if os.path.isdir(name):
            directory = os.path.realpath(name)
            if os.path.commonpath([real, directory]) == directory:
                raise DedupError(f"{path}: inside the input directory {name}; give --kept a path outside it")


def kept_origins(inputs: Sequence[str], ids: Collection[str], *, skip_bad: bool = False) -> set[str]:
    """The origins of the articles of `inputs` whose id is in `ids`, read again as the run read
    them (the same records stepped over with `skip_bad`, the first of a repeated id kept)."""
    return {article.origin for article in read_articles(inputs, skip_bad=skip_bad) if article.id in ids}


def write_kept(inputs: Sequence[str], origins: Collection[str], path: str) -> int:
    """Write the records of `inputs` whose origin is in `origins` to `path`, in the inputs' format.

    Returns
    -------
    int
        Records written.
    """
    kind = kept_kind(inputs)
    if kind == "jsonl":
        return _write_jsonl(inputs, origins, path)
    if kind in ("csv", "tsv"):
        return _write_csv(inputs, origins, path, "\t" if kind == "tsv" else ",")
    if kind == "parquet":
        return _write_parquet(inputs, origins, path)
    return _write_text(inputs, origins, path)


def write_drop_list(records: Iterable[dict], path: str, fieldnames: Sequence[str], inputs: Sequence[str]) -> None:
    """Write the drop list to `path`: CSV for a ``.csv`` name, else JSON Lines."""
    refuse_input_as_output(path, inputs, "--drop-list")
    with open_output(path) as stream:
        if path.lower().endswith(".csv"):
            write_csv(records, stream, fieldnames)
        else:
            write_jsonl(records, stream)


def _ignore(message: str) -> None:
    """Warnings of the second reading: said once already, when the run read the inputs."""


def _write_jsonl(inputs: Sequence[str], origins: Collection[str], path: str) -> int:
    """The lines of `origins`, decoded as the reading decoded them (`jsonl_file_lines`)."""
    written = 0
    with open_output(path) as stream:
        for name in inputs:
            for number, line in enumerate(jsonl_file_lines(name, _ignore), start=1):
                if f"{name}:{number}" in origins:
                    stream.write(line if line.endswith(("\n", "\r")) else line + "\n")
                    written += 1
    return written


def _write_csv(inputs: Sequence[str], origins: Collection[str], path: str, delimiter: str) -> int:
    """The records of `origins` copied line for line, under the first input's header, found as the
    readers found them (`dedup.io.readers.csv_records`), malformed records stepped over alike."""
    written = 0
    header: list[str] | None = None
    with open_output(path) as stream:
        for name in inputs:
            with open(name, encoding=sniff_encoding(name, _ignore), newline="") as source:
                records = csv_records(source, delimiter)
                first = next(records, None)
                if first is None or first.problem is not None:
                    continue  # the reading refused such a file, or read no article from it
                columns = [column.strip() for column in first.fields]
                if header is None:
                    header = columns
                    stream.write(first.text)
                elif columns != header:
                    msg = f"{name}: header differs from {inputs[0]}'s; --kept writes one CSV file, one header"
                    raise DedupError(msg)
                for record in records:
                    if record.problem is None and f"{name}:{record.line}" in origins:
                        stream.write(record.text if record.text.endswith(("\n", "\r")) else record.text + "\n")
                        written += 1
    return written


def _write_parquet(inputs: Sequence[str], origins: Collection[str], path: str) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder, name = os.path.split(os.path.realpath(path))
    partial = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.partial")
    writer = None
    written = 0
    try:
        for source in inputs:
            for part in parquet_part_files(source):
                parquet_file = pq.ParquetFile(part)
                row = 0
                for batch in parquet_file.iter_batches(batch_size=1024):
                    numbers = range(row + 1, row + 1 + batch.num_rows)
                    row += batch.num_rows
                    mask = pa.array([f"{part}:row {number}" in origins for number in numbers])
                    chosen = batch.filter(mask)
                    if writer is None:
                        writer = pq.ParquetWriter(partial, batch.schema)
                    elif chosen.schema != writer.schema:
                        chosen = _cast(chosen, writer.schema, part)
                    if chosen.num_rows:
                        writer.write_batch(chosen)
                        written += chosen.num_rows
        if writer is None:
            raise DedupError(f"{path}: no Parquet rows to take the schema from")
        writer.close()
        writer = None
        os.replace(partial, os.path.realpath(path))
    except BaseException:
        if writer is not None:
            writer.close()
        with contextlib.suppress(OSError):
            os.remove(partial)
        raise
    return written


def _cast(batch, schema, part: str):
    """`batch` in the first part file's `schema`, or a `DedupError` naming `part`."""
    try:
        return batch.select(schema.names).cast(schema)
    except (KeyError, ValueError, TypeError, NotImplementedError) as error:
        msg = f"{part}: its columns differ from the first part file's; --kept writes one Parquet file ({error})"
        raise DedupError(msg) from None


def _write_text(inputs: Sequence[str], origins: Collection[str], path: str) -> int:
    target = os.path.realpath(path)
    folder, name = os.path.split(target)
    partial = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.partial")
    written = 0
    try:
        os.makedirs(partial)
        for source in inputs:
            if os.path.isdir(source):
                walk = article_files(source, visited=set())
                files = [(file, os.path.relpath(file, source)) for file in walk if not isinstance(file, Problem)]
            else:
                files = [(source, os.path.basename(source))]
            for file, relative in files:
                if file not in origins:
                    continue
                copy = os.path.join(partial, relative)
                if os.path.exists(copy):
                    raise DedupError(f"{file}: another kept file has its name {relative}; --kept needs distinct names")
                os.makedirs(os.path.dirname(copy), exist_ok=True)
                shutil.copy2(file, copy)
                written += 1
        if os.path.isdir(target):
            os.rmdir(target)  # found empty before the run
        os.replace(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return written
