"""Parquet input and output: article datasets in, flat result rows out, for the local and Spark engines.

pyarrow is an optional dependency (it comes with the ``spark`` extra), so it is imported only when a
Parquet file is actually read or written; without it, a Parquet input or output is a one-line
`DedupError` saying how to install it.

What counts as Parquet input
----------------------------
- a file ending in ``.parquet``;
- a directory (a *dataset*, as Spark and pyarrow write them) holding ``.parquet`` files, directly
  or in subdirectories. Names starting with ``.`` or ``_`` are skipped, as Spark and Hive do: that
  leaves out ``_SUCCESS``, ``_metadata``, ``_temporary/`` (unfinished writes) and ``.crc`` files.
  Other files are ignored. A directory that holds ``.parquet`` files *and* ``.txt``/``.md``
  articles is ambiguous and an error, never a guess; one without ``.parquet`` files is read as a
  directory of articles.

Part files are read in path order, comparing runs of digits as numbers so that pyarrow's unpadded
``part-2.parquet`` comes before ``part-10.parquet`` (Spark's zero-padded names sort the same either
way); rows are read in file order, in record batches. That order is the input order.

Columns are matched by exact name, as JSON Lines keys are: ``id`` and ``text`` are required,
``title``, ``source``, ``published`` and ``url`` are optional, anything else is ignored. Partition
values that live only in directory names (``year=2024/``) are not read. A row's origin is
``file:row n``, with n counted from 1 within its file.
"""

from __future__ import annotations

import datetime
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from decimal import Decimal
from itertools import islice
from types import ModuleType

from dedup.errors import DedupError
from dedup.install import install_hint
from dedup.io.records import OPTIONAL_FIELDS, Problem, article_files, article_from_record, guarded, walk_files
from dedup.model import Article

PARQUET_SUFFIX = ".parquet"
PART_FILE = "part-00000.parquet"
"""The one file `write_parquet` writes, named as Spark names its first part file."""

DATASET_MANIFEST = "_dedup_manifest.json"
"""A Parquet dataset directory's manifest, inside it (Parquet readers skip names starting with
``_``): written beside `PART_FILE` by the command (`dedup.report.manifest`)."""

REQUIRED_COLUMNS = ("text", "id")
"""Checked in this order, as the CSV reader does, so both name the same column first."""

CLUSTER_PARQUET_TYPES: Mapping[str, str] = {
    "story": "int64",
    "group": "int64",
    "cosine": "float64",
    "shared": "float64",
    "rewritten": "float64",
}
"""Column types `write_parquet` uses unless told otherwise; columns not named here are strings."""

# Rows per record batch, read or written: articles run to a few KB each, so a batch stays in the
# low megabytes where pyarrow's default of 65,536 rows could hold hundreds.
_BATCH_ROWS = 1024

_INSTALL_HINT = install_hint("spark")
_DIGITS = re.compile(r"(\d+)")


# --- input ------------------------------------------------------------------------------------


def read_parquet(path: str) -> Iterator[Article | Problem]:
    """Yield the articles of a Parquet file or dataset directory, and the problems met on the way.

    The reader behind `read_articles` for Parquet input: a bad row or a bad part file is a problem
    and reading goes on with the next; the caller decides whether a problem is fatal.

    Raises
    ------
    DedupError
        When pyarrow is not installed, whatever `skip_bad` says: no Parquet input can be read.
    """
    _pyarrow(path, "reading")
    try:
        parts = parquet_part_files(path)
    except DedupError as error:
        yield Problem(str(error))
        return
    for part in parts:
        yield from guarded(part, _read_part_file(part))


def holds_parquet(directory: str) -> bool:
    """True when `directory` is a Parquet dataset by the rule above: it holds a ``.parquet`` file.

    A subdirectory that cannot be listed is passed over here; the reader that walks it reports it.
    """
    with suppress(OSError):
        return next(_parquet_files(directory, visited=set(), strict=False), None) is not None
    return False


def parquet_part_files(path: str) -> list[str]:
    """The Parquet files that make up `path`, in reading order: `path` itself if it is a file.

    For an engine that reads the parts itself (the Spark engine) and must see the same files in the
    same order as `read_articles`. Needs no pyarrow.

    Raises
    ------
    DedupError
        If `path` does not exist or cannot be listed, if a directory holds no ``.parquet`` file, or
        if it also holds ``.txt``/``.md`` articles.
    """
    try:
        is_directory = stat.S_ISDIR(os.stat(path).st_mode)
    except FileNotFoundError:
        raise DedupError(f"{path}: no such file or directory") from None
    except OSError as error:
        raise DedupError(f"{path}: cannot read: {error.strerror}") from None
    if not is_directory:
        return [path]
    try:
        parts = list(_parquet_files(path, visited=set(), strict=True))
        articles = (found for found in article_files(path, visited=set()) if isinstance(found, str))
        article = next(articles, None) if parts else None
    except OSError as error:
        raise DedupError(f"{error.filename or path}: cannot read: {error.strerror}") from None
    if not parts:
        raise DedupError(f"{path}: no {PARQUET_SUFFIX} files in directory")
    if article is not None:
        msg = (
            f"{path}: holds both Parquet files and .txt/.md articles (e.g. {parts[0]} and {article}); "
            "keep one kind per directory"
        )
        raise DedupError(msg)
    return parts


def check_parquet_columns(path: str, columns: Sequence[str]) -> None:
    """Raise unless every Parquet file of `path` has all of `columns`.

    Lets an engine that reads the parts itself fail up front with the reader's message, which
    names the file, the missing column and the columns the file has. Only file footers are read.

    Raises
    ------
    DedupError
        As `parquet_part_files` does; for a file that is not Parquet; for the first missing column.
    """
    for part in parquet_part_files(path):
        with _open_parquet(part) as parquet_file:
            _check_columns(part, parquet_file.schema_arrow.names, columns)


def article_from_row(row: dict, origin: str) -> Article:
    """Build the `Article` for one Parquet row (a column-name to value mapping), as the reader does.

    For an engine that reads rows itself: the same conversions (numeric ids as text, timestamps and
    dates as ISO 8601 text) and the same validation, with `origin` (``file:row n``) in messages.

    Raises
    ------
    DedupError
        With the reader's one-line message when the row is not a valid article.
    """
    article = article_from_record(_record_from_row(row), origin)
    if isinstance(article, Problem):
        raise DedupError(article.message)
    return article


def _parquet_files(directory: str, *, visited: set[str], strict: bool) -> Iterator[str]:
    """Paths of the ``.parquet`` files under `directory`, depth first, entries in natural order,
    those starting with ``.`` or ``_`` (Spark's and Hive's markers) passed over (`walk_files`).

    A directory or entry that cannot be read raises `DedupError` if `strict`, and is passed over
    otherwise.
    """
    for found in walk_files(directory, visited=visited, wanted=_is_parquet, hidden=(".", "_"), order=_natural_key):
        if isinstance(found, str):
            yield found
        elif strict:
            raise DedupError(found.message)


def _is_parquet(name: str) -> bool:
    return name.lower().endswith(PARQUET_SUFFIX)


def _natural_key(name: str) -> tuple:
    """Sort key comparing runs of digits by value (``part-2`` before ``part-10``); ties by name."""
    pieces = _DIGITS.split(name)
    return tuple(int(piece) if index % 2 else piece for index, piece in enumerate(pieces)), name


def _read_part_file(path: str) -> Iterator[Article | Problem]:
    """Yield one article or problem per row of one Parquet file, streaming record batches."""
    pa = _pyarrow(path, "reading")
    with _open_parquet(path) as parquet_file:
        names = parquet_file.schema_arrow.names
        _check_columns(path, names, REQUIRED_COLUMNS)
        wanted = [name for name in ("id", "text", *OPTIONAL_FIELDS) if name in names]
        batches = parquet_file.iter_batches(batch_size=_BATCH_ROWS, columns=wanted)
        row_number = 0
        while True:
            try:
                batch = next(batches, None)
                rows = [] if batch is None else batch.to_pylist()
            except (pa.ArrowException, ValueError, OSError) as error:
                # pyarrow raises OSError for damaged pages too (e.g. "Corrupt snappy compressed data").
                where = f" after row {row_number}" if row_number else ""
                msg = f"{path}: cannot read Parquet data{where} ({_reason(error)})"
                raise DedupError(msg) from None
            if batch is None:
                return
            for row in rows:
                row_number += 1
                origin = f"{path}:row {row_number}"
                yield article_from_record(_record_from_row(row), origin)


def _open_parquet(path: str):
    """Open `path` as a `pyarrow.parquet.ParquetFile` (a context manager), or say it is not Parquet."""
    pa = _pyarrow(path, "reading")
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except FileNotFoundError:
        raise DedupError(f"{path}: no such file or directory") from None
    except pa.ArrowException as error:
        raise DedupError(f"{path}: not a Parquet file ({_reason(error)})") from None
    except OSError as error:
        raise DedupError(f"{path}: cannot read: {error.strerror or _reason(error)}") from None


def _check_columns(path: str, names: Sequence[str], required: Sequence[str]) -> None:
    for column in required:
        if column not in names:
            msg = f"{path}: no '{column}' column (columns: {', '.join(names) or 'none'})"
            raise DedupError(msg)


def _record_from_row(row: Mapping[str, object]) -> dict:
    """A Parquet row as the record `article_from_record` validates, typed as JSON would give it.

    Decimal ids become their text (JSON has no decimals); dates, times and timestamps in optional
    fields become ISO 8601 text, so a timestamp ``published`` sorts as the text the model expects.
    """
    record = dict(row)
    if isinstance(record.get("id"), Decimal):
        record["id"] = str(record["id"])
    for field in OPTIONAL_FIELDS:
        value = record.get(field)
        if isinstance(value, (datetime.date, datetime.time)):
            record[field] = value.isoformat()
        elif isinstance(value, Decimal):
            record[field] = str(value)
    return record


def _reason(error: BaseException) -> str:
    """The first line of an exception's message, so that the error we raise stays on one line."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _pyarrow(path: str, action: str) -> ModuleType:
    """The `pyarrow` module, or a one-line error naming `path` and saying how to install it."""
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401  (checked here so that a broken install fails as clearly)
    except ImportError:
        raise DedupError(f"{path}: {action} Parquet needs pyarrow: {_INSTALL_HINT}") from None
    return pyarrow


# --- output -----------------------------------------------------------------------------------


def write_parquet(
    rows: Iterable[dict],
    directory: str,
    fieldnames: Sequence[str],
    *,
    types: Mapping[str, str] | None = None,
) -> None:
    """Write `rows` as a one-file Parquet dataset, ``directory/part-00000.parquet``.

    For ``dedup cluster --format parquet -o DIR``: a directory that Spark, pandas, DuckDB and
    `read_articles` open as a dataset. Rows are streamed in record batches, never held whole.

    Parameters
    ----------
    rows : iterable of dict
        One mapping per row, e.g. `dedup.report.records.cluster_rows`; keys not in `fieldnames`
        are left out and missing ones are null.
    directory : str
        Created with its parents if missing. An existing directory must be empty but for hidden
        files, or hold only an earlier ``part-00000.parquet`` (and its manifest), which is replaced: dedup never mixes
        its output with other files, nor overwrites what it did not write. The new file is written
        under a hidden name and renamed into place, so a failed write leaves the earlier file whole.
    fieldnames : sequence of str
        Columns in order.
    types : mapping of str to str, optional
        Column name to ``"int64"``, ``"float64"`` or ``"string"``, over `CLUSTER_PARQUET_TYPES`
        (story and group int64; cosine, shared and rewritten float64). Other columns are strings:
        a list or tuple value is joined with ``;`` as in CSV, anything else is written as its text.

    Raises
    ------
    DedupError
        Without pyarrow; for an unknown type name; when `directory` cannot be used as above; when a
        value does not fit its column's type (a float with a fraction in an int64 column, say).
    """
    pa = _pyarrow(directory, "writing")
    import pyarrow.parquet as pq

    arrow_types = {"int64": pa.int64(), "float64": pa.float64(), "string": pa.string()}
    column_types = {**CLUSTER_PARQUET_TYPES, **(types or {})}
    for name, type_name in column_types.items():
        if type_name not in arrow_types:
            msg = f"write_parquet: unknown type {type_name!r} for column '{name}' (known: {', '.join(arrow_types)})"
            raise DedupError(msg)
    columns = [(name, column_types.get(name, "string")) for name in fieldnames]
    schema = pa.schema([(name, arrow_types[type_name]) for name, type_name in columns])
    _prepare_output_directory(directory)
    target = os.path.join(directory, PART_FILE)
    partial = os.path.join(directory, f".{PART_FILE}.partial")
    try:
        with pq.ParquetWriter(partial, schema) as writer:
            row_iterator = iter(rows)
            first_row = 0
            while chunk := list(islice(row_iterator, _BATCH_ROWS)):
                arrays = [
                    _column_array(pa, directory, name, type_name, [row.get(name) for row in chunk], first_row)
                    for name, type_name in columns
                ]
                writer.write_batch(pa.record_batch(arrays, schema=schema))
                first_row += len(chunk)
        os.replace(partial, target)
    except BaseException:
        with suppress(OSError):
            os.remove(partial)
        raise


def _prepare_output_directory(directory: str) -> None:
    """Create `directory`, or check that it holds nothing but hidden files and our own part file
    and manifest."""
    try:
        os.makedirs(directory, exist_ok=True)
    except FileExistsError:
        raise DedupError(f"{directory}: exists and is not a directory") from None
    except OSError as error:
        raise DedupError(f"{directory}: cannot create directory: {error.strerror}") from None
    try:
        names = os.listdir(directory)
    except OSError as error:
        raise DedupError(f"{directory}: cannot read: {error.strerror}") from None
    foreign = sorted(name for name in names if not name.startswith(".") and name not in (PART_FILE, DATASET_MANIFEST))
    if foreign:
        msg = (
            f"{directory}: directory is not empty and holds files dedup did not write (e.g. {foreign[0]}); "
            "give a new or empty directory"
        )
        raise DedupError(msg)


def _column_array(pa: ModuleType, directory: str, name: str, type_name: str, values: list, first_row: int):
    """One column of a record batch, values checked against the column's type."""
    if type_name == "string":
        return pa.array([_text_cell(value) for value in values], type=pa.string())
    for offset, value in enumerate(values):
        if value is None:
            continue
        fits = (
            isinstance(value, int) or (isinstance(value, float) and value.is_integer())
            if type_name == "int64"
            else isinstance(value, (int, float))
        )
        if isinstance(value, bool) or not fits:
            msg = f"{directory}: row {first_row + offset + 1}: column '{name}' is {type_name}, got {value!r}"
            raise DedupError(msg)
    if type_name == "int64":
        values = [None if value is None else int(value) for value in values]
    return pa.array(values, type=pa.int64() if type_name == "int64" else pa.float64())


def _text_cell(value: object) -> str | None:
    """A value for a string column: None stays null, a list or tuple is one ``;``-joined cell."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return ";".join(str(item) for item in value)
    return str(value)
