"""Program-readable records (for JSON Lines and CSV) of cluster results."""

from __future__ import annotations

from collections.abc import Iterator

from dedup.model import ClusterResult

MEMBER_FIELDS = ("id", "relation", "cosine", "shared", "rewritten", "of", "title", "source", "published", "url")
"""Fields of each member in the records, in order: the first five are those of version 0.1."""

CLUSTER_CSV_FIELDS = ("story", "group", "canonical", "rule", *MEMBER_FIELDS)


def cluster_records(result: ClusterResult) -> Iterator[dict]:
    """One JSON-ready object per copy group, in story then group order.

    Each member carries its relation, `of` (the id of the member that relation is with; null for
    the canonical), the figures measured against that article, and the input's `title`, `source`,
    `published` and `url` as given (null when not given).
    """
    for group in result.groups:
        yield {
            "story": group.story,
            "group": group.group,
            "canonical": group.canonical,
            "rule": group.rule,
            "members": [
                {
                    "id": m.id,
                    "relation": m.relation,
                    "cosine": round(m.cosine, 4),
                    "shared": round(m.shared, 4),
                    "rewritten": round(m.rewritten, 4),
                    "of": m.of,
                    "title": m.title,
                    "source": m.source,
                    "published": m.published,
                    "url": m.url,
                }
                for m in group.members
            ],
        }


def cluster_rows(result: ClusterResult) -> Iterator[dict]:
    """One flat row per article (for CSV): its group's fields and its own."""
    for record in cluster_records(result):
        for member in record["members"]:
            yield {key: record[key] for key in ("story", "group", "canonical", "rule")} | member
