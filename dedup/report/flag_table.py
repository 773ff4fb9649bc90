"""Terminal table of derivation flags: one line per article, its evidence pairs indented below it."""

from __future__ import annotations

from collections.abc import Iterator

from dedup.flag import DERIVATIONS, FlagResult
from dedup.report import counted
from dedup.report.terminal import clean, clean_cell

# Characters of each sentence shown in an evidence line; the JSON Lines output has them whole.
EVIDENCE_TEXT_WIDTH = 70


def _percent(value: float) -> str:
    return f"{100 * value:3.0f}%"


def _clip(text: str, width: int) -> str:
    text = clean_cell(text)
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def flag_table(result: FlagResult, *, evidence: bool = True) -> Iterator[str]:
    """Lines of a table of articles with derivation, sources and coverage (share of characters).

    Under each derived article, its evidence pairs: class, similarity, the article sentence and the
    wire sentence it comes from (``id#n`` is the n-th sentence of that wire story, from 0). Ids
    and sentences are escaped for the terminal (`dedup.report.terminal`).
    """
    ids = {flag.id: clean_cell(flag.id) for flag in result.flags}
    width = max([len(shown) for shown in ids.values()] + [7])
    header = (
        f"{'article':<{width}}  {'derivation':<17}  {'verbatim':>8} {'edited':>6} {'rewritten':>9}"
        f" {'quotes':>6}  sources (share of the article)"
    )
    yield header
    yield "-" * len(header)
    for flag in result.flags:
        sources = (
            ", ".join(f"{clean_cell(source.id)} ({_percent(source.derived).strip()})" for source in flag.sources) or "-"
        )
        quotes = str(flag.quotes.sentences) if flag.quotes.sentences else "-"
        yield (
            f"{ids[flag.id]:<{width}}  {flag.derivation:<17}  {_percent(flag.characters.verbatim):>8}"
            f" {_percent(flag.characters.edited):>6} {_percent(flag.characters.rewritten):>9} {quotes:>6}  {sources}"
        )
        if not evidence or flag.derivation == "non-derived":
            continue
        # Sentences are numbered from 1 here, for people (as `dedup diff` numbers them); the JSON
        # Lines and CSV indices count from 0, for programs.
        for item in flag.evidence:
            article_sentence = _clip(item.article_sentence, EVIDENCE_TEXT_WIDTH)
            source_sentence = _clip(item.source_sentence, EVIDENCE_TEXT_WIDTH)
            yield f"    {item.kind:<9} {item.similarity:4.2f}  #{item.article_index + 1}: {article_sentence}"
            yield f"    {'':<14}  <- {clean_cell(item.source)}#{item.source_index + 1}: {source_sentence}"
        if flag.evidence_total > len(flag.evidence):
            yield f"    (+{flag.evidence_total - len(flag.evidence)} more aligned sentence pairs in --format jsonl)"
    counts = {label: sum(1 for flag in result.flags if flag.derivation == label) for label in DERIVATIONS}
    where = (
        f"against {counted(result.wire_count, 'wire story', 'wire stories')}"
        if result.mode == "wire"
        else f"sources sought inside the batch (time order: {result.order})"
    )
    yield ""
    yield (
        f"{counted(len(result.flags), 'article')}: {counts['wholly-derived']} wholly derived, "
        f"{counts['partially-derived']} partially derived, {counts['non-derived']} non-derived; "
        f"{where} (dedup {clean(result.version)}, seed {result.config.get('seed')})"
    )
