"""Terminal tables: fixed-width text lines a person reads, streamed as a generator."""

from __future__ import annotations

from collections.abc import Iterator

from dedup.model import ClusterResult


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def _percent(value: float) -> str:
    return f"{100 * value:3.0f}%"


def cluster_table(result: ClusterResult) -> Iterator[str]:
    """Lines of a table of stories and copy groups, canonical first in each group."""
    stories = len({g.story for g in result.groups})
    articles = sum(len(g.members) for g in result.groups)
    copies = sum(len(g.members) - 1 for g in result.groups)
    width = max([len(m.id) for g in result.groups for m in g.members] + [7])
    header = (
        f"{'story':>5} {'group':>5}  {'article':<{width}}  "
        f"{'relation':<14} {'cosine':>6} {'shared':>6} {'rewritten':>9}"
    )
    yield header
    yield "-" * len(header)
    last_story = None
    for group in result.groups:
        if last_story is not None and group.story != last_story:
            yield ""
        last_story = group.story
        for n, member in enumerate(group.members):
            story = str(group.story) if n == 0 else ""
            number = str(group.group) if n == 0 else ""
            if member.relation == "canonical":
                relation, scores = f"canonical ({group.rule})", ""
                yield f"{story:>5} {number:>5}  {member.id:<{width}}  {relation}"
                continue
            scores = f"{member.cosine:6.2f} {_percent(member.shared):>6} {_percent(member.rewritten):>9}"
            yield f"{story:>5} {number:>5}  {member.id:<{width}}  {member.relation:<14} {scores}"
    yield ""
    yield (
        f"{_count(articles, 'article')}, {_count(stories, 'story', 'stories')}, "
        f"{_count(len(result.groups), 'copy group')}, {_count(copies, 'copy or rewrite', 'copies or rewrites')}"
        f" (dedup {result.version}, seed {result.config.get('seed')})"
    )
