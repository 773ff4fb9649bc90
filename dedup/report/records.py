"""Program-readable records (for JSON Lines and CSV) of cluster results."""

from __future__ import annotations

from collections.abc import Iterator

from dedup.model import ClusterResult

CLUSTER_CSV_FIELDS = ("story", "group", "canonical", "rule", "id", "relation", "cosine", "shared", "rewritten")


def cluster_records(result: ClusterResult) -> Iterator[dict]:
    """One JSON-ready object per copy group, in story then group order."""
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
                }
                for m in group.members
            ],
        }


def cluster_rows(result: ClusterResult) -> Iterator[dict]:
    """One flat row per article (for CSV): its group's fields and its own."""
    for record in cluster_records(result):
        for member in record["members"]:
            yield {key: record[key] for key in ("story", "group", "canonical", "rule")} | member
