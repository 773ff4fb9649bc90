"""Renderers of a check against the archive (`dedup.index.CheckResult`): a terminal table, JSON
Lines records and one self-contained HTML page. They draw the verdicts; they decide nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

from dedup.index import CheckResult, CheckVerdict, IndexStats
from dedup.report import counted, escape_html
from dedup.report.terminal import clean, clean_cell

# Archived matches listed per article in the table; the JSON Lines and HTML outputs list all.
TABLE_MATCHES = 5


def check_records(result: CheckResult) -> Iterator[dict]:
    """One JSON-ready object per checked article, in input order: its verdict, the archived
    articles it copies or rewrites (with their figures), its earliest archived source, its story's
    versions, and its derivation from archived wire copy (null when the index holds none)."""
    for verdict in result.verdicts:
        derivation = verdict.derivation
        flag = derivation.flag if derivation else None
        yield {
            "id": verdict.id,
            "verdict": verdict.verdict,
            "source": verdict.source,
            "published": verdict.published,
            "title": verdict.title,
            "in_index": verdict.in_index,
            "archived_text_differs": verdict.archived_text_differs,
            "matches": [
                {
                    "id": m.id,
                    "relation": m.relation,
                    "cosine": m.cosine,
                    "shared": m.shared,
                    "rewritten": m.rewritten,
                    "source": m.source,
                    "published": m.published,
                    "title": m.title,
                    "wire": m.wire,
                }
                for m in verdict.matches
            ],
            "earliest": verdict.earliest,
            "version_of": verdict.version_of,
            "versions": list(verdict.versions),
            "derivation": None
            if derivation is None
            else {
                "label": derivation.derivation,
                "sources": [] if flag is None else [{"id": s.id, "derived": round(s.derived, 4)} for s in flag.sources],
                "verbatim": 0.0 if flag is None else round(flag.characters.verbatim, 4),
                "edited": 0.0 if flag is None else round(flag.characters.edited, 4),
                "rewritten": 0.0 if flag is None else round(flag.characters.rewritten, 4),
            },
        }


def check_table(result: CheckResult) -> Iterator[str]:
    """Lines of a table, one row per checked article (verdict, earliest source, derivation, what
    it matches), with its story's versions below it; input text escaped for the terminal."""
    ids = [clean_cell(v.id) + _in_index(v) for v in result.verdicts]
    width = max([len(shown) for shown in ids] + [7])
    earliest = [clean_cell(v.earliest or "-") for v in result.verdicts]
    earliest_width = max([len(shown) for shown in earliest] + [8])
    header = f"{'article':<{width}}  {'verdict':<14}  {'earliest':<{earliest_width}}  {'derivation':<17}  matches"
    yield header
    yield "-" * len(header)
    for verdict, shown, first in zip(result.verdicts, ids, earliest):
        derivation = verdict.derivation.derivation if verdict.derivation else "-"
        yield (
            f"{shown:<{width}}  {verdict.verdict:<14}  {first:<{earliest_width}}  {derivation:<17}  {_matches(verdict)}"
        )
        if verdict.version_of:
            chain = " -> ".join(clean_cell(version) for version in verdict.versions)
            yield f"    new version of {clean_cell(verdict.version_of)}: {chain}"
    counts: dict[str, int] = {}
    for verdict in result.verdicts:
        counts[verdict.verdict] = counts.get(verdict.verdict, 0) + 1
    said = ", ".join(
        f"{counts[label]} {label}" for label in ("duplicate", "near-duplicate", "rewrite", "new") if label in counts
    )
    versions = sum(1 for v in result.verdicts if v.version_of)
    yield ""
    yield (
        f"{counted(len(result.verdicts), 'article')} checked against {result.archived} archived ({result.wire} wire): "
        f"{said or 'none'}; {versions} new versions (dedup {clean(result.version)}, seed {result.config.get('seed')})"
    )


def _in_index(verdict: CheckVerdict) -> str:
    """What the table adds to an id the index already holds."""
    if verdict.archived_text_differs:
        return " (in index, other text)"
    return " (in index)" if verdict.in_index else ""


def _matches(verdict: CheckVerdict) -> str:
    if not verdict.matches:
        return "-"
    shown = ", ".join(f"{clean_cell(m.id)} ({m.relation})" for m in verdict.matches[:TABLE_MATCHES])
    more = len(verdict.matches) - TABLE_MATCHES
    return shown + (f" +{more} more" if more > 0 else "")


_STYLE = """
body { margin: 0 auto; max-width: 1100px; padding: 12px 16px; color: #1d1d1f; background: #f4f4f6;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
h1 { font-size: 22px; } .meta { color: #55555a; font-size: 13px; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { border: 1px solid #d6d6db; padding: 4px 8px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
.new { color: #1e6091; } .duplicate, .near-duplicate { color: #a93226; } .rewrite { color: #6c3483; }
ul { margin: 0; padding-left: 18px; }
"""


def check_html(result: CheckResult) -> Iterator[str]:
    """One self-contained HTML page (inline CSS, no script, nothing loaded) of the check: a row per
    article with its verdict, matches, earliest source, versions and derivation. Every input field
    goes through `dedup.report.escape_html`."""
    e = escape_html
    yield "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
    yield "<meta name='viewport' content='width=device-width, initial-scale=1'>"
    yield f"<title>dedup check: {counted(len(result.verdicts), 'article')}</title><style>{_STYLE}</style></head><body>"
    yield f"<h1>Checked {counted(len(result.verdicts), 'article')} against the archive</h1>"
    yield (
        f"<p class='meta'>{result.archived} archived articles, {result.wire} of them wire; "
        f"dedup {e(result.version)}, seed {e(str(result.config.get('seed')))}</p>"
    )
    yield "<table><thead><tr><th>article</th><th>verdict</th><th>matches</th><th>earliest</th>"
    yield "<th>versions</th><th>derivation</th></tr></thead><tbody>"
    for v in result.verdicts:
        title = f"<br><span class='meta'>{e(v.title)}</span>" if v.title else ""
        where = " · ".join(e(x) for x in (v.source, v.published) if x)
        meta = f"<br><span class='meta'>{where}</span>" if where else ""
        if v.in_index:
            meta += f"<br><span class='meta'>{e(_in_index(v).strip(' ()'))}</span>"
        matches = "".join(
            f"<li>{e(m.id)} <span class='{e(m.relation)}'>{e(m.relation)}</span> "
            f"<span class='meta'>cosine {m.cosine:.2f}, shared {m.shared:.0%}, rewritten {m.rewritten:.0%}"
            f"{' · wire' if m.wire else ''}</span></li>"
            for m in v.matches
        )
        versions = " → ".join(e(x) for x in v.versions) if v.versions else "-"
        derivation = "-"
        if v.derivation is not None:
            derivation = e(v.derivation.derivation)
            if v.derivation.flag is not None and v.derivation.flag.sources:
                sources = ", ".join(f"{e(s.id)} ({s.derived:.0%})" for s in v.derivation.flag.sources)
                derivation += f"<br><span class='meta'>{sources}</span>"
        yield (
            f"<tr><td>{e(v.id)}{title}{meta}</td><td class='{e(v.verdict)}'>{e(v.verdict)}</td>"
            f"<td>{'<ul>' + matches + '</ul>' if matches else '-'}</td><td>{e(v.earliest or '-')}</td>"
            f"<td>{versions}</td><td>{derivation}</td></tr>"
        )
    yield "</tbody></table></body></html>"


def stats_lines(stats: IndexStats) -> Iterator[str]:
    """Lines saying what an index holds (``dedup index stats``)."""
    yield f"index          {clean(stats.path)} (schema version {stats.schema_version})"
    yield f"articles       {stats.articles} ({stats.wire} wire, {stats.undated} undated)"
    yield f"published      {clean(stats.earliest_published or '-')} .. {clean(stats.latest_published or '-')}"
    yield f"added          {_moment(stats.first_added)} .. {_moment(stats.last_added)}"
    yield f"terms          {stats.terms}"
    per = f", {stats.bytes_on_disk / stats.articles / 1024:.1f} KiB per article" if stats.articles else ""
    yield f"on disk        {stats.bytes_on_disk / 1024 / 1024:.1f} MiB{per}"
    yield f"seed           {stats.settings.get('seed')}"
    if stats.sources:
        yield "sources        " + ", ".join(f"{clean_cell(source)} ({count})" for source, count in stats.sources)


def stats_record(stats: IndexStats) -> dict:
    """`IndexStats` as a JSON-ready object."""
    return {
        "path": stats.path,
        "schema_version": stats.schema_version,
        "articles": stats.articles,
        "wire": stats.wire,
        "undated": stats.undated,
        "earliest_published": stats.earliest_published,
        "latest_published": stats.latest_published,
        "first_added": _moment(stats.first_added),
        "last_added": _moment(stats.last_added),
        "terms": stats.terms,
        "bytes_on_disk": stats.bytes_on_disk,
        "sources": [{"source": source, "articles": count} for source, count in stats.sources],
        "settings": stats.settings,
    }


def _moment(seconds: float | None) -> str:
    """Unix seconds as ISO 8601 UTC (to the second), or ``-``."""
    if seconds is None:
        return "-"
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
