"""SQLite access for the archive: one transaction per batch, lookups, removal, pruning, statistics.

The store knows tables and rows, not what a relation is: `dedup.index.check` decides that. Every
write happens inside `transaction` (``BEGIN IMMEDIATE`` ... ``COMMIT``), so a batch is in the
index whole or not at all, and a process killed mid-batch leaves the batches before it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from dedup.errors import DedupError
from dedup.index.schema import SCHEMA_VERSION, is_write_refused, write_refused
from dedup.index.sketch import Sketch
from dedup.model import Article

# Values bound in one SQL statement (SQLite's default limit is 32766; older builds 999).
_SQL_CHUNK = 900

_ARTICLE_COLUMNS = (
    "row, id, text, title, source, published, url, origin, published_at, added_at, wire, "
    "copy_signature, story_signature, terms, counts"
)


@dataclass(frozen=True)
class ArchivedArticle:
    """An article as the archive holds it: its fields, when it was added, whether it is wire copy,
    its signatures and its stems with their counts."""

    row: int
    article: Article
    published_at: float | None
    added_at: float
    wire: bool
    copy_signature: np.ndarray
    story_signature: np.ndarray
    terms: tuple[str, ...]
    counts: np.ndarray


@dataclass(frozen=True)
class IndexStats:
    """What is inside an index (``dedup index stats``)."""

    path: str
    schema_version: int
    articles: int
    wire: int
    sources: tuple[tuple[str, int], ...]
    """(source, articles) for the sources with most articles, most first; undated sources as ``-``."""
    earliest_published: str | None
    latest_published: str | None
    undated: int
    first_added: float | None
    last_added: float | None
    terms: int
    bytes_on_disk: int
    settings: dict


class Store:
    """The tables of one open index (`dedup.index.schema.open_index` made the connection)."""

    def __init__(self, connection: sqlite3.Connection, path: str) -> None:
        self.connection = connection
        self.path = path

    # --- transactions and settings ---------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction: committed when the block ends, rolled back when it raises.

        SQLite's refusals to write (a read-only index file or folder, a full disk) are raised as
        `DedupError` naming the index, with nothing of the transaction kept."""
        try:
            self.connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise self._cannot_write(error) from None
        try:
            yield
        except BaseException as error:
            with contextlib.suppress(sqlite3.Error):
                self.connection.execute("ROLLBACK")
            if isinstance(error, sqlite3.OperationalError):
                raise self._cannot_write(error) from None
            raise
        try:
            self.connection.execute("COMMIT")
        except sqlite3.OperationalError as error:
            with contextlib.suppress(sqlite3.Error):
                self.connection.execute("ROLLBACK")
            raise self._cannot_write(error) from None

    def _cannot_write(self, error: sqlite3.OperationalError) -> DedupError:
        if is_write_refused(error):
            return write_refused(self.path, error)
        return DedupError(f"{self.path}: cannot write to the index ({error})")

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: every query in the block sees the index as one commit left it,
        even while another process adds."""
        self.connection.execute("BEGIN")
        try:
            yield
        finally:
            self.connection.execute("COMMIT")

    def settings(self) -> dict | None:
        """The settings the index was made with (seed, candidate parameters), or None for a new one."""
        row = self.connection.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
        if row is None:
            return None
        try:
            return json.loads(row[0])
        except ValueError:
            raise DedupError(f"{self.path}: damaged index (unreadable settings)") from None

    def save_settings(self, settings: dict) -> None:
        """Record the settings of a new index (inside a transaction)."""
        self.connection.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('settings', ?)", (json.dumps(settings, sort_keys=True),)
        )

    def document_count(self) -> int:
        """Articles in the index (kept in `meta`, updated in each batch's transaction)."""
        return self._counter("documents")

    def wire_count(self) -> int:
        """Archived articles marked as wire copy (kept in `meta` like `document_count`)."""
        return self._counter("wire")

    def _counter(self, key: str) -> int:
        row = self.connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return int(row[0]) if row else 0

    def _count(self, key: str, change: int) -> None:
        self.connection.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + ?",
            (key, str(change), change),
        )

    # --- reading ---------------------------------------------------------------------------
    def frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        """Archived articles holding each of `terms` (terms in none are left out)."""
        found: dict[str, int] = {}
        terms = list(terms)
        for start in range(0, len(terms), _SQL_CHUNK):
            chunk = terms[start : start + _SQL_CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(self.connection.execute(f"SELECT term, df FROM terms WHERE term IN ({marks})", chunk))
        return found

    def bucket_members(self, keys: np.ndarray, max_bucket: int) -> dict[int, int]:
        """Archived rows sharing a bucket with `keys`, with how many buckets each shares; a bucket of
        more than `max_bucket` articles is left out (a term or phrase every article has)."""
        shared: Counter = Counter()
        for key in keys.tolist():
            rows = self.connection.execute(
                "SELECT row FROM bands WHERE key = ? LIMIT ?", (key, max_bucket + 1)
            ).fetchall()
            if len(rows) <= max_bucket:
                shared.update(row[0] for row in rows)
        return dict(shared)

    def load(self, rows: Sequence[int], *, with_text: bool = True) -> list[ArchivedArticle]:
        """The archived articles of `rows`, in the order of `rows` (rows not found are left out)."""
        found: dict[int, ArchivedArticle] = {}
        columns = _ARTICLE_COLUMNS if with_text else _ARTICLE_COLUMNS.replace("text,", "'' AS text,")
        for start in range(0, len(rows), _SQL_CHUNK):
            chunk = list(rows[start : start + _SQL_CHUNK])
            marks = ",".join("?" * len(chunk))
            for record in self.connection.execute(f"SELECT {columns} FROM articles WHERE row IN ({marks})", chunk):
                found[record[0]] = _archived(record)
        return [found[row] for row in rows if row in found]

    def texts_of(self, ids: Sequence[str]) -> dict[str, str]:
        """Archived text of each of `ids` that is in the index."""
        return self._by_id("text", ids)

    def rows_of(self, ids: Sequence[str]) -> dict[str, int]:
        """Row of each of `ids` that is in the index."""
        return self._by_id("row", ids)

    def _by_id(self, column: str, ids: Sequence[str]) -> dict:
        """`column` (a name of this module's, never input) of each of `ids` that is in the index."""
        found: dict = {}
        for start in range(0, len(ids), _SQL_CHUNK):
            chunk = list(ids[start : start + _SQL_CHUNK])
            marks = ",".join("?" * len(chunk))
            found.update(self.connection.execute(f"SELECT id, {column} FROM articles WHERE id IN ({marks})", chunk))
        return found

    def rows_before(self, moment: float, *, by: str) -> list[int]:
        """Rows published (or, with `by` ``added``, added) before `moment` (Unix seconds); by
        ``published``, an undated article counts from when it was added."""
        if by == "added":
            sql = "SELECT row FROM articles WHERE added_at < ? ORDER BY row"
        else:
            sql = "SELECT row FROM articles WHERE COALESCE(published_at, added_at) < ? ORDER BY row"
        return [row[0] for row in self.connection.execute(sql, (moment,))]

    def wire_rows(self, rows: Sequence[int]) -> list[int]:
        """Those of `rows` that hold wire copy, in increasing order."""
        found: list[int] = []
        for start in range(0, len(rows), _SQL_CHUNK):
            chunk = list(rows[start : start + _SQL_CHUNK])
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT row FROM articles WHERE wire = 1 AND row IN ({marks}) ORDER BY row"
            found.extend(row[0] for row in self.connection.execute(sql, chunk))
        return sorted(found)

    # --- writing (inside `transaction`) ---------------------------------------------------------
    def insert(self, sketches: Sequence[Sketch], *, wire: bool, added_at: float) -> None:
        """Add the sketched articles, their band keys and their stems' frequencies."""
        cursor = self.connection.cursor()
        df: Counter = Counter()
        for sketch in sketches:
            article = sketch.article
            cursor.execute(
                "INSERT INTO articles (id, text, title, source, published, url, origin, published_at, added_at,"
                " wire, copy_signature, story_signature, terms, counts) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    article.id,
                    article.text,
                    article.title,
                    article.source,
                    article.published,
                    article.url,
                    article.origin,
                    sketch.published_at,
                    added_at,
                    int(wire),
                    sketch.copy_signature.astype("<u4").tobytes(),
                    sketch.story_signature.astype("<u4").tobytes(),
                    " ".join(sketch.terms),
                    sketch.counts.astype("<u4").tobytes(),
                ),
            )
            row = cursor.lastrowid
            cursor.executemany(
                "INSERT OR IGNORE INTO bands (key, row) VALUES (?, ?)", [(key, row) for key in sketch.keys.tolist()]
            )
            df.update(sketch.terms)
        cursor.executemany(
            "INSERT INTO terms (term, df) VALUES (?, ?) ON CONFLICT (term) DO UPDATE SET df = df + excluded.df",
            sorted(df.items()),
        )
        self._count("documents", len(sketches))
        if wire:
            self._count("wire", len(sketches))

    def delete(self, archived: Sequence[ArchivedArticle], keys: Sequence[np.ndarray]) -> None:
        """Remove the archived articles, their band keys (`keys`, one array each) and their share of
        the stems' frequencies."""
        cursor = self.connection.cursor()
        df: Counter = Counter()
        for item, item_keys in zip(archived, keys):
            cursor.executemany(
                "DELETE FROM bands WHERE key = ? AND row = ?", [(key, item.row) for key in item_keys.tolist()]
            )
            cursor.execute("DELETE FROM articles WHERE row = ?", (item.row,))
            df.update(item.terms)
        cursor.executemany("UPDATE terms SET df = df - ? WHERE term = ?", [(n, term) for term, n in sorted(df.items())])
        cursor.execute("DELETE FROM terms WHERE df <= 0")
        self._count("documents", -len(archived))
        self._count("wire", -sum(item.wire for item in archived))

    # --- statistics --------------------------------------------------------------------------
    def stats(self, *, top_sources: int = 10) -> IndexStats:
        """Counts, sources, time ranges and size on disk of the index."""
        query = self.connection.execute
        articles, wire, undated = query(
            "SELECT COUNT(*), COALESCE(SUM(wire), 0), COALESCE(SUM(published_at IS NULL), 0) FROM articles"
        ).fetchone()
        sources = tuple(
            (source or "-", count)
            for source, count in query(
                "SELECT source, COUNT(*) AS n FROM articles GROUP BY source ORDER BY n DESC, source LIMIT ?",
                (top_sources,),
            )
        )
        earliest = query(
            "SELECT published FROM articles WHERE published_at IS NOT NULL ORDER BY published_at, row LIMIT 1"
        ).fetchone()
        latest = query(
            "SELECT published FROM articles WHERE published_at IS NOT NULL ORDER BY published_at DESC, row LIMIT 1"
        ).fetchone()
        first_added, last_added = query("SELECT MIN(added_at), MAX(added_at) FROM articles").fetchone()
        terms = query("SELECT COUNT(*) FROM terms").fetchone()[0]
        size = sum(os.path.getsize(p) for p in (self.path, self.path + "-wal") if os.path.exists(p))
        return IndexStats(
            self.path,
            SCHEMA_VERSION,
            articles,
            wire,
            sources,
            earliest[0] if earliest else None,
            latest[0] if latest else None,
            undated,
            first_added,
            last_added,
            terms,
            size,
            self.settings() or {},
        )


def _archived(record: tuple) -> ArchivedArticle:
    (
        row,
        article_id,
        text,
        title,
        source,
        published,
        url,
        origin,
        published_at,
        added_at,
        wire,
        copy,
        story,
        terms,
        counts,
    ) = record
    return ArchivedArticle(
        row,
        Article(article_id, text, title, source, published, url, origin or ""),
        published_at,
        added_at,
        bool(wire),
        np.frombuffer(copy, dtype="<u4").astype(np.uint32),
        np.frombuffer(story, dtype="<u4").astype(np.uint32),
        tuple(terms.split()) if terms else (),
        np.frombuffer(counts, dtype="<u4").astype(np.uint32),
    )
