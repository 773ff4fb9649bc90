"""The group stage: stories, copy groups inside them, canonical articles, each member's relation,
and the order the output shows them in.

Group builders work over the part of a batch they are given (the whole batch locally, a connected
component on Spark) and key each group by what orders the output (`PendingGroup`), so that
`number_groups` numbers groups made over separate parts as it would over the whole batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np

from dedup.arrays import pair_codes
from dedup.config import DedupConfig
from dedup.dates import published_moment, published_problem
from dedup.group import copy_components, group_shapes, output_key, story_clusters
from dedup.model import RELATIONS, Article, CopyGroup, Document, Member, ScoredPair, ScoredPairs, opening_words
from dedup.score import DocumentSpace
from dedup.text import NOTHING_TO_COMPARE, nothing_to_compare


@dataclass(frozen=True)
class PendingGroup:
    """A copy group before stories are numbered, with what orders the output.

    `story_key` and `group_key` are `dedup.group.output_key` of the group's story and of the
    group itself (size, earliest date, smallest id): stories are numbered in order of
    `story_key` and groups within a story in order of `group_key` (`number_groups`), so groups
    made over separate parts of a batch (connected components on Spark) number as they would
    over the whole batch. `warnings` are (input position, message) about its members' input.
    """

    story_key: tuple
    group_key: tuple
    canonical: str
    rule: str
    members: tuple[Member, ...]
    warnings: tuple[tuple[int, str], ...] = ()


def copy_groups(
    documents: Sequence[Document],
    pairs: Sequence[ScoredPair],
    document_space: DocumentSpace,
    config: DedupConfig,
    *,
    positions: Sequence[int] | None = None,
) -> list[PendingGroup]:
    """Story clusters, copy groups inside them, canonical articles and each member's relation.

    `pairs` index `documents` (rows of `document_space`); `positions` are the documents' places in
    the input (default: their index), which orders the warnings. Members follow the canonical article
    in time order (`member_key`). Each member other than the canonical is related to one other
    member (`Member.of`, see `relation_tree`) by a scored copy pair, and its figures are that
    pair's.
    """
    count = len(documents)
    positions = list(range(count)) if positions is None else list(positions)
    pairs = ScoredPairs.of(pairs)
    story = story_clusters(count, pairs, document_space.matrix, config.group)
    copy = copy_components(count, pairs, story)
    links: dict[int, list[ScoredPair]] = {}
    copy_labels = np.asarray(copy, dtype=np.int64)
    linked = pairs.copies() & (copy_labels[pairs.a] == copy_labels[pairs.b])
    for p in pairs.take(linked):
        links.setdefault(p.a, []).append(p)
        links.setdefault(p.b, []).append(p)
    articles = [doc.article for doc in documents]
    ids = [article.id for article in articles]
    lengths = [len(doc.body) for doc in documents]
    moments = [published_moment(article.published) for article in articles]
    in_story: dict[int, list[int]] = {}
    for index in range(count):
        in_story.setdefault(story[index], []).append(index)
    story_keys = {label: _output_key(members, articles, moments) for label, members in in_story.items()}
    result = []
    for shape in group_shapes(np.array(copy, dtype=np.int64), articles, lengths, moments):
        canonical, *others = shape.members
        entries = [_member(documents[canonical], "canonical")]
        relation_of = relation_tree(canonical, links, ids)
        for member in others:
            pair = relation_of[member]
            of, mine = (pair.b, "a") if pair.a == member else (pair.a, "b")
            shared = pair.shared_a if mine == "a" else pair.shared_b
            rewritten = pair.rewritten_a if mine == "a" else pair.rewritten_b
            entries.append(_member(documents[member], pair.relation, ids[of], pair.cosine, shared, rewritten))
        result.append(
            PendingGroup(
                story_keys[story[canonical]],
                shape.key,
                ids[canonical],
                shape.rule,
                tuple(entries),
                _member_warnings(sorted(shape.members), documents, positions),
            )
        )
    return result


def single_group(document: Document, position: int) -> PendingGroup:
    """The group `copy_groups` makes of an article in no candidate pair: a story of its own."""
    article = document.article
    key = _output_key([0], [article], [published_moment(article.published)])
    entries = (_member(document, "canonical"),)
    return PendingGroup(key, key, article.id, "only-member", entries, _member_warnings([0], [document], [position]))


def relation_tree(
    canonical: int, links: Mapping[int, Sequence[ScoredPair]], ids: Sequence[str]
) -> dict[int, ScoredPair]:
    """The copy pair that relates each member of a copy group to the group, keyed by member.

    Breadth first from the canonical article over the group's copy pairs (`links`, by article):
    a member is related to a member one step nearer the canonical (the canonical itself when
    they are a copy pair), the strongest relation first, then the higher cosine, then the
    smaller id. Every member's relation thus leads back to the canonical, and the choice does
    not depend on the input order.
    """
    reached = {canonical}
    frontier = [canonical]
    relation_of: dict[int, ScoredPair] = {}
    while frontier:
        found: dict[int, tuple[tuple, ScoredPair]] = {}
        for near in frontier:
            for pair in links.get(near, ()):
                far = pair.b if pair.a == near else pair.a
                if far in reached:
                    continue
                rank = (RELATIONS.index(pair.relation), -pair.cosine, ids[near])
                if far not in found or rank < found[far][0]:
                    found[far] = (rank, pair)
        for far, (_, pair) in found.items():
            relation_of[far] = pair
        reached.update(found)
        frontier = sorted(found)
    return relation_of


class MemberFacts(Protocol):
    """What a group member's output echoes of its article: an `Article`, or the copy level's
    `ArticleFacts`, which keeps only these."""

    id: str
    title: str | None
    source: str | None
    published: str | None
    url: str | None


def group_member(
    article: MemberFacts,
    opening: str,
    relation: str,
    of: str | None = None,
    cosine: float = 1.0,
    shared: float = 1.0,
    rewritten: float = 0.0,
) -> Member:
    """A group member as the output shows it, at either level: its relation to `of` and that
    pair's figures (rounded to 4 places), with its metadata and `opening` words."""
    return Member(
        article.id,
        relation,
        round(cosine, 4),
        round(shared, 4),
        round(rewritten, 4),
        of,
        article.title,
        article.source,
        article.published,
        article.url,
        opening,
    )


def _member(
    document: Document,
    relation: str,
    of: str | None = None,
    cosine: float = 1.0,
    shared: float = 1.0,
    rewritten: float = 0.0,
) -> Member:
    """`group_member` of a prepared document (its opening words from its body)."""
    return group_member(document.article, opening_words(document.body), relation, of, cosine, shared, rewritten)


def _output_key(members: Sequence[int], articles: Sequence[Article], moments: Sequence[datetime | None]) -> tuple:
    """`output_key` of the articles `members` (indices into `articles` and their `moments`)."""
    dated = [moments[m] for m in members if moments[m] is not None]
    return output_key(len(members), min(dated) if dated else None, min(articles[m].id for m in members))


def _member_warnings(
    members: Sequence[int], documents: Sequence[Document], positions: Sequence[int]
) -> tuple[tuple[int, str], ...]:
    """(input position, warning) for each member whose `published` is given but is not a date, and
    for each that holds no content word to compare (`NOTHING_TO_COMPARE`): it stays in the output,
    where no relation by its words can reach it, and the user is told why."""
    found = []
    for m in members:
        article = documents[m].article
        label = article.origin or article.id
        problem = published_problem(article.published, label)
        if problem is not None:
            found.append((positions[m], problem))
        if nothing_to_compare(documents[m].sentences):
            found.append((positions[m], f"{label}: {NOTHING_TO_COMPARE}"))
    return tuple(found)


def pairs_in_input_order(pairs: Iterable[ScoredPair], positions: Sequence[int]) -> ScoredPairs:
    """Scored pairs of documents processed in another order (`dedup.model.id_order`) numbered by
    input position (`positions[k]` is document k's): each pair's sides are swapped where needed so
    that ``a < b``, and the pairs are sorted by ``(a, b)`` as the candidates were."""
    pairs = ScoredPairs.of(pairs)
    where = np.asarray(positions, dtype=np.int64)
    a, b = where[pairs.a], where[pairs.b]
    swap = a > b
    # (smaller, larger) as one key (`pair_codes`): the same order as sorting by the two (no pair
    # twice), a third of `np.lexsort`'s time (make_corpus 10k: 3.2M pairs).
    order = np.argsort(pair_codes(a, b, max(len(where), 1)), kind="stable")

    def side(mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
        return np.where(swap, theirs, mine)[order]

    return ScoredPairs(
        side(a, b),
        side(b, a),
        pairs.cosine[order],
        side(pairs.shared_a, pairs.shared_b),
        side(pairs.shared_b, pairs.shared_a),
        side(pairs.rewritten_a, pairs.rewritten_b),
        side(pairs.rewritten_b, pairs.rewritten_a),
        pairs.relation_codes[order],
    )


def number_groups(pending: Iterable[PendingGroup]) -> list[CopyGroup]:
    """Copy groups numbered as the output shows them: stories by `story_key` (largest first, then
    earliest), groups within a story by `group_key`."""
    groups = []
    story, last_story, group = -1, None, 0
    for item in sorted(pending, key=lambda g: (g.story_key, g.group_key)):
        if item.story_key != last_story:
            story, last_story, group = story + 1, item.story_key, 0
        groups.append(CopyGroup(story, group, item.canonical, item.rule, item.members))
        group += 1
    return groups


def input_warnings(pending: Iterable[PendingGroup]) -> tuple[str, ...]:
    """The warnings of all `pending` groups, in input order."""
    return tuple(message for _, message in sorted(w for item in pending for w in item.warnings))
