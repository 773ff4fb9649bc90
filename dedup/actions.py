"""Dedup actions: which articles of a clustered batch to keep and which to drop, and why.

What text-dedup and datatrove do after finding duplicates, decided from a `ClusterResult` alone:
`keep_plan` reads each copy group's canonical article and its members' relations and says which
ids to keep; `dedup.io.kept` writes the kept input records and the drop list. Nothing here reads
or writes a file.
"""

from __future__ import annotations

from dataclasses import dataclass

from dedup.errors import ConfigError
from dedup.model import ClusterResult

KEEP_MODES = ("canonical", "all")
"""``canonical``: one article per copy group (duplicates and near-duplicates dropped); ``all``: every article."""

DROP_LIST_FIELDS = ("id", "duplicate_of", "canonical", "relation", "reason")
"""Columns of a drop list, in order."""


@dataclass(frozen=True)
class Dropped:
    """An article left out of the kept set.

    `duplicate_of` is the article its relation is with (`Member.of`: the canonical, or the member
    through which it joined the group), `canonical` the group's kept original, `reason` one line
    for people.
    """

    id: str
    duplicate_of: str
    canonical: str
    relation: str
    reason: str

    def as_record(self) -> dict:
        """The drop list's record of this article (`DROP_LIST_FIELDS`)."""
        return {name: getattr(self, name) for name in DROP_LIST_FIELDS}


@dataclass(frozen=True)
class KeepPlan:
    """The ids to keep and the articles dropped, in the result's output order."""

    kept: frozenset[str]
    dropped: tuple[Dropped, ...]


def keep_plan(result: ClusterResult, *, keep: str = "canonical", drop_rewrites: bool = False) -> KeepPlan:
    """Which articles of `result` to keep.

    Parameters
    ----------
    result : ClusterResult
        What `dedup.cluster` or `dedup.cluster_copies` returned.
    keep : {"canonical", "all"}
        ``canonical`` keeps each copy group's canonical article and drops its duplicates and
        near-duplicates (and its rewrites with `drop_rewrites`); a member kept stays kept whatever
        it is related to. ``all`` keeps every article and drops none.
    drop_rewrites : bool
        With ``canonical``, drop rewrites too (a rewrite is a new text of the same story).

    Returns
    -------
    KeepPlan
        Kept ids, and the dropped articles in output order (story, group, member).

    Raises
    ------
    ConfigError
        For an unknown `keep`, or `drop_rewrites` with ``all``.
    """
    if keep not in KEEP_MODES:
        raise ConfigError(f"keep must be one of {', '.join(KEEP_MODES)}, got {keep!r}")
    if drop_rewrites and keep != "canonical":
        raise ConfigError("drop_rewrites needs keep='canonical'")
    dropping = {"duplicate", "near-duplicate"} | ({"rewrite"} if drop_rewrites else set())
    kept: set[str] = set()
    dropped: list[Dropped] = []
    for group in result.groups:
        for member in group.members:
            if keep == "all" or member.of is None or member.relation not in dropping:
                kept.add(member.id)
                continue
            reason = (
                f"{member.relation} of {member.of} (cosine {member.cosine:.3f}, shared {member.shared:.3f}); "
                f"copy group kept as {group.canonical} ({group.rule})"
            )
            dropped.append(Dropped(member.id, member.of, group.canonical, member.relation, reason))
    return KeepPlan(frozenset(kept), tuple(dropped))
