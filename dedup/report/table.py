"""Terminal tables: fixed-width text lines a person reads, streamed as a generator."""

from __future__ import annotations

from collections.abc import Iterator

from dedup.model import ClusterResult, Member
from dedup.report import counted
from dedup.report.terminal import clean, clean_cell

# Characters of a title (or of an article's first words) shown in a row; the JSON Lines have all.
HEADLINE_WIDTH = 50
# Characters of a source shown in a row.
SOURCE_WIDTH = 24


def _percent(value: float) -> str:
    return f"{100 * value:3.0f}%"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def headline(member: Member) -> str:
    """What a row shows of an article: its title, else its first words in double quotes."""
    if member.title:
        return _clip(clean_cell(member.title), HEADLINE_WIDTH)
    return '"' + _clip(clean_cell(member.opening), HEADLINE_WIDTH - 2) + '"' if member.opening else ""


def cluster_table(result: ClusterResult) -> Iterator[str]:
    """Lines of a table of stories and copy groups, one row per article, canonical first in each group.

    A row gives the article's relation, the article that relation is with (`copy of`), the
    figures measured against that article, then its date and source when the input gave any
    (the columns appear when some article has one) and its title, or its first words in quotes.
    Every field from the input is escaped for the terminal (`dedup.report.terminal`).
    """
    stories = len({g.story for g in result.groups})
    articles = sum(len(g.members) for g in result.groups)
    copies = sum(len(g.members) - 1 for g in result.groups)
    members = [m for g in result.groups for m in g.members]
    ids = {m.id: clean_cell(m.id) for m in members}
    relations = {
        (g.group, g.story, m.id): f"canonical ({g.rule})" if m.relation == "canonical" else m.relation
        for g in result.groups
        for m in g.members
    }
    id_width = max([len(shown) for shown in ids.values()] + [7])
    relation_width = max([len(shown) for shown in relations.values()] + [8])
    dates = {m.id: clean_cell(m.published or "") for m in members}
    sources = {m.id: _clip(clean_cell(m.source or ""), SOURCE_WIDTH) for m in members}
    date_width = max([len(shown) for shown in dates.values()] + [0])
    source_width = max([len(shown) for shown in sources.values()] + [0])
    date_width = max(date_width, len("published")) if date_width else 0
    source_width = max(source_width, len("source")) if source_width else 0

    def row(*cells: str) -> str:
        story, group, article, relation, of, figures, date, source, title = cells
        shown = [
            f"{story:>5} {group:>5}",
            f"{article:<{id_width}}",
            f"{relation:<{relation_width}}",
            f"{of:<{id_width}}",
            f"{figures:<23}",
        ]
        shown += [f"{date:<{date_width}}"] if date_width else []
        shown += [f"{source:<{source_width}}"] if source_width else []
        return "  ".join([*shown, title]).rstrip()

    header = row(
        "story",
        "group",
        "article",
        "relation",
        "copy of",
        "cosine shared rewritten",
        "published",
        "source",
        'title (or "first words")',
    )
    yield header
    yield "-" * len(header)
    last_story = None
    for group in result.groups:
        if last_story is not None and group.story != last_story:
            yield ""
        last_story = group.story
        for n, member in enumerate(group.members):
            canonical = member.relation == "canonical"
            figures = (
                ""
                if canonical
                else f"{member.cosine:6.2f} {_percent(member.shared):>6} {_percent(member.rewritten):>9}"
            )
            yield row(
                str(group.story) if n == 0 else "",
                str(group.group) if n == 0 else "",
                ids[member.id],
                relations[(group.group, group.story, member.id)],
                ids[member.of] if member.of in ids else clean_cell(member.of or ""),
                figures,
                dates[member.id],
                sources[member.id],
                headline(member),
            )
    yield ""
    yield (
        f"{counted(articles, 'article')}, {counted(stories, 'story', 'stories')}, "
        f"{counted(len(result.groups), 'copy group')}, {counted(copies, 'copy or rewrite', 'copies or rewrites')}"
        f" (dedup {clean(result.version)}, seed {result.config.get('seed')})"
    )
