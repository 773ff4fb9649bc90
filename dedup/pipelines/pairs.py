"""The document-pairs pipeline (``dedup pairs --level document``): prepare every distinct text once
-> TF-IDF cosine -> relate (`dedup.align.relate`, the one relation judgement), for given pairs of
articles, without clustering a batch."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dedup.align import RelationConfig, relate
from dedup.model import Article
from dedup.pairs import DocumentPairScore
from dedup.score import DocumentSpace, RatioCache, ScoreConfig
from dedup.stages.prepare import prepare_all
from dedup.validate import check_text_pairs


def score_document_pairs(
    pairs: Sequence[tuple[str, str]], *, score: ScoreConfig | None = None, relation: RelationConfig | None = None
) -> list[DocumentPairScore]:
    """Relate document pairs as `dedup cluster` would: duplicate, near-duplicate, rewrite, same-story, unrelated.

    Call it to check given pairs of articles (suspected copies, a document-similarity data set)
    without clustering a whole batch.

    Parameters
    ----------
    pairs : sequence of (str, str)
        The two article texts of each pair. The whole sequence is one batch: document and sentence
        IDF weights are fitted on all its texts, as `dedup cluster` fits them on its batch.
    score, relation : ScoreConfig, RelationConfig, optional
        The sentence classes and relation thresholds, `dedup cluster`'s own (`DedupConfig.score`,
        `DedupConfig.relation`); the shipped ones when omitted.

    Returns
    -------
    list of DocumentPairScore
        One per pair, in order, with the alignment coverage behind the label.

    Raises
    ------
    DedupError
        When an item is not a pair of strings.
    """
    score = score or ScoreConfig()
    relation = relation or RelationConfig()
    check_text_pairs(pairs, "document pair")
    # Each distinct text is one document of the batch, however many pairs it takes part in, so
    # that the IDF weights are those `dedup cluster` would fit on the same articles.
    index_of: dict[str, int] = {}
    for pair in pairs:
        for text in pair:
            index_of.setdefault(text, len(index_of))
    documents = prepare_all([Article(id=f"doc{k}", text=text) for text, k in index_of.items()])
    index_pairs = np.array([[index_of[a], index_of[b]] for a, b in pairs], dtype=np.int64).reshape(-1, 2)
    cosines = np.clip(DocumentSpace(documents).cosine(index_pairs), 0.0, 1.0).tolist()
    scores = []
    ratios = RatioCache()
    for (i, j), cosine in zip(index_pairs.tolist(), cosines):
        pair, _ = relate(
            i, j, documents[i], documents[j], cosine, score_config=score, relation_config=relation, ratios=ratios
        )
        scores.append(
            DocumentPairScore(
                pair.relation, cosine, cosine, pair.shared_a, pair.shared_b, pair.rewritten_a, pair.rewritten_b
            )
        )
    return scores
