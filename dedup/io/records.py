"""What every reader of articles shares: the record that becomes an `Article`, the problem a reader
steps over, and the walk that finds article files in a directory. The readers of text, JSON Lines
and CSV files (`dedup.io.readers`) and of Parquet (`dedup.io.parquet`) build on it, so neither
imports the other's private parts.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from dedup.dates import stamped_date
from dedup.errors import DedupError
from dedup.model import Article
from dedup.validate import id_problem, surrogate_problem

TEXT_SUFFIXES = (".txt", ".md")
"""File name endings of one-article text files, in a directory or named alone."""

OPTIONAL_FIELDS = ("title", "source", "published", "url")
"""Fields of a record, besides `id` and `text`, that an `Article` keeps."""


@dataclass(frozen=True)
class Problem:
    """A problem a reader found and stepped over; the caller decides whether it is fatal."""

    message: str


def guarded(path: str, items: Iterator[Article | Problem]) -> Iterator[Article | Problem]:
    """Pass `items` through, turning an error that ends a file into a problem naming that file."""
    try:
        yield from items
    except (DedupError, UnicodeDecodeError, OSError) as error:
        yield file_problem(path, error)


def file_problem(path: str, error: DedupError | UnicodeDecodeError | OSError) -> Problem:
    """The problem an error that ends the reading of `path` amounts to."""
    if isinstance(error, DedupError):
        return Problem(str(error))
    if isinstance(error, UnicodeDecodeError):
        return Problem(f"{path}: cannot decode: {error.reason} at byte {error.start}")
    return Problem(f"{path}: cannot read: {error.strerror or error}")


def article_files(directory: str, *, visited: set[str]) -> Iterator[str | Problem]:
    """Paths of article files (`TEXT_SUFFIXES`) under `directory`, depth first with entries sorted
    by name, and a problem, in its place, for each directory or entry that cannot be read (no
    permission, a symbolic link loop); the walk goes on past it (`walk_files`)."""
    return walk_files(directory, visited=visited, wanted=_is_article_file)


def _is_article_file(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in TEXT_SUFFIXES


def walk_files(
    directory: str,
    *,
    visited: set[str],
    wanted: Callable[[str], bool],
    hidden: tuple[str, ...] = (".",),
    order: Callable[[str], Any] = str,
) -> Iterator[str | Problem]:
    """Paths of the files under `directory` whose name `wanted` accepts, depth first, each
    directory's entries sorted by `order` of their names and those starting with one of `hidden`
    passed over, and a problem, in its place, for each directory or entry that cannot be read (no
    permission, a symbolic link loop, a link to nothing, or a wanted name that is no regular
    file: a pipe or a device); the walk goes on past it.

    `visited` holds resolved directories already walked, so that a symlink loop ends.
    """
    real = os.path.realpath(directory)
    if real in visited:
        return
    visited.add(real)
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: order(entry.name))
    except OSError as error:
        yield Problem(f"{directory}: cannot read directory: {error.strerror or error}")
        return
    for entry in entries:
        if entry.name.startswith(hidden):
            continue
        path = os.path.join(directory, entry.name)
        try:
            is_directory = entry.is_dir()
            is_file = not is_directory and entry.is_file()
        except OSError as error:  # e.g. ELOOP: a link to a link to itself
            yield Problem(f"{path}: cannot read: {error.strerror or error}")
            continue
        if is_directory:
            yield from walk_files(path, visited=visited, wanted=wanted, hidden=hidden, order=order)
        elif wanted(entry.name):
            if is_file:
                yield path
            elif entry.is_symlink() and not os.path.exists(path):
                yield Problem(f"{path}: cannot read: a symbolic link to nothing")
            else:  # a pipe, a socket, a device: named like an article, but no file to read
                yield Problem(f"{path}: cannot read: not a regular file")


def article_from_record(record: dict, origin: str, *, check_surrogates: bool = True) -> Article | Problem:
    """Validate one JSON Lines or CSV record and build its `Article`, or say what is wrong.

    A record without `published` whose text starts with a date stamp (``date 2024-12-22``,
    `dedup.dates.DATE_STAMP`) gets that date as `published`.

    `check_surrogates=False` skips looking for lone surrogates, for a record that cannot hold one.
    """
    article_id = record.get("id")
    if article_id is None:
        return Problem(f"{origin}: record has no 'id'")
    if isinstance(article_id, bool) or not isinstance(article_id, (str, int, float)):
        return Problem(f"{origin}: 'id' must be a string or number")
    if isinstance(article_id, float) and not math.isfinite(article_id):
        return Problem(f"{origin}: 'id' must be a string or number, not {article_id}")
    article_id = str(article_id)
    if not article_id.strip():
        return Problem(f"{origin}: empty 'id'")
    text = record.get("text")
    if text is None:
        return Problem(f"{origin}: record has no 'text'")
    if not isinstance(text, str):
        return Problem(f"{origin}: 'text' must be a string")
    if not text.strip():
        return Problem(f"{origin}: empty 'text'")
    for field in OPTIONAL_FIELDS:
        value = record.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int, float))):
            return Problem(f"{origin}: '{field}' must be a string or number, not {_kind_of(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            return Problem(f"{origin}: '{field}' must be a string or number, not {value}")
    optional = {field: _optional_value(record.get(field)) for field in OPTIONAL_FIELDS}
    if optional["published"] is None:
        optional["published"] = stamped_date(text)
    if check_surrogates:
        # JSON can spell a lone UTF-16 surrogate (\ud800), which no UTF-8 output can hold.
        problem = surrogate_problem(origin, [("id", article_id), ("text", text), *optional.items()])
        if problem is not None:
            return Problem(problem)
    problem = id_problem(origin, article_id)
    if problem is not None:
        return Problem(problem)
    return Article(id=article_id, text=text, origin=origin, **optional)


def _kind_of(value: object) -> str:
    """How a record's value is named in a problem: a JSON type (``a list``), else its Python type."""
    names = {bool: "true or false", list: "a list", dict: "an object"}
    return names.get(type(value), f"a {type(value).__name__}")


def _optional_value(value: object) -> str | None:
    """An optional field as stored: stripped text, None when absent or empty."""
    if value is None:
        return None
    text = (value if isinstance(value, str) else str(value)).strip()
    return text or None
