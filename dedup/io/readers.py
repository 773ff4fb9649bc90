"""Input readers: turn directories, text files, JSON Lines, CSV and stdin into a stream of `Article`.

This is the boundary where user data enters `dedup`, so every problem found here becomes a
`DedupError` whose one-line message names the file, the line where there is one, and the reason.
Readers stream: a JSON Lines or CSV file is read record by record, never loaded whole.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple, TextIO

from dedup.dates import stamped_date
from dedup.errors import DedupError
from dedup.io.frontmatter import split_front_matter
from dedup.io.parquet import holds_parquet, read_parquet
from dedup.io.records import (
    TEXT_SUFFIXES,
    Problem,
    article_files,
    article_from_record,
    file_problem,
    guarded,
)
from dedup.model import Article
from dedup.validate import UniqueIds, id_problem, printable

_JSONL_SUFFIXES = (".jsonl", ".json")
_CSV_DELIMITERS = {".csv": ",", ".tsv": "\t"}
_PARQUET_SUFFIX = ".parquet"
_SUPPORTED = ".txt, .md, .jsonl, .json, .csv, .tsv, .parquet"

NOT_UTF8_NOTICE = "not UTF-8, read as cp1252"
"""What the readers warn, after a file's path, about a file they decoded as cp1252."""

# A NUL byte this early means the file is not text (the same test `git` and `grep` use).
_BINARY_PROBE_BYTES = 8192
_SCAN_CHUNK_BYTES = 1 << 20
# Bytes that cp1252 leaves undefined: a file holding one is in neither supported encoding.
_UNDEFINED_IN_CP1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")

JSON_TYPE_NAMES = {
    dict: "object",
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


def read_articles(
    inputs: Sequence[str],
    *,
    skip_bad: bool = False,
    warn: Callable[[str], None] | None = None,
    stdin: TextIO | None = None,
) -> Iterator[Article]:
    """Stream the articles held by `inputs`, one `Article` at a time, in a deterministic order.

    Call this to get a batch of articles into `dedup` from whatever the user has at hand, with
    every problem reported against the file and line that caused it.

    Parameters
    ----------
    inputs : sequence of str
        Paths or ``-``, read in the order given:

        - a directory: every ``.txt`` or ``.md`` file in it and, recursively, in its subdirectories,
          in path order (entries sorted by name; names starting with ``.`` are skipped); the id is
          the file stem and the origin the file's path. A directory holding ``.parquet`` files is a
          Parquet dataset instead (see `dedup.io.parquet`; holding both kinds is an error);
        - a ``.txt`` or ``.md`` file: one article, as for a file in a directory;
        - a ``.jsonl`` or ``.json`` file: JSON Lines, one object per line with ``id`` and ``text``
          and optionally ``title``, ``source``, ``published``, ``url``; blank lines are skipped;
        - a ``.csv`` or ``.tsv`` file: a header row naming the same fields (``id`` and ``text``
          required; matched ignoring case and surrounding spaces), one record per row;
        - a ``.parquet`` file: one article per row, columns named as the JSON Lines fields; needs
          pyarrow (the ``spark`` extra);
        - ``-``: JSON Lines read from `stdin`, decoded line by line (see `stdin_lines`).

        Records get the origin ``path:line`` (``<stdin>:line`` for ``-``; ``path:row n`` for Parquet).
    skip_bad : bool, default False
        If False the first problem raises. If True a bad record, a bad or missing file, an empty
        directory, or a subdirectory or entry that cannot be read (no permission, a symbolic link
        loop) is reported through `warn` and reading goes on with the rest.
    warn : callable, optional
        Receives one-line messages: skipped problems and files read as cp1252 rather than UTF-8.
        Defaults to ignoring them.
    stdin : text stream, optional
        Stream read for ``-``; defaults to ``sys.stdin``.

    Yields
    ------
    Article
        With `id` and `text` as given (numeric ids become strings) and optional fields stripped,
        empty ones as None.

    Raises
    ------
    DedupError
        On the first problem unless `skip_bad`; for a file type that is not supported; and when no
        article at all was read, even with `skip_bad`.

    Notes
    -----
    Files are decoded as UTF-8 (a leading BOM is dropped) or, if they are not valid UTF-8, as
    cp1252 with a warning: JSON Lines line by line (`jsonl_file_lines`), other files whole, a CSV
    file scanned once before it is parsed, so a huge file is read twice but never held in memory.
    Ids must be unique across all inputs.
    """
    if isinstance(inputs, str):
        inputs = [inputs]
    gate = ArticleGate(skip_bad=skip_bad, warn=warn)
    for name in inputs:
        for item in _read_input(os.fspath(name), stdin, gate.warn):
            article = gate.admit(item)
            if article is not None:
                yield article
    gate.finish(inputs)


class ArticleGate:
    """The rules `read_articles` applies to what readers find, in input order, for a caller that
    parses records elsewhere (in worker processes): ids unique across all inputs, and a problem
    raised as a `DedupError` or, with `skip_bad`, reported through `warn` and stepped over."""

    def __init__(self, *, skip_bad: bool = False, warn: Callable[[str], None] | None = None) -> None:
        self.skip_bad = skip_bad
        self.warn = warn if warn is not None else _ignore
        self._ids = UniqueIds()

    def admit(self, item: Article | Problem) -> Article | None:
        """`item` if it is an article to keep; None if it is a problem or a repeated id that
        `skip_bad` steps over (after a warning); raises `DedupError` otherwise."""
        if isinstance(item, Problem):
            self._refuse(item.message)
            return None
        return item if self.admit_id(item.id, item.origin) else None

    def admit_id(self, article_id: str, origin: str) -> bool:
        """`admit` for an article known by its id and origin: True to keep it, False when its id
        was seen before and `skip_bad` steps over it; raises `DedupError` otherwise."""
        problem = self._ids.problem(article_id, origin)
        if problem is None:
            return True
        self._refuse(problem)
        return False

    def _refuse(self, message: str) -> None:
        if not self.skip_bad:
            raise DedupError(message)
        self.warn(message)

    def finish(self, inputs: Sequence[str]) -> None:
        """Raise `DedupError` when no article at all was admitted from `inputs`."""
        if not self._ids.first_origin_of:
            msg = f"no articles read from: {', '.join(os.fspath(name) for name in inputs) or '(no inputs)'}"
            raise DedupError(msg)


@dataclass(frozen=True)
class RecordBatch:
    """Consecutive records of one input, to be turned into articles by `parse`, possibly in another
    process: the raw lines of a JSON Lines input (`lines`, the first numbered `first_line`), or
    items already read (`items`) from an input that is not read line by line."""

    label: str
    first_line: int = 1
    lines: tuple[str, ...] = ()
    items: tuple[Article | Problem, ...] = ()

    def parse(self) -> list[Article | Problem]:
        """Articles and problems of this batch, in input order, exactly as `read_articles` finds them."""
        if not self.lines:
            return list(self.items)
        return list(_records_from_jsonl_lines(self.lines, self.label, first_line=self.first_line))


def read_record_batches(
    inputs: Sequence[str], *, batch_size: int, warn: Callable[[str], None] | None = None, stdin: TextIO | None = None
) -> Iterator[RecordBatch]:
    """The records of `inputs` in batches of up to `batch_size`, in input order, with JSON Lines
    left unparsed: `read_articles` split in two, so that the parsing (most of a JSON Lines
    reader's time) can run in worker processes. Parse each batch with `RecordBatch.parse` and pass
    the items, in order, through one `ArticleGate` to get what `read_articles` would yield.
    """
    if isinstance(inputs, str):
        inputs = [inputs]
    report = warn if warn is not None else _ignore
    for name in map(os.fspath, inputs):
        suffix = os.path.splitext(name)[1].lower()
        if name == "-" or (suffix in _JSONL_SUFFIXES and os.path.isfile(name)):
            yield from _jsonl_line_batches(name, stdin, batch_size, report)
            continue
        items: list[Article | Problem] = []
        for item in _read_input(name, stdin, report):
            items.append(item)
            if len(items) == batch_size:
                yield RecordBatch(name, items=tuple(items))
                items = []
        if items:
            yield RecordBatch(name, items=tuple(items))


def _jsonl_line_batches(
    name: str, stdin: TextIO | None, batch_size: int, warn: Callable[[str], None]
) -> Iterator[RecordBatch]:
    """Raw lines of one JSON Lines input in batches; an error that ends the file (it cannot be
    decoded or read) comes after the lines read before it, as a problem naming the file."""
    label = "<stdin>" if name == "-" else name
    lines: list[str] = []
    first_line = 1
    try:
        with contextlib.ExitStack() as stack:
            if name == "-":
                stream = stdin_lines(stdin, warn)
            else:
                stream = stack.enter_context(contextlib.closing(jsonl_file_lines(name, warn)))
            for line in stream:
                lines.append(line)
                if len(lines) == batch_size:
                    yield RecordBatch(label, first_line, tuple(lines))
                    first_line += len(lines)
                    lines = []
    except (DedupError, UnicodeDecodeError, OSError) as error:
        if lines:
            yield RecordBatch(label, first_line, tuple(lines))
            lines = []
        yield RecordBatch(label, items=(file_problem(label, error),))
    if lines:
        yield RecordBatch(label, first_line, tuple(lines))


def _ignore(message: str) -> None:
    """Default `warn`: drop the message."""


def _read_input(name: str, stdin: TextIO | None, warn: Callable[[str], None]) -> Iterator[Article | Problem]:
    """Dispatch one input to its reader; a missing path is a problem, an unknown type an error."""
    if name == "-":
        yield from guarded("<stdin>", _records_from_jsonl_lines(stdin_lines(stdin, warn), "<stdin>"))
        return
    try:
        is_directory = stat.S_ISDIR(os.stat(name).st_mode)
    except FileNotFoundError:
        yield Problem(f"{name}: no such file or directory")
        return
    except OSError as error:
        yield Problem(f"{name}: cannot read: {error.strerror}")
        return
    if is_directory:
        yield from _read_directory(name, warn)
        return
    suffix = os.path.splitext(name)[1].lower()
    if suffix in TEXT_SUFFIXES:
        yield from guarded(name, _read_text_file(name, warn))
    elif suffix in _JSONL_SUFFIXES:
        yield from guarded(name, _read_jsonl_file(name, warn))
    elif suffix in _CSV_DELIMITERS:
        yield from guarded(name, _read_csv_file(name, _CSV_DELIMITERS[suffix], warn))
    elif suffix == _PARQUET_SUFFIX:
        yield from read_parquet(name)
    else:
        shown = f"'{suffix}'" if suffix else "without an extension"
        msg = f"{name}: unsupported file type {shown} (supported: {_SUPPORTED}, a directory, or - for stdin)"
        raise DedupError(msg)


# --- directories and whole-file articles -------------------------------------------------------


def _read_directory(directory: str, warn: Callable[[str], None]) -> Iterator[Article | Problem]:
    """Yield one article per ``.txt``/``.md`` file under `directory`, in path order; or read a Parquet dataset."""
    if holds_parquet(directory):
        yield from read_parquet(directory)
        return
    found = False
    for path in article_files(directory, visited=set()):
        if isinstance(path, Problem):
            yield path
            continue
        found = True
        yield from guarded(path, _read_text_file(path, warn))
    if not found:
        yield Problem(f"{directory}: no .txt or .md articles in directory")


def _read_text_file(path: str, warn: Callable[[str], None]) -> Iterator[Article]:
    """Yield the single article a ``.txt``/``.md`` file holds: id is the stem, text the whole file
    but its front matter (`dedup.io.frontmatter`), which sets title, source, published and url;
    without a `published` there, a leading date stamp (`dedup.dates.stamped_date`) gives it."""
    if printable(path) != path:  # bytes that are not UTF-8 in the name, which would become the id and origin
        raise DedupError(f"{printable(path)}: file name is not valid UTF-8; rename the file")
    with open(path, "rb") as stream:
        head = stream.read(_BINARY_PROBE_BYTES)
        _check_not_binary(path, head)
        content = head + stream.read()
    try:
        text = codecs.decode(content, "utf-8-sig")
    except UnicodeDecodeError:
        text = _decode_cp1252(path, content)
        warn(f"{path}: {NOT_UTF8_NOTICE}")
    fields, text = split_front_matter(text)
    if not text.strip():
        raise DedupError(f"{path}: empty file, no article text")
    stem = os.path.splitext(os.path.basename(path))[0]
    problem = id_problem(path, stem)  # the file name is the id
    if problem is not None:
        raise DedupError(f"{problem}; rename the file")
    if not fields.get("published"):
        fields = {**fields, "published": stamped_date(text)}
    yield Article(id=stem, text=text, origin=path, **fields)


def _decode_cp1252(path: str, content: bytes) -> str:
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError as error:
        raise DedupError(_not_text_message(path, content[error.start], error.start)) from None


# --- encodings --------------------------------------------------------------------------------


def _check_not_binary(path: str, head: bytes) -> None:
    """Raise if the first bytes of a file show it is not UTF-8 or cp1252 text."""
    if b"\x00" not in head:
        return
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DedupError(f"{path}: UTF-16 text, not UTF-8; re-save the file as UTF-8")
    raise DedupError(f"{path}: binary file (NUL byte), not text")


def _not_text_message(path: str, byte: int, offset: int) -> str:
    return f"{path}: not UTF-8 or cp1252 text (byte 0x{byte:02x} at offset {offset})"


def sniff_encoding(path: str, warn: Callable[[str], None]) -> str:
    """Return the codec to open `path` with, scanning it in chunks so that memory stays flat.

    UTF-8 (with an optional BOM) when the whole file decodes as UTF-8, else cp1252 with a warning.
    """
    if _is_utf8(path):
        return "utf-8-sig"
    with open(path, "rb") as stream:
        offset = 0
        while chunk := stream.read(_SCAN_CHUNK_BYTES):
            if undefined := _UNDEFINED_IN_CP1252.search(chunk):
                at = undefined.start()
                raise DedupError(_not_text_message(path, chunk[at], offset + at))
            offset += len(chunk)
    warn(f"{path}: {NOT_UTF8_NOTICE}")
    return "cp1252"


def _is_utf8(path: str) -> bool:
    """Whether the whole file decodes as UTF-8, scanned in chunks so that memory stays flat;
    `DedupError` for a binary or UTF-16 file (`_check_not_binary`)."""
    with open(path, "rb") as stream:
        _check_not_binary(path, stream.read(_BINARY_PROBE_BYTES))
        stream.seek(0)
        utf8 = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := stream.read(_SCAN_CHUNK_BYTES):
                utf8.decode(chunk)
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def stdin_lines(stdin: TextIO | None, warn: Callable[[str], None]) -> Iterator[str]:
    """The lines of standard input (or of `stdin`), each decoded as UTF-8 or, failing that, as
    cp1252 with a warning, as files are; line ends are kept.

    Standard input is read as bytes, a line at a time, so that it streams: the encoding is
    decided line by line, and the first line read as cp1252 is named in the warning. A text
    stream with no bytes beneath it (`io.StringIO`) is read as it is.

    Raises
    ------
    DedupError
        When standard input is closed, or a line is in neither encoding.
    """
    stream = stdin if stdin is not None else sys.stdin
    if stream is None:  # started with descriptor 0 closed (`dedup cluster - <&-`)
        raise DedupError("<stdin>: standard input is closed; give a file or pipe JSON Lines in")
    binary = getattr(stream, "buffer", None)
    if binary is None:
        yield from stream
        return
    notice = "not UTF-8, read as cp1252 (as is any later line that is not UTF-8)"
    yield from _LineDecoder("<stdin>", warn, lambda number: f"<stdin>:{number}: {notice}").lines(binary)


def jsonl_file_lines(path: str, warn: Callable[[str], None]) -> Iterator[str]:
    """The lines of a JSON Lines file, decoded as UTF-8 when the whole file is (read in text mode,
    as any file); else each line as UTF-8 or, failing that, as cp1252, as standard input's are
    (`stdin_lines`): a file that gathers records in both encodings keeps its UTF-8 lines as they
    are instead of being decoded whole as cp1252. `warn` is told once, at the first line read as
    cp1252 (``path: not UTF-8, read as cp1252``); those files' lines keep their line ends (LF,
    CRLF, or a lone CR, at which a line ends as in text mode). A leading byte-order mark is dropped.

    Raises
    ------
    DedupError
        For a binary or UTF-16 file, and for a line in neither encoding (naming it).
    """
    if _is_utf8(path):
        with open(path, encoding="utf-8-sig") as stream:
            yield from stream
        return
    decoder = _LineDecoder(path, warn, lambda number: f"{path}: {NOT_UTF8_NOTICE}")
    with open(path, "rb") as stream:
        first = True
        for line in decoder.lines(stream):
            if first:
                line, first = line.removeprefix("\ufeff"), False
            yield line


class _LineDecoder:
    """Decodes lines of bytes one by one as UTF-8 or, failing that, as cp1252 (with `notice(line
    number)` warned at the first line read as cp1252), numbering them as text mode would: a lone
    CR ends a line too. `label` names the input in errors."""

    def __init__(self, label: str, warn: Callable[[str], None], notice: Callable[[int], str]) -> None:
        self._label, self._warn, self._notice = label, warn, notice
        self._fell_back = False
        self.number = 0

    def lines(self, raw_lines: Iterable[bytes]) -> Iterator[str]:
        """Each line of `raw_lines` (split again at a lone CR) decoded on its own."""
        for chunk in raw_lines:
            for raw in chunk.splitlines(keepends=True) if b"\r" in chunk else (chunk,):
                self.number += 1
                yield self._decoded(raw)

    def _decoded(self, raw: bytes) -> str:
        where = f"{self._label}:{self.number}"
        if b"\x00" in raw:  # JSON text holds no NUL: UTF-16 (said as for a file) or binary
            _check_not_binary(where, raw)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        if undefined := _UNDEFINED_IN_CP1252.search(raw):
            raise DedupError(_not_text_message(where, raw[undefined.start()], undefined.start()))
        if not self._fell_back:
            self._warn(self._notice(self.number))
            self._fell_back = True
        return raw.decode("cp1252")


# --- JSON Lines -------------------------------------------------------------------------------


def _read_jsonl_file(path: str, warn: Callable[[str], None]) -> Iterator[Article | Problem]:
    yield from _records_from_jsonl_lines(jsonl_file_lines(path, warn), path)


def _records_from_jsonl_lines(lines: Iterable[str], label: str, *, first_line: int = 1) -> Iterator[Article | Problem]:
    """Parse JSON Lines one line at a time; a bad line is a problem and the next line is still read."""
    for line_number, line in enumerate(lines, start=first_line):
        if line_number == 1:
            line = line.removeprefix("\ufeff")
        if not line.strip():
            continue
        origin = f"{label}:{line_number}"
        record = json_record(line, origin)
        if isinstance(record, str):
            yield Problem(record)
        else:
            # JSON spells a surrogate only as a \u escape; UTF-8 and cp1252 text decodes to none.
            yield article_from_record(record, origin, check_surrogates="\\u" in line)


def json_record(line: str, origin: str, *, expected: str = "an object") -> dict | str:
    """The JSON object on one line of a JSON Lines file, or a one-line message saying what is wrong."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        hint = " (a JSON array? expected one object per line)" if line.lstrip().startswith("[") else ""
        return f"{origin}: malformed JSON Lines record: {error.msg} (column {error.colno}){hint}"
    except (ValueError, RecursionError) as error:
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        return f"{origin}: malformed JSON Lines record: {reason}"
    if not isinstance(record, dict):
        kind = JSON_TYPE_NAMES.get(type(record), type(record).__name__)
        return f"{origin}: record is a JSON {kind}, not {expected}"
    return record


# --- CSV --------------------------------------------------------------------------------------


def _read_csv_file(path: str, delimiter: str, warn: Callable[[str], None]) -> Iterator[Article | Problem]:
    """Read a CSV/TSV file with a header row, one article per row; blank rows are skipped.

    Records as `csv_records` parses them: a record that cannot be parsed is a problem named by the
    line it starts on, and reading goes on from the line after it.
    """
    encoding = sniff_encoding(path, warn)
    with open(path, encoding=encoding, newline="") as stream:
        records = csv_records(stream, delimiter)
        header = next(records, None)
        if header is None:
            raise DedupError(f"{path}: empty file, no header row")
        if header.problem is not None:
            raise DedupError(f"{path}:1: malformed CSV header: {header.problem}")
        columns = [name.strip() for name in header.fields]
        column_of: dict[str, int] = {}
        for index, name in enumerate(columns):
            column_of.setdefault(name.lower(), index)
        for required in ("text", "id"):
            if required not in column_of:
                raise DedupError(_missing_column_message(path, required, columns, delimiter))
        for record in records:
            origin = f"{path}:{record.line}"
            if record.problem is not None:
                yield Problem(f"{origin}: malformed CSV record: {record.problem}")
            elif not any(cell.strip() for cell in record.fields):
                continue
            elif len(record.fields) != len(columns):
                n_fields = len(record.fields)
                yield Problem(f"{origin}: malformed CSV record: row has {n_fields} fields, header has {len(columns)}")
            else:
                yield article_from_record({field: record.fields[index] for field, index in column_of.items()}, origin)


class CsvRecord(NamedTuple):
    """One record of a CSV stream (`csv_records`): the line it starts on, its fields, its lines as
    they were in the file, and what is wrong with it (None for a record parsed whole)."""

    line: int
    fields: list[str]
    text: str
    problem: str | None


def csv_records(stream: TextIO, delimiter: str) -> Iterator[CsvRecord]:
    """The records of a CSV stream (opened with ``newline=""``), the header first: how the readers
    parse CSV, and how ``--kept`` finds the lines of the records they read.

    A record that cannot be parsed, and a quoted field left open (it runs to the end of the file,
    or over `_CSV_RECORD_LINE_BUDGET` lines), comes with its problem and no fields; reading then
    goes on from the line after the one it starts on, so that the rows a stray quote would swallow
    are kept. Parsing is strict: a quoted field must end at a delimiter or a line end, so that a
    stray quote closed by the next record's opening quote (``b,"oops`` then ``c,"text...``) is found
    at b's line rather than turning the rest of c's lines into records of their own.
    """
    lines = _CsvLines(stream)
    rows = csv.reader(lines, delimiter=delimiter, strict=True)
    while True:
        lines.start_record()
        try:
            row = next(rows)
            problem = _runaway_reason(lines) if lines.ran_out else None
        except StopIteration:
            return
        except _RunawayRecord:
            problem = _runaway_reason(lines)
        except csv.Error as error:  # strict: also a quote closed mid-field, as a stray quote is
            problem = _runaway_reason(lines) if lines.ran_out else str(error)
        if problem is not None:
            yield CsvRecord(lines.record_start, [], "", problem)
            lines.reread_after_record_start()
            rows = csv.reader(lines, delimiter=delimiter, strict=True)
            continue
        yield CsvRecord(lines.record_start, row, "".join(line for _, line in lines.record_lines), None)


# A CSV record over this many lines is taken as a quoted field left open. News articles in the
# evaluation sets (ecbplus, duc2004, meter) run to at most 138 lines; 1,000 leaves a wide margin.
_CSV_RECORD_LINE_BUDGET = 1000


class _RunawayRecord(Exception):
    """Raised by `_CsvLines` inside the csv parser when a record passes the line budget."""


class _CsvLines:
    """The lines of a CSV stream as the csv parser takes them, numbered, with the lines of the record
    being parsed kept so that, when it turns out bad, reading can start again on its second line."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._pending: list[tuple[int, str]] = []  # lines to read again, in reverse order
        self.last_line = 0
        self.record_start = 1
        self.record_lines: list[tuple[int, str]] = []
        self.ran_out = False

    def __iter__(self) -> _CsvLines:
        return self

    def __next__(self) -> str:
        if len(self.record_lines) >= _CSV_RECORD_LINE_BUDGET:
            raise _RunawayRecord
        if self._pending:
            number, line = self._pending.pop()
        else:
            line = self._stream.readline()
            if not line:
                self.ran_out = True  # the parser asked for more: a quoted field was still open
                raise StopIteration
            number = self.last_line + 1
        self.last_line = number
        self.record_lines.append((number, line))
        return line

    def start_record(self) -> None:
        """Mark the next line handed out as the start of a record."""
        self.record_lines = []
        self.ran_out = False
        self.record_start = self._pending[-1][0] if self._pending else self.last_line + 1

    def reread_after_record_start(self) -> None:
        """Hand out again, next, every line of the current record but its first."""
        self._pending.extend(reversed(self.record_lines[1:]))
        self.record_lines = []


def _runaway_reason(lines: _CsvLines) -> str:
    if lines.ran_out:
        return "a quoted field opened here is never closed (it runs to the end of the file)"
    return f"a quoted field opened here is still open after {_CSV_RECORD_LINE_BUDGET} lines (a stray quote mark?)"


def _missing_column_message(path: str, column: str, columns: list[str], delimiter: str) -> str:
    msg = f"{path}: no '{column}' column (columns: {', '.join(columns)})"
    if len(columns) == 1:
        for other in (";", "\t", ",", "|"):
            if other != delimiter and other in columns[0]:
                return f"{msg}; is the delimiter {other!r}?"
    return msg


# --- records ----------------------------------------------------------------------------------
