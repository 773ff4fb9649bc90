"""Stage 1 of flagging: what candidate search needs of a set of documents, without holding them.

Each article is prepared once; kept are its passage signatures (MinHash of word shingles over
windows of words, the copy grain) and its content stems (for the TF-IDF space of the story grain).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dedup.flag.config import FlagConfig
from dedup.minhash import MinHasher
from dedup.model import Article
from dedup.progress import PREPARE, Progress, no_progress
from dedup.shingles import shingle_hashes
from dedup.text import TextCache, prepare

# Documents whose passage signatures are computed at once (bounds the shingle arrays in memory).
_SIGNATURE_CHUNK = 2_000


@dataclass(frozen=True)
class Features:
    """What candidate search needs of a set of documents, without holding the documents.

    `passage_signatures` has one row per passage, `passage_owner` the document of each row;
    `stems` each document's content stems (interned strings), for the TF-IDF space.
    """

    passage_signatures: np.ndarray
    passage_owner: np.ndarray
    stems: list[tuple[str, ...]]


def document_features(
    articles: Sequence[Article],
    config: FlagConfig,
    *,
    stride: int,
    seed: int,
    progress: Progress = no_progress,
    cache: TextCache | None = None,
) -> Features:
    """Prepare each article once and keep only its passage signatures and content stems.

    Passages are windows of `config.passage_words` words every `stride` words (the last window
    ends with the text), so a copied passage is found inside a longer text. `cache` is the run's
    `TextCache` (else the call makes one for its articles).
    """
    cache = TextCache() if cache is None else cache
    hasher = MinHasher(num_perm=config.passage_bands * config.passage_rows, seed=seed)
    interned: dict[str, str] = {}
    signatures, owners, stems = [], [], []
    windows: list[np.ndarray] = []
    window_owner: list[int] = []
    for index, article in enumerate(articles):
        document = prepare(article, cache=cache)
        tokens = [w for s in document.sentences for w in s.words]
        stems.append(tuple(interned.setdefault(t, t) for s in document.sentences for t in s.stems))
        if tokens:
            hashes = shingle_hashes(tokens, config.shingle_size)
            span = max(1, config.passage_words - config.shingle_size + 1)
            for start in window_starts(len(hashes), span, stride):
                windows.append(hashes[start : start + span])
                window_owner.append(index)
        if (index + 1) % _SIGNATURE_CHUNK == 0:
            _flush_signatures(hasher, windows, window_owner, signatures, owners)
        progress(PREPARE, 1)
    _flush_signatures(hasher, windows, window_owner, signatures, owners)
    num_perm = config.passage_bands * config.passage_rows
    return Features(
        np.concatenate(signatures) if signatures else np.zeros((0, num_perm), dtype=np.uint32),
        np.concatenate(owners) if owners else np.zeros(0, dtype=np.int64),
        stems,
    )


def _flush_signatures(hasher, windows, window_owner, signatures, owners) -> None:
    if windows:
        signatures.append(hasher.signatures(windows))
        owners.append(np.asarray(window_owner, dtype=np.int64))
    windows.clear()
    window_owner.clear()


def window_starts(length: int, width: int, stride: int) -> list[int]:
    """Start positions of windows of `width` over `length` items, every `stride`, the last ending at the end."""
    if length <= width:
        return [0]
    starts = list(range(0, length - width + 1, stride))
    if starts[-1] != length - width:
        starts.append(length - width)
    return starts
