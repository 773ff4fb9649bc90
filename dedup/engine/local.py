"""The local engine: run the cluster pipeline in this process over a batch of articles.

Stages, each a function of the previous one's output: prepare (text) -> candidates (MinHash/LSH at
two grains) -> score (TF-IDF cosine, sentence alignment, relation) -> group (stories, copy groups).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from dedup.align import score_pair
from dedup.config import CandidateConfig, DedupConfig
from dedup.group import choose_canonical, copy_components, story_clusters, strongest_relation
from dedup.minhash import MinHasher, lsh_candidate_pairs
from dedup.model import COPY_RELATIONS, Article, ClusterResult, CopyGroup, Document, Member, ScoredPair
from dedup.score import DocumentSpace, SentenceSpace
from dedup.shingles import shingle_hashes, token_hash32
from dedup.text import prepare

Progress = Callable[[str, int], None]
"""Called as progress(stage, n_done_increment); the CLI turns it into a progress bar."""


def _no_progress(stage: str, advance: int) -> None:
    return None


def prepare_all(articles: Sequence[Article], progress: Progress = _no_progress) -> list[Document]:
    """Prepare every article (normalise, strip furniture, split sentences)."""
    documents = []
    for article in articles:
        documents.append(prepare(article))
        progress("prepare", 1)
    return documents


def story_terms(space: DocumentSpace, count: int) -> list[np.ndarray]:
    """Each document's `count` highest-weighted TF-IDF terms among those shared with another document.

    A term found in one document only cannot make a pair, and batch IDF ranks exactly those
    highest, so they are left out before ranking.
    """
    matrix = space.matrix
    shared = np.bincount(matrix.indices, minlength=matrix.shape[1]) >= 2
    terms = []
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        columns, weights = matrix.indices[start:end], matrix.data[start:end]
        keep = shared[columns]
        columns, weights = columns[keep], weights[keep]
        if len(columns) > count:
            order = np.lexsort((columns, -weights))[:count]
            columns = columns[order]
        terms.append(np.sort(columns))
    return terms


def candidate_pairs(
    documents: Sequence[Document], space: DocumentSpace, config: CandidateConfig, seed: int
) -> np.ndarray:
    """Pairs (i < j) that share an LSH bucket at the copy grain or at the story grain."""
    if len(documents) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    copy_hasher = MinHasher(num_perm=config.copy_bands * config.copy_rows, seed=seed)
    shingles = [shingle_hashes([w for s in doc.sentences for w in s.words], config.shingle_size) for doc in documents]
    copy_pairs = lsh_candidate_pairs(
        copy_hasher.signatures(shingles), bands=config.copy_bands, rows=config.copy_rows, max_bucket=config.max_bucket
    )
    vocabulary = space.vocabulary
    term_hashes = np.array([token_hash32(term) for term in vocabulary], dtype=np.uint32)
    story_hasher = MinHasher(num_perm=config.story_bands * config.story_rows, seed=seed)
    terms = [term_hashes[columns] for columns in story_terms(space, config.story_terms)]
    story_pairs = lsh_candidate_pairs(
        story_hasher.signatures(terms), bands=config.story_bands, rows=config.story_rows, max_bucket=config.max_bucket
    )
    pairs = np.concatenate([copy_pairs, story_pairs]).astype(np.int64).reshape(-1, 2)
    return np.unique(pairs, axis=0) if len(pairs) else pairs


def score_candidates(
    documents: Sequence[Document],
    pairs: np.ndarray,
    cosines: np.ndarray,
    sentence_space: SentenceSpace,
    config: DedupConfig,
    progress: Progress = _no_progress,
) -> list[ScoredPair]:
    """Alignment coverage and relation of every candidate pair; pairs below the alignment cosine
    are `unrelated` without being aligned."""
    scored = []
    for (a, b), cosine in zip(pairs.tolist(), cosines.tolist()):
        if cosine < config.relation.align_min_cosine:
            scored.append(ScoredPair(a, b, cosine, 0.0, 0.0, 0.0, 0.0, "unrelated"))
        else:
            pair, _ = score_pair(
                a, b, documents[a], documents[b], cosine, sentence_space,
                score_config=config.score, relation_config=config.relation,
            )
            scored.append(pair)
        progress("score", 1)
    return scored


def build_groups(
    documents: Sequence[Document],
    pairs: Sequence[ScoredPair],
    document_space: DocumentSpace,
    sentence_space: SentenceSpace,
    config: DedupConfig,
) -> list[CopyGroup]:
    """Story clusters, copy groups inside them, canonical articles and each member's relation to it."""
    count = len(documents)
    story = story_clusters(count, pairs, document_space.matrix, config.group)
    copy = copy_components(count, pairs, story)
    by_pair = {(p.a, p.b): p for p in pairs}
    copy_relations_of: dict[int, list[str]] = {}
    for p in pairs:
        if p.relation in COPY_RELATIONS and copy[p.a] == copy[p.b]:
            copy_relations_of.setdefault(p.a, []).append(p.relation)
            copy_relations_of.setdefault(p.b, []).append(p.relation)
    articles = [doc.article for doc in documents]
    lengths = [len(doc.body) for doc in documents]
    members_of: dict[int, list[int]] = {}
    for index in range(count):
        members_of.setdefault(copy[index], []).append(index)
    story_number: dict[int, int] = {}
    groups_by_story: dict[int, list[list[int]]] = {}
    for index in range(count):  # stories and groups numbered by first appearance in the input
        story_number.setdefault(story[index], len(story_number))
        if members_of[copy[index]][0] == index:
            groups_by_story.setdefault(story_number[story[index]], []).append(members_of[copy[index]])
    result = []
    for story_id in sorted(groups_by_story):
        for group_id, members in enumerate(groups_by_story[story_id]):
            canonical, rule = choose_canonical(members, articles, lengths)
            entries = [Member(articles[canonical].id, "canonical", 1.0, 1.0, 0.0)]
            for member in members:
                if member == canonical:
                    continue
                key = (min(member, canonical), max(member, canonical))
                pair = by_pair.get(key)
                if pair is None:
                    cosine = float(document_space.cosine(np.array([key]))[0])
                    pair, _ = score_pair(
                        key[0],
                        key[1],
                        documents[key[0]],
                        documents[key[1]],
                        cosine,
                        sentence_space,
                        score_config=config.score,
                        relation_config=config.relation,
                    )
                label = pair.relation
                if label not in COPY_RELATIONS:  # joined to the group through another member
                    label = strongest_relation(copy_relations_of[member])
                side = "a" if pair.a == member else "b"
                shared = pair.shared_a if side == "a" else pair.shared_b
                rewritten = pair.rewritten_a if side == "a" else pair.rewritten_b
                entries.append(
                    Member(articles[member].id, label, round(pair.cosine, 4), round(shared, 4), round(rewritten, 4))
                )
            result.append(CopyGroup(story_id, group_id, articles[canonical].id, rule, tuple(entries)))
    return result


def run_cluster(articles: Sequence[Article], config: DedupConfig, progress: Progress = _no_progress) -> ClusterResult:
    """The whole cluster pipeline over an in-memory batch."""
    from dedup import __version__

    documents = prepare_all(articles, progress)
    document_space = DocumentSpace(documents)
    candidates = candidate_pairs(documents, document_space, config.candidates, config.seed)
    progress("candidates", len(candidates))
    cosines = document_space.cosine(candidates)
    to_align = candidates[cosines >= config.relation.align_min_cosine]
    sentence_space = SentenceSpace([documents[i] for i in np.unique(to_align)])
    scored = score_candidates(documents, candidates, cosines, sentence_space, config, progress)
    groups = build_groups(documents, scored, document_space, sentence_space, config)
    return ClusterResult(tuple(groups), tuple(scored), config.as_dict(), __version__)
