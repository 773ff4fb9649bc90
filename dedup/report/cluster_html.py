"""A batch's cluster result as one self-contained HTML page: a summary of the day, then a card per story.

The summary counts articles, stories, copy groups, copies and rewrites, then copies and rewrites
per source and the most reused originals. Each story card gives its headline (the canonical
article of its largest group), outlets and dates, then its copy groups: every member with its
title (or first words), source, date, relation, the article the relation is with (`copy of`)
and the figures against it. A copy's paraphrase diff against that article, when given, is
embedded in the card as the diff page itself (`dedup.report.diff_html`) in a sandboxed ``<iframe
srcdoc>``, opened on demand, so the report stays one file. Stories are in the result's order
(largest first, then earliest). CSS is inline, there is no script and nothing is loaded from
the network; every field from the input goes through `dedup.report.escape_html`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping

from dedup.model import COPY_RELATIONS, ClusterResult, CopyGroup, Member, PairDiff
from dedup.report import escape_html
from dedup.report.diff_html import diff_html, url_link

# Originals listed under "most reused" in the summary.
MOST_REUSED = 10
_NO_SOURCE = "(no source)"

_STYLE = """
:root { --ink: #1d1d1f; --muted: #55555a; --line: #d6d6db; --card: #fff; --page: #f4f4f6;
  --copy: #a93226; --rewrite: #6c3483; --canonical: #1e6091; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: var(--page);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header, main { max-width: 1200px; margin: 0 auto; padding: 12px 16px; }
h1 { font-size: 22px; margin: 4px 0; }
h2 { font-size: 18px; margin: 18px 0 8px; }
h3 { font-size: 16px; margin: 0 0 4px; overflow-wrap: anywhere; }
h4 { font-size: 13px; margin: 10px 0 4px; color: var(--muted); font-weight: 600; }
.meta, .story-meta { color: var(--muted); font-size: 13px; margin: 0; overflow-wrap: anywhere; }
.figures { display: flex; flex-wrap: wrap; gap: 8px; list-style: none; padding: 0; margin: 0 0 8px; }
.figures li { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; }
.figures b { font-size: 20px; display: block; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; background: var(--card); font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; overflow-wrap: anywhere; }
td.n, th.n { text-align: right; }
ol.reused li { margin: 2px 0; overflow-wrap: anywhere; }
.story { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px;
  margin: 0 0 14px; }
.members { list-style: none; padding: 0; margin: 0; }
.member { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr) minmax(0, 2fr) minmax(0, 2fr);
  gap: 4px 12px; padding: 6px 0; border-top: 1px solid var(--line); }
.member > * { min-width: 0; overflow-wrap: anywhere; }
.who .id { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; color: var(--muted);
  display: block; }
.headline { font-weight: 600; }
.opening { font-style: italic; }
.relation { font-weight: 600; }
.relation-canonical .relation { color: var(--canonical); }
.relation-duplicate .relation, .relation-near-duplicate .relation { color: var(--copy); }
.relation-rewrite .relation { color: var(--rewrite); }
.numbers { font-size: 13px; color: var(--muted); }
details.diff { grid-column: 1 / -1; }
details.diff summary { cursor: pointer; color: var(--canonical); font-size: 14px; }
details.diff iframe { width: 100%; height: 75vh; border: 1px solid var(--line); border-radius: 4px; margin-top: 6px; }
@media (max-width: 700px) { .member { grid-template-columns: minmax(0, 1fr); } }
"""


def cluster_html(result: ClusterResult, diffs: Mapping[tuple[str, str], PairDiff] | None = None) -> Iterator[str]:
    """Lines (without newlines) of one self-contained HTML page reporting a cluster result.

    Parameters
    ----------
    result : ClusterResult
        What `dedup.cluster` returned; drawn as it is.
    diffs : mapping, optional
        ``(of, id)`` to the `PairDiff` of a member against the article its relation is with
        (`dedup.copy_diffs`); each one found is embedded under its member.

    Yields
    ------
    str
        The page: a ``section#summary``, then a ``section#stories`` holding one
        ``article.story`` per story (``id="story-<n>"``) with a ``li.member`` per article.
    """
    diffs = diffs or {}
    members = [m for g in result.groups for m in g.members]
    stories: dict[int, list[CopyGroup]] = {}
    for group in result.groups:
        stories.setdefault(group.story, []).append(group)
    anchors = {m.id: f"m-{g.story}-{g.group}-{n}" for g in result.groups for n, m in enumerate(g.members)}
    title = f"dedup report: {_count(len(members), 'article')}, {_count(len(stories), 'story', 'stories')}"
    yield "<!DOCTYPE html>"
    yield '<html lang="en">'
    yield '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
    yield f"<title>{escape_html(title)}</title>"
    yield f"<style>{_STYLE}</style>"
    yield "</head>"
    yield "<body>"
    yield "<header>"
    yield f"<h1>{escape_html(title)}</h1>"
    seed = result.config.get("seed")
    yield f'<p class="meta">dedup {escape_html(result.version)}, seed {escape_html(str(seed))}</p>'
    yield "</header>"
    yield "<main>"
    yield from _summary(result, stories)
    yield '<section id="stories" aria-label="Stories">'
    yield "<h2>Stories, largest first</h2>"
    for number, groups in stories.items():
        yield from _story_card(number, groups, anchors, diffs)
    yield "</section>"
    yield "</main>"
    yield "</body>"
    yield "</html>"


def _summary(result: ClusterResult, stories: Mapping[int, list[CopyGroup]]) -> Iterator[str]:
    members = [m for g in result.groups for m in g.members]
    copies = sum(1 for m in members if m.relation in COPY_RELATIONS - {"rewrite"})
    rewrites = sum(1 for m in members if m.relation == "rewrite")
    yield '<section id="summary" aria-label="Summary">'
    yield "<h2>Summary</h2>"
    yield '<ul class="figures">'
    for value, label in (
        (len(members), "articles"),
        (len(stories), "stories"),
        (len(result.groups), "copy groups"),
        (copies, "copies"),
        (rewrites, "rewrites"),
    ):
        yield f"<li><b>{value}</b>{label}</li>"
    yield "</ul>"
    yield from _by_source(result)
    reused = sorted(
        (g for g in result.groups if len(g.members) > 1), key=lambda g: (-len(g.members), g.story, g.group)
    )[:MOST_REUSED]
    if reused:
        yield "<h3>Most reused originals</h3>"
        yield '<ol class="reused">'
        for group in reused:
            original = group.members[0]
            source = f" ({escape_html(original.source)})" if original.source else ""
            yield (
                f'<li><a href="#story-{group.story}">{_headline(original)}</a>{source}: '
                f"{_count(len(group.members) - 1, 'copy or rewrite', 'copies or rewrites')}</li>"
            )
        yield "</ol>"
    yield "</section>"


def _by_source(result: ClusterResult) -> Iterator[str]:
    """A table of articles, originals of a copy group, copies and rewrites per source."""
    counts: dict[str, Counter] = {}
    for group in result.groups:
        for member in group.members:
            tally = counts.setdefault(member.source or _NO_SOURCE, Counter())
            tally["articles"] += 1
            if member.relation == "canonical" and len(group.members) > 1:
                tally["originals"] += 1
            elif member.relation == "rewrite":
                tally["rewrites"] += 1
            elif member.relation in COPY_RELATIONS:
                tally["copies"] += 1
    yield "<h3>Copies and rewrites by source</h3>"
    yield '<div class="scroll"><table class="sources">'
    yield (
        '<thead><tr><th scope="col">source</th><th scope="col" class="n">articles</th>'
        '<th scope="col" class="n">originals</th><th scope="col" class="n">copies</th>'
        '<th scope="col" class="n">rewrites</th></tr></thead>'
    )
    yield "<tbody>"
    for source, tally in sorted(counts.items(), key=lambda item: (-item[1]["articles"], item[0])):
        cells = "".join(f'<td class="n">{tally[key]}</td>' for key in ("articles", "originals", "copies", "rewrites"))
        yield f'<tr><th scope="row">{escape_html(source)}</th>{cells}</tr>'
    yield "</tbody></table></div>"


def _story_card(
    number: int, groups: list[CopyGroup], anchors: Mapping[str, str], diffs: Mapping[tuple[str, str], PairDiff]
) -> Iterator[str]:
    members = [m for g in groups for m in g.members]
    lead = groups[0].members[0]
    outlets = sorted({m.source for m in members if m.source})
    dates = [m.published for m in members if m.published]
    facts = [_count(len(members), "article"), _count(len(groups), "copy group")]
    if outlets:
        facts.append("outlets: " + ", ".join(escape_html(source) for source in outlets))
    if dates:
        facts.append("published: " + ", ".join(escape_html(date) for date in dict.fromkeys(dates)))
    yield f'<article class="story" id="story-{number}">'
    yield f"<h3>Story {number}: {_headline(lead)}</h3>"
    yield f'<p class="story-meta">{" · ".join(facts)}</p>'
    for group in groups:
        yield (
            f"<h4>Copy group {group.group}: original chosen by {escape_html(group.rule)}"
            f" ({_count(len(group.members) - 1, 'copy or rewrite', 'copies or rewrites')})</h4>"
        )
        yield '<ul class="members">'
        by_id = {member.id: member for member in group.members}
        for member in group.members:
            yield from _member(member, anchors, diffs, by_id)
        yield "</ul>"
    yield "</article>"


def _member(
    member: Member,
    anchors: Mapping[str, str],
    diffs: Mapping[tuple[str, str], PairDiff],
    group_members: Mapping[str, Member],
) -> Iterator[str]:
    relation_class = escape_html(member.relation)
    yield f'<li class="member relation-{relation_class}" id="{anchors[member.id]}">'
    yield f'<div class="who"><span class="id">{escape_html(member.id)}</span>{_headline(member)}</div>'
    facts = [escape_html(value) for value in (member.source, member.published) if value]
    if member.url:
        facts.append(url_link(member.url, "link"))
    yield f'<div class="facts">{" · ".join(facts) or "&nbsp;"}</div>'
    if member.of is None:
        yield '<div class="relation">canonical</div><div class="numbers">&nbsp;</div>'
        yield "</li>"
        return
    target = anchors.get(member.of)
    of = escape_html(member.of)
    of = f'<a href="#{target}">{of}</a>' if target else of
    yield f'<div class="relation">{escape_html(member.relation)} of {of}</div>'
    yield (
        f'<div class="numbers">cosine {member.cosine:.2f} · shared {_percent(member.shared)}'
        f" · rewritten {_percent(member.rewritten)}</div>"
    )
    result = diffs.get((member.of, member.id))
    if result is not None:
        sides = diff_html(result, a=group_members.get(member.of), b=member)
        page = escape_html("\n".join(sides))
        label = escape_html(f"diff of {member.of} (A) and {member.id} (B)")
        yield (
            f'<details class="diff"><summary>Sentence by sentence against {escape_html(member.of)}</summary>'
            f'<iframe title="{label}" sandbox="allow-scripts" loading="lazy" srcdoc="{page}"></iframe></details>'
        )
    yield "</li>"


def _headline(member: Member) -> str:
    """The escaped title of an article, else its first words in quotes."""
    if member.title:
        return f'<span class="headline">{escape_html(member.title)}</span>'
    return f'<span class="headline opening">&ldquo;{escape_html(member.opening)}&rdquo;</span>'


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"
