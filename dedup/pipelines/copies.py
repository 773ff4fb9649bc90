"""The copy level: copy groups of a stream of articles, fast and in bounded memory, without sentences.

The story level (`dedup.pipelines.cluster`) prepares every article into sentences and aligns candidate
pairs sentence by sentence, which is what finds rewrites and explains every relation; it costs
about 1 ms an article and holds the whole batch. The copy level answers the narrower question a
corpus builder asks of millions of articles, which articles are copies (duplicates and
near-duplicates) of which, with the stages the hand-written datasketch pipeline has, each done in
bulk:

- sketch, per chunk of articles and in the engine's workers (`dedup.stages.sketch.sketch_texts`):
  word hashes in numpy (`dedup.wordhash`), word 5-gram shingles, MinHash signatures
  (`MinHasher.signatures_flat`), a fingerprint of the word sequence, and term counts hashed into
  2**22 columns;
- candidates: LSH banding of all signatures;
- verify: TF-IDF cosine of the candidate pairs (`dedup.score.batch_tfidf`: IDF over the batch;
  `dedup.score.row_dots`);
- group: connected components of the verified pairs, made into copy groups by the story level's
  builder (`dedup.group.group_shapes`), and each member's relation to its canonical article.

Articles are read as a stream and dropped once sketched; what is kept per article is its
signature (512 bytes), its term counts (8 bytes a distinct word), its id, date, source, length,
title, url and first twelve words (for the output).
Rewrites are not found at this level: a rewrite shares too few 5-grams to become a candidate.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from dedup.arrays import pair_codes
from dedup.config import CopyLevelConfig, DedupConfig
from dedup.dates import published_moment, published_problem
from dedup.engine import Engine
from dedup.engine.local import LocalEngine
from dedup.errors import DedupError
from dedup.group import components, group_shapes
from dedup.io.readers import ArticleGate, RecordBatch
from dedup.minhash import lsh_candidate_pairs
from dedup.model import Article, ClusterResult, CopyGroup, opening_words
from dedup.progress import CANDIDATES, READ, SCORE, Progress
from dedup.score import batch_tfidf, row_dots
from dedup.stages.group import group_member
from dedup.stages.sketch import TextSketches, sketch_texts
from dedup.version import __version__


class ArticleFacts(NamedTuple):
    """What the copy level keeps of an article besides its sketch: what the gate and the
    canonical rule (`dedup.group.choose_canonical`) read, and what the output echoes (title, url,
    the opening words). A tuple, cheap to send between processes."""

    id: str
    origin: str
    source: str | None
    published: str | None
    length: int
    title: str | None
    url: str | None
    opening: str


def _parse_and_sketch(level: CopyLevelConfig, seed: int, batch: RecordBatch) -> tuple[list, TextSketches]:
    """In a worker: a batch's items in input order (`ArticleFacts` for articles, the readers'
    problems as they are) and the sketches of its articles' texts."""
    items = batch.parse()
    texts = [item.text for item in items if isinstance(item, Article)]
    facts = [
        ArticleFacts(
            item.id,
            item.origin or item.id,
            item.source,
            item.published,
            len(item.text),
            item.title,
            item.url,
            opening_words(item.text),
        )
        if isinstance(item, Article)
        else item
        for item in items
    ]
    return facts, sketch_texts(texts, level, seed)


def _sketch_rows(sketch: TextSketches, rows: list[int]) -> TextSketches:
    return TextSketches(sketch.signatures[rows], sketch.shingles[rows], sketch.fingerprints[rows], sketch.counts[rows])


def article_batches(articles: Iterable[Article], size: int) -> Iterator[RecordBatch]:
    """`articles` in batches of `size`, as `run_copies` takes them; anything else is an error."""
    batch: list[Article] = []
    for article in articles:
        if not isinstance(article, Article):
            raise DedupError(f"cluster_copies() takes Article objects, got {type(article).__name__}")
        batch.append(article)
        if len(batch) == size:
            yield RecordBatch("articles", items=tuple(batch))
            batch = []
    if batch:
        yield RecordBatch("articles", items=tuple(batch))


def run_copies(
    batches: Iterable[RecordBatch],
    gate: ArticleGate,
    config: DedupConfig,
    progress: Progress,
    *,
    engine: Engine | None = None,
) -> ClusterResult:
    """Copy groups of the articles in `batches`, parsed and sketched by `engine` (default: a
    `LocalEngine`) as a stream: every admitted article in exactly one group, each group's canonical article chosen
    as at the story level, a story per group. `gate` applies the readers' rules (unique ids,
    problems raised or skipped) to each batch's items in input order."""

    level = config.copies
    facts: list[ArticleFacts] = []
    sketches = []
    engine = LocalEngine() if engine is None else engine
    sketched = engine.map(_parse_and_sketch, batches, inputs=(level, config.seed))
    for items, sketch in sketched:
        kept, row = [], 0
        for item in items:
            if isinstance(item, ArticleFacts):
                if gate.admit_id(item.id, item.origin):  # raises on a repeated id unless skipping
                    kept.append(row)
                    facts.append(item)
                row += 1
            else:
                gate.admit(item)  # a problem: raised, or reported and skipped
        sketches.append(sketch if len(kept) == row else _sketch_rows(sketch, kept))
        progress(READ, len(kept))
    count = len(facts)
    if count == 0:
        return ClusterResult((), (), config.as_dict(), __version__)
    signatures = np.concatenate([s.signatures for s in sketches])
    shingle_counts = np.concatenate([s.shingles for s in sketches])
    fingerprints = np.concatenate([s.fingerprints for s in sketches])
    counts = _stacked_counts(sketches)  # empties `sketches`
    vectors = batch_tfidf(counts, in_place=True)

    candidates = lsh_candidate_pairs(
        signatures, bands=level.bands, rows=level.rows, max_bucket=config.candidates.max_bucket
    )
    progress(CANDIDATES, len(candidates))
    cosines = row_dots(vectors, candidates[:, 0], candidates[:, 1])
    is_copy = cosines >= level.min_cosine
    copies = candidates[is_copy]
    progress(SCORE, len(candidates))
    component = components(count, copies)
    known = _KnownCosines(copies, cosines[is_copy], count)
    groups = _copy_groups(component, facts, signatures, shingle_counts, fingerprints, vectors, known)
    warnings = tuple(
        problem for item in facts if (problem := published_problem(item.published, item.origin)) is not None
    )
    return ClusterResult(tuple(groups), (), config.as_dict(), __version__, warnings)


def _stacked_counts(sketches: list[TextSketches]) -> sp.csr_matrix:
    """The term counts of all `sketches` as one CSR matrix. Empties `sketches`, and lets each
    part's arrays go once copied, so the peak is the result plus one kind of array of the parts,
    not twice the result."""
    shape = (sum(len(sketch.shingles) for sketch in sketches), sketches[0].counts.shape[1])
    row_lengths = [np.diff(sketch.counts.indptr) for sketch in sketches]
    index_parts = [sketch.counts.indices for sketch in sketches]
    data_parts = [sketch.counts.data for sketch in sketches]
    sketches.clear()
    indptr = np.concatenate([[0], np.cumsum(np.concatenate(row_lengths))])
    indices = np.concatenate(index_parts)
    del index_parts
    data = np.concatenate(data_parts)
    del data_parts
    return sp.csr_matrix((data, indices, indptr), shape=shape, copy=False)


class _KnownCosines:
    """Cosines already computed for some pairs (i < j), looked up in bulk by sorted pair codes."""

    def __init__(self, pairs: np.ndarray, cosines: np.ndarray, count: int) -> None:
        codes = pair_codes(pairs[:, 0], pairs[:, 1], count)
        order = np.argsort(codes)
        self.codes, self.cosines, self.count = codes[order], cosines[order], count

    def cosines_of(self, pairs: np.ndarray, vectors: sp.csr_matrix) -> np.ndarray:
        """The cosine of each pair (in any order): looked up when known, else computed."""
        codes = pair_codes(pairs[:, 0], pairs[:, 1], self.count)
        at = np.minimum(np.searchsorted(self.codes, codes), max(len(self.codes) - 1, 0))
        known = self.codes[at] == codes if len(self.codes) else np.zeros(len(codes), dtype=bool)
        result = np.empty(len(pairs), dtype=np.float32)
        result[known] = self.cosines[at[known]]
        unknown = pairs[~known]
        result[~known] = row_dots(vectors, unknown[:, 0], unknown[:, 1])
        return result


def _copy_groups(
    component: np.ndarray,
    facts: list[ArticleFacts],
    signatures: np.ndarray,
    shingle_counts: np.ndarray,
    fingerprints: np.ndarray,
    vectors: sp.csr_matrix,
    known: _KnownCosines,
) -> list[CopyGroup]:
    """Copy groups (`dedup.group.group_shapes`), each its own story, in the story level's output
    order; members in time order after the canonical article, with their cosine, estimated shared
    share and relation to it."""
    moments = [published_moment(article.published) for article in facts]
    shapes = group_shapes(component, facts, [article.length for article in facts], moments)
    pairs = np.array(
        [(member, shape.members[0]) for shape in shapes for member in shape.members[1:]], dtype=np.int64
    ).reshape(-1, 2)
    cosines = known.cosines_of(pairs, vectors).tolist()
    jaccards = (signatures[pairs[:, 0]] == signatures[pairs[:, 1]]).mean(axis=1) if len(pairs) else np.zeros(0)
    shared = _shared_share(jaccards, shingle_counts[pairs[:, 0]], shingle_counts[pairs[:, 1]]).tolist()
    identical = (fingerprints[pairs[:, 0]] == fingerprints[pairs[:, 1]]).tolist()
    groups = []
    k = 0
    for story, shape in enumerate(shapes):
        canonical, *others = shape.members
        entries = [group_member(facts[canonical], facts[canonical].opening, "canonical")]
        for member in others:
            relation = "duplicate" if identical[k] else "near-duplicate"
            entries.append(
                group_member(facts[member], facts[member].opening, relation, facts[canonical].id, cosines[k], shared[k])
            )
            k += 1
        groups.append(CopyGroup(story, 0, facts[canonical].id, shape.rule, tuple(entries)))
    return groups


def _shared_share(jaccard: np.ndarray, own: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Estimated share of a member's 5-grams found in the canonical article: the intersection
    ``J (|A| + |B|) / (1 + J)`` of two sets with Jaccard J, over the member's count, at most 1."""
    own = own.astype(np.float64)
    intersection = jaccard * (own + other) / (1.0 + jaccard)
    return np.minimum(1.0, intersection / np.maximum(own, 1.0))
