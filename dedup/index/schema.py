"""The archive's SQLite schema: tables, version, and opening a file that must be a dedup index.

One SQLite database in WAL mode, so that readers (``dedup check``) go on while one writer
(``dedup index add``) commits batch after batch, and a process killed mid-batch leaves the last
committed batch readable. Everything is plain columns and numpy arrays stored as bytes: nothing is
pickled, so a file from elsewhere can be read, never executed.

A dedup index is marked by `APPLICATION_ID` (``PRAGMA application_id``) and carries its layout's
version in ``PRAGMA user_version`` (`SCHEMA_VERSION`); any other file is refused with one line.
"""

from __future__ import annotations

import os
import sqlite3

from dedup.errors import DedupError

SCHEMA_VERSION = 1
"""Layout of the tables below; a file with another version is refused, never migrated silently."""

APPLICATION_ID = 0x44444958  # "DDIX"
"""Marks an SQLite file as a dedup index (``PRAGMA application_id``)."""

_SQLITE_HEADER = b"SQLite format 3\x00"

# Page cache of a connection, KiB.
CACHE_KIB = 65_536

# Milliseconds a connection waits for another process's write lock before giving up.
BUSY_TIMEOUT_MS = 60_000

DDL = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE articles (
    row INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    title TEXT,
    source TEXT,
    published TEXT,
    url TEXT,
    origin TEXT NOT NULL DEFAULT '',
    published_at REAL,
    added_at REAL NOT NULL,
    wire INTEGER NOT NULL DEFAULT 0,
    copy_signature BLOB NOT NULL,
    story_signature BLOB NOT NULL,
    terms TEXT NOT NULL,
    counts BLOB NOT NULL
);
CREATE INDEX articles_published ON articles (published_at);
CREATE INDEX articles_added ON articles (added_at);
CREATE TABLE bands (
    key INTEGER NOT NULL,
    row INTEGER NOT NULL,
    PRIMARY KEY (key, row)
) WITHOUT ROWID;
CREATE TABLE terms (
    term TEXT PRIMARY KEY,
    df INTEGER NOT NULL
) WITHOUT ROWID;
"""
"""`articles`: one row per archived article: its fields as read, `published_at` (Unix seconds,
NULL when undated), `added_at`, `wire` (1 for wire copy), both MinHash signatures (uint32 bytes),
its distinct content stems (space separated, sorted) and their counts (uint32 bytes).
`bands`: one row per LSH band of either signature (`dedup.index.sketch.band_keys`), for lookups.
`terms`: how many archived articles hold each stem, the index's word weights."""


def open_index(path: str, *, create: bool, readonly: bool = False) -> sqlite3.Connection:
    """A connection to the dedup index at `path`, in WAL mode, checked to be one of this version.

    With `create`, a missing (or empty) file becomes a new, empty index. Raises `DedupError` with
    one line for a missing index (without `create`), a file that is not SQLite, an SQLite file that
    is not a dedup index, a damaged one, or one of another schema version.
    """
    exists = os.path.exists(path)
    if exists and os.path.isdir(path):
        raise DedupError(f"{path}: is a directory, not a dedup index")
    empty = not exists or os.path.getsize(path) == 0
    if empty and not create:
        raise DedupError(f"{path}: no index here (make one with `dedup index add --index {path} INPUT...`)")
    if not empty:
        _check_header(path)
    try:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as error:
        raise DedupError(f"{path}: cannot open the index: {error}") from None
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if empty:
            _create(connection)
        else:
            _validate(connection, path)
        if not readonly:
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise DedupError(f"{path}: the index cannot be put in WAL mode (journal mode {mode})")
        # NORMAL in WAL mode: a committed batch survives a killed process; only a power cut can
        # lose the last commits, never corrupt the file.
        connection.execute("PRAGMA synchronous = NORMAL")
        # 64 MiB of page cache (SQLite's default is 2 MiB): the band keys land at random places of
        # their B-tree, and adding 1,000 articles to an index of 100k took 13.7 s with the default
        # and 8.2 s with 128 MiB on a loaded 2-core machine.
        connection.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        connection.execute("PRAGMA foreign_keys = OFF")
    except sqlite3.DatabaseError as error:
        connection.close()
        if is_write_refused(error):
            raise write_refused(path, error) from None
        raise DedupError(f"{path}: damaged index ({error})") from None
    except DedupError:
        connection.close()
        raise
    return connection


def is_write_refused(error: sqlite3.Error) -> bool:
    """True when SQLite could not write because the index file, or the folder where it keeps the
    index's -wal and -shm files, is read-only to this process."""
    name = getattr(error, "sqlite_errorname", "") or ""
    return name.startswith("SQLITE_READONLY") or "readonly" in str(error)


def write_refused(path: str, error: sqlite3.Error) -> DedupError:
    """The one-line error for an index this process may not write (`is_write_refused`)."""
    return DedupError(
        f"{path}: cannot write to the index ({error}): dedup needs write access to the index file "
        "and to its folder, where SQLite keeps the index's -wal and -shm files"
    )


def _check_header(path: str) -> None:
    try:
        with open(path, "rb") as file:
            head = file.read(len(_SQLITE_HEADER))
    except OSError as error:
        raise DedupError(f"{path}: cannot read the index: {error.strerror or error}") from None
    if head != _SQLITE_HEADER:
        raise DedupError(f"{path}: not a dedup index (not an SQLite database)")


def _create(connection: sqlite3.Connection) -> None:
    connection.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have created it since we looked.
        if connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID:
            connection.execute("ROLLBACK")
            return
        for statement in DDL.split(";"):
            if statement.strip():
                connection.execute(statement)
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def _validate(connection: sqlite3.Connection, path: str) -> None:
    application = connection.execute("PRAGMA application_id").fetchone()[0]
    if application != APPLICATION_ID:
        raise DedupError(f"{path}: not a dedup index (an SQLite database of another application)")
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version != SCHEMA_VERSION:
        newer = "newer" if version > SCHEMA_VERSION else "older"
        msg = f"{path}: index schema version {version} is {newer} than this dedup's ({SCHEMA_VERSION}); " + (
            "upgrade dedup to read it" if version > SCHEMA_VERSION else "rebuild the index with `dedup index add`"
        )
        raise DedupError(msg)
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = {"meta", "articles", "bands", "terms"} - tables
    if missing:
        raise DedupError(f"{path}: damaged index (missing tables: {', '.join(sorted(missing))})")
