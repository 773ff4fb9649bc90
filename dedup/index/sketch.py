"""What the archive keeps of each article to find and weigh it later, computed a batch at a time.

Per article: its MinHash signature at the copy grain (word shingles) and at the story grain (its
most distinctive stems), each signature's LSH band keys (the lookup keys of the `bands` table),
and its content stems with their counts (for the TF-IDF cosine in the index's word weights).
The signatures are those of the cluster pipeline (`dedup.stages.sketch.copy_signatures`,
`story_signatures`), so a pair the batch run would propose is proposed here too.

Story terms are chosen by word weight: for an archived article among all its stems, for a checked
one among the stems the index holds (`sketch_documents`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from dedup.config import CandidateConfig
from dedup.dates import published_moment
from dedup.minhash import MinHasher, band_keys
from dedup.model import Article, Document, stems_document
from dedup.score import DocumentFrequencies, DocumentSpace
from dedup.stages.sketch import copy_signatures, story_signatures

# Multiplier that spreads (grain, band) over the key space so that equal band values of different
# bands or grains never share a bucket.
_BAND_SALT = np.uint64(0xD6E8FEB86659FD93)
_COPY_GRAIN, _STORY_GRAIN = 1, 2


@dataclass(frozen=True)
class Sketch:
    """What the archive stores of one prepared article besides its fields (see `dedup.index.schema`)."""

    article: Article
    published_at: float | None
    copy_signature: np.ndarray
    story_signature: np.ndarray
    terms: tuple[str, ...]
    counts: np.ndarray
    keys: np.ndarray
    """int64 band keys of both grains; an empty signature (no shingle, no story term) has none."""


def term_counts(document: Document) -> tuple[tuple[str, ...], np.ndarray]:
    """The document's distinct content stems, sorted, and how often each occurs (uint32)."""
    stems = [stem for sentence in document.sentences for stem in sentence.stems]
    if not stems:
        return (), np.zeros(0, dtype=np.uint32)
    terms, counts = np.unique(np.array(stems, dtype=object), return_counts=True)
    return tuple(str(term) for term in terms), counts.astype(np.uint32)


def stand_in_document(article_id: str, terms: Sequence[str], counts: np.ndarray) -> Document:
    """A document holding only the stems `terms` `counts` times each: all `DocumentSpace` reads of a
    document, rebuilt from the archive without the text."""
    stems = tuple(term for term, count in zip(terms, counts.tolist()) for _ in range(count))
    return stems_document(stems, article_id)


def document_frequencies_with(
    archived: Mapping[str, int], n_archived: int, documents: Sequence[Document]
) -> DocumentFrequencies:
    """The index's document frequencies of the stems of `documents` as if they were added to it:
    `archived` (df in the index of at least those stems) plus the documents' own."""
    counts = dict(archived)
    for document in documents:
        for term in {stem for sentence in document.sentences for stem in sentence.stems}:
            counts[term] = counts.get(term, 0) + 1
    return DocumentFrequencies(counts, n_archived + len(documents))


def sketch_documents(
    documents: Sequence[Document],
    frequencies: DocumentFrequencies,
    config: CandidateConfig,
    seed: int,
    *,
    archived: bool,
) -> list[Sketch]:
    """The `Sketch` of each document, with word weights from `frequencies` (the index's).

    An `archived` document's story terms are its most distinctive stems, shared or not yet (a
    later article may share them); a checked one's are those the index holds (`frequencies`
    counting the document itself: at least 2), since only those can find an archived article.
    """
    if not documents:
        return []
    copy = copy_signatures(documents, config, seed)
    space = DocumentSpace(documents, frequencies=frequencies)
    story = story_signatures(space, config, seed, min_frequency=1 if archived else 2)
    keys = lookup_keys(copy, story, config, seed)
    sketches = []
    for k, document in enumerate(documents):
        terms, counts = term_counts(document)
        moment = published_moment(document.article.published)
        sketches.append(
            Sketch(
                document.article,
                None if moment is None else moment.timestamp(),
                copy[k],
                story[k],
                terms,
                counts,
                keys[k],
            )
        )
    return sketches


def lookup_keys(copy: np.ndarray, story: np.ndarray, config: CandidateConfig, seed: int) -> list[np.ndarray]:
    """Each document's band keys (int64) of both grains, salted by grain and band; none for a
    signature of nothing (fewer words than a shingle, or no story term), which would otherwise put
    every such document in one bucket."""
    copy_keys = _salted(band_keys(copy, bands=config.copy_bands, rows=config.copy_rows), _COPY_GRAIN)
    story_keys = _salted(band_keys(story, bands=config.story_bands, rows=config.story_rows), _STORY_GRAIN)
    copy_empty, story_empty = _empty_signatures(config, seed)
    result = []
    for k in range(len(copy)):
        parts = []
        if not np.array_equal(copy[k], copy_empty):
            parts.append(copy_keys[k])
        if not np.array_equal(story[k], story_empty):
            parts.append(story_keys[k])
        result.append(np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64))
    return result


def _salted(keys: np.ndarray, grain: int) -> np.ndarray:
    salt = (np.arange(keys.shape[1], dtype=np.uint64) + np.uint64(grain << 16)) * _BAND_SALT
    return (keys ^ salt[None, :]).view(np.int64)


# A memo of a constant function, not run state: the value depends on the arguments alone (a frozen
# config and a seed), and at most 8 are kept.
@lru_cache(maxsize=8)
def _empty_signatures(config: CandidateConfig, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The signatures of an empty set at each grain (all slots at the hash maximum)."""
    nothing = [np.zeros(0, dtype=np.uint32)]
    copy = MinHasher(num_perm=config.copy_bands * config.copy_rows, seed=seed).signatures(nothing)[0]
    story = MinHasher(num_perm=config.story_bands * config.story_rows, seed=seed).signatures(nothing)[0]
    return copy, story
