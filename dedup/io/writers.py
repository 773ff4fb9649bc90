"""Writers for the machine-readable outputs (JSON Lines and CSV, streamed record by record) and the
output files they go to: never one of the inputs, and there in full or not at all."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import secrets
import stat
from collections.abc import Iterable, Iterator, Sequence
from typing import TextIO

from dedup.errors import DedupError


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


def refuse_input_as_output(output: str, inputs: Iterable[str], option: str = "-o") -> None:
    """Raise `DedupError` when `output` (given as `option`) is the same file (or directory) as one
    of `inputs`, or an article file that an input directory holds.

    Paths are compared once resolved: a symbolic link, a relative path or a hard link to an input
    is that input. Under an input directory, an existing file that its walk reads (``.txt``,
    ``.md`` or ``.parquet``, not hidden) is an input too. ``-`` (standard input) is no
    file and is passed over.
    """
    for name in map(os.fspath, inputs):
        if name == "-":
            continue
        if same_path(output, name):
            shown = "" if name == output else f" ({name})"
            raise DedupError(f"{output}: the output is one of the inputs{shown}; give {option} another path")
        if _read_from_directory(output, name):
            msg = f"{output}: the output is a file read from the input directory {name}; give {option} another path"
            raise DedupError(msg)


def same_path(first: str, second: str) -> bool:
    """True when two paths name one file: resolved, as `refuse_input_as_output` compares them
    (by device and inode when both exist)."""
    try:
        return os.path.samefile(first, second)
    except OSError:  # one of them does not exist (yet)
        return os.path.realpath(first) == os.path.realpath(second)


def _read_from_directory(path: str, directory: str) -> bool:
    """True when `path` is an existing file that reading `directory` as an input would read."""
    from dedup.io.parquet import PARQUET_SUFFIX
    from dedup.io.records import TEXT_SUFFIXES

    if not os.path.isdir(directory) or not os.path.isfile(path):
        return False
    real_path, real_directory = os.path.realpath(path), os.path.realpath(directory)
    if os.path.commonpath([real_path, real_directory]) != real_directory:
        return False
    parts = os.path.relpath(real_path, real_directory).split(os.sep)
    suffix = os.path.splitext(real_path)[1].lower()
    if any(part.startswith(".") for part in parts):  # hidden: never read
        return False
    if suffix in TEXT_SUFFIXES:
        return True
    return suffix == PARQUET_SUFFIX and not any(part.startswith("_") for part in parts)  # as Spark skips _names


@contextlib.contextmanager
def open_output(path: str) -> Iterator[TextIO]:
    """Open `path` for writing UTF-8 text so that it appears only when complete.

    The text goes to a hidden file beside `path` (``.NAME.XXXXXXXX.partial``), renamed over `path`
    when the ``with`` block ends normally, and removed if it raises (an error part-way, a crash
    that Python sees, Ctrl-C): `path` is then left as it was. A file replaced keeps its permission
    bits; a new one gets the usual ones (0666 less the umask). A path that is a device or a pipe
    (``/dev/null``, a FIFO) is written directly, as there is no file to replace. A symbolic link
    is followed: the file it points to is replaced, not the link.

    Raises
    ------
    DedupError
        When `path` is a directory, its folder is missing, or it cannot be written.
    """
    target = os.path.realpath(path)
    status = output_status(path)
    if status is not None and not stat.S_ISREG(status.st_mode):
        with open(target, "w", encoding="utf-8", newline="") as stream:
            yield stream
        return
    folder, name = os.path.split(target)
    partial, descriptor = _create_partial(path, folder, name)
    try:
        with open(descriptor, "w", encoding="utf-8", newline="") as stream:
            yield stream
        if status is not None:
            os.chmod(partial, stat.S_IMODE(status.st_mode))
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(partial)
        raise


def output_status(path: str) -> os.stat_result | None:
    """What is at output `path` now (None when nothing is), once it is known that `open_output`
    can write there: commands call it when they start, so that a missing folder or a directory
    given as ``-o`` is said before any work (and before `check --add` changes the index).

    Raises
    ------
    DedupError
        When `path` is a directory, its folder is missing or not a folder, or the file or folder
        cannot be written.
    """
    target = os.path.realpath(path)
    try:
        status: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        status = None
    except OSError as error:
        raise DedupError(f"{path}: cannot write: {error.strerror or error}") from None
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise DedupError(f"{path}: is a directory, expected a file to write")
    if status is not None and stat.S_ISREG(status.st_mode) and not os.access(target, os.W_OK):
        raise DedupError(f"{path}: cannot write: Permission denied")
    if status is None or stat.S_ISREG(status.st_mode):
        folder = os.path.dirname(target)
        if not os.path.isdir(folder):
            raise DedupError(f"{path}: cannot write: No such file or directory ({folder} is not a folder)")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise DedupError(f"{path}: cannot write: Permission denied in {folder}")
    return status


def _create_partial(path: str, folder: str, name: str) -> tuple[str, int]:
    """A new hidden file beside the output, opened for writing: its path and descriptor."""
    while True:
        partial = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.partial")
        try:
            return partial, os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as error:
            raise DedupError(f"{path}: cannot write: {error.strerror or error}") from None
