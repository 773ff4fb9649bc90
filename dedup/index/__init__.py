"""The archive: a persistent index of articles seen so far, and checks of new ones against it.

    with dedup.Index("wire.db") as index:
        index.add(read_articles(["monday-wire/"]), wire=True)
        for verdict in index.check(read_articles(["tuesday-papers/"])).verdicts:
            print(verdict.id, verdict.verdict, verdict.earliest)

An embedded SQLite database (`dedup.index.schema`), written a batch per transaction
(`dedup.index.store`), holding each article's sketch (`dedup.index.sketch`); checks are made
article by article (`dedup.index.check`) with the one relation judgement, `dedup.align.relate`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from dedup.config import CandidateConfig, DedupConfig
from dedup.errors import DedupError
from dedup.index.check import CheckConfig, CheckVerdict, check_article
from dedup.index.schema import SCHEMA_VERSION, open_index
from dedup.index.sketch import document_frequencies_with, lookup_keys, sketch_documents
from dedup.index.store import ArchivedArticle, IndexStats, Store
from dedup.model import Article, Document
from dedup.progress import PREPARE, SCORE, Progress, no_progress
from dedup.score import RatioCache
from dedup.text import TextCache, nothing_to_compare, prepare
from dedup.validate import checked_articles
from dedup.version import __version__

__all__ = ["AddResult", "CheckResult", "CheckVerdict", "Index", "IndexStats", "SCHEMA_VERSION"]

# Articles added in one transaction: large enough that a commit's fsync is amortised, small enough
# that a killed add loses little and that a batch's prepared documents stay small in memory.
BATCH_SIZE = 500


@dataclass(frozen=True)
class AddResult:
    """What `Index.add` did: articles added, and the ids skipped because the index had them.

    `changed` are the skipped ids whose text differs from the one kept under that id (archived, or
    earlier in the same add): a new text is not added over an old one, so a caller can say so.
    """

    added: int
    skipped: tuple[str, ...] = ()
    batches: int = 0
    changed: tuple[str, ...] = ()
    nothing_to_compare: tuple[str, ...] = ()
    """Added ids with no content word to compare (`dedup.text.NOTHING_TO_COMPARE`): archived,
    but no later article can match them by their words."""


@dataclass(frozen=True)
class CheckResult:
    """One `CheckVerdict` per checked article, in input order, with what the index held."""

    verdicts: tuple[CheckVerdict, ...]
    archived: int
    wire: int
    config: dict = field(default_factory=dict)
    version: str = ""


class Index:
    """A persistent archive of articles at `path` (an SQLite file, created when missing).

    Parameters
    ----------
    path : str
        The index file. A missing or empty file becomes a new index unless `create` is False.
    seed : int, optional
        MinHash seed of a new index (default 1). An existing index keeps the seed it was made
        with; giving another one is an error, since its signatures would not match.
    create : bool, default True
        Make a new index when there is none at `path`.
    batch_size : int, default 500
        Articles added per transaction.
    check_config : CheckConfig, optional
        Candidate limits of `check`.

    Raises
    ------
    DedupError
        When the file is not a dedup index, is damaged, has another schema version, or the seed
        differs from the index's.
    """

    def __init__(
        self,
        path: str,
        *,
        seed: int | None = None,
        create: bool = True,
        batch_size: int = BATCH_SIZE,
        check_config: CheckConfig | None = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise DedupError(f"batch_size must be a positive integer, got {batch_size!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 1 << 32):
            raise DedupError(f"seed must be an integer in [0, 2**32), got {seed!r}")
        self.path = str(path)
        self.batch_size = batch_size
        self.check_config = check_config or CheckConfig()
        self._store = Store(open_index(self.path, create=create), self.path)
        try:
            self.config = self._settle_settings(seed)
        except BaseException:
            self.close()
            raise

    def _settle_settings(self, seed: int | None) -> DedupConfig:
        settings = self._store.settings()
        if settings is None:
            config = DedupConfig(seed=1 if seed is None else seed)
            with self._store.transaction():
                self._store.save_settings({"seed": config.seed, "candidates": config.as_dict()["candidates"]})
            settings = self._store.settings() or {}
        stored_seed = int(settings.get("seed", 1))
        if seed is not None and seed != stored_seed:
            raise DedupError(f"{self.path}: the index was made with seed {stored_seed}, not {seed}")
        try:
            candidates = CandidateConfig(**settings.get("candidates", {}))
        except (TypeError, ValueError) as error:
            raise DedupError(f"{self.path}: damaged index (settings: {error})") from None
        return DedupConfig(seed=stored_seed, candidates=candidates)

    # --- context management ----------------------------------------------------------------
    def close(self) -> None:
        """Close the database connection; the index stays on disk."""
        self._store.connection.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- adding ------------------------------------------------------------------------------
    def add(self, articles: Iterable[Article], *, wire: bool = False, progress: Progress = no_progress) -> AddResult:
        """Add articles to the index, streamed, `batch_size` to a transaction.

        Call it as articles arrive (a day's wire with ``wire=True``; the papers after checking
        them). An article whose id the index already holds (or that came earlier in `articles`)
        is skipped and named in the result, and among the `changed` ids when its text differs from
        the kept one (`remove` the id first to replace its text). Each batch is committed on its
        own, so an add that is interrupted keeps every batch committed before.

        Returns
        -------
        AddResult
            How many were added and which ids were skipped.
        """
        added, batches = 0, 0
        skipped: list[str] = []
        changed: list[str] = []
        wordless: list[str] = []
        cache = TextCache()  # this call's: its batches' repeated sentences are tokenised once
        for batch in _batches(checked_articles(articles, "article"), self.batch_size):
            fresh, already, other_text = self._add_batch(batch, wire, progress, cache)
            added += len(fresh)
            skipped += already
            changed += other_text
            wordless += [document.id for document in fresh if nothing_to_compare(document.sentences)]
            batches += 1
        return AddResult(added, tuple(skipped), batches, tuple(changed), tuple(wordless))

    def _add_batch(
        self, batch: Sequence[Article], wire: bool, progress: Progress, cache: TextCache
    ) -> tuple[list[Document], list[str], list[str]]:
        documents = []
        for article in batch:
            documents.append(prepare(article, cache=cache))
            progress(PREPARE, 1)
        store = self._store
        with store.transaction():
            kept_text = store.texts_of([article.id for article in batch])
            fresh, skipped, changed = [], [], []
            for document in documents:
                if document.id in kept_text:
                    skipped.append(document.id)
                    if kept_text[document.id] != document.article.text:
                        changed.append(document.id)
                else:
                    kept_text[document.id] = document.article.text
                    fresh.append(document)
            terms = sorted({stem for document in fresh for sentence in document.sentences for stem in sentence.stems})
            frequencies = document_frequencies_with(store.frequencies(terms), store.document_count(), fresh)
            sketches = sketch_documents(fresh, frequencies, self.config.candidates, self.config.seed, archived=True)
            store.insert(sketches, wire=wire, added_at=time.time())
        return fresh, skipped, changed

    # --- checking ------------------------------------------------------------------------------
    def check(self, articles: Iterable[Article], *, progress: Progress = no_progress) -> CheckResult:
        """Check each article against the index, on its own: what it copies or rewrites, its
        earliest archived source, its story's versions and its derivation from archived wire copy.

        Nothing is added (call `add` after, to keep them). Word weights are the index's, so the
        verdict on an article does not depend on what else is checked with it.
        """
        has_wire = self._store.wire_count() > 0
        cache, ratios = TextCache(), RatioCache()  # this call's, shared by its articles
        verdicts = []
        for article in checked_articles(articles, "article"):
            progress(PREPARE, 1)
            with self._store.snapshot():
                verdicts.append(
                    check_article(
                        self._store,
                        article,
                        self.config,
                        self.check_config,
                        has_wire=has_wire,
                        cache=cache,
                        ratios=ratios,
                    )
                )
            progress(SCORE, 1)
        return CheckResult(
            tuple(verdicts),
            self._store.document_count(),
            self._store.wire_count(),
            self.config.as_dict(),
            __version__,
        )

    # --- removing ------------------------------------------------------------------------------
    def remove(self, ids: Iterable[str]) -> tuple[str, ...]:
        """Remove the articles with these ids; returns the ids that were not in the index."""
        ids = list(dict.fromkeys(ids))
        rows = self._store.rows_of(ids)
        self._remove_rows(list(rows.values()))
        return tuple(article_id for article_id in ids if article_id not in rows)

    def prune(self, older_than: timedelta, *, by: str = "published", now: float | None = None) -> int:
        """Remove articles published (``by="published"``; an undated one by when it was added) or
        added (``by="added"``) more than `older_than` before `now` (default: the current time).
        Returns how many were removed."""
        if by not in ("published", "added"):
            raise DedupError(f"prune: by must be 'published' or 'added', got {by!r}")
        cutoff = (time.time() if now is None else now) - older_than.total_seconds()
        rows = self._store.rows_before(cutoff, by=by)
        self._remove_rows(rows)
        return len(rows)

    def _remove_rows(self, rows: Sequence[int]) -> None:
        store, candidates = self._store, self.config.candidates
        for start in range(0, len(rows), self.batch_size):
            with store.transaction():
                archived = store.load(rows[start : start + self.batch_size], with_text=False)
                if not archived:
                    continue
                keys = _keys_of(archived, candidates, self.config.seed)
                store.delete(archived, keys)

    def stats(self) -> IndexStats:
        """What the index holds: counts, sources, time range, size on disk, settings."""
        return self._store.stats()


def _keys_of(archived: Sequence[ArchivedArticle], candidates: CandidateConfig, seed: int) -> list[np.ndarray]:
    """The band keys each archived article was stored under, recomputed from its signatures."""
    copy = np.stack([item.copy_signature for item in archived])
    story = np.stack([item.story_signature for item in archived])
    return lookup_keys(copy, story, candidates, seed)


def _batches(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    batch: list[Article] = []
    for article in articles:
        batch.append(article)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
