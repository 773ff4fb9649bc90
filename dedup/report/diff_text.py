"""Terminal rendering of a paraphrase diff (`PairDiff`): a summary line, then sentence by sentence.

Sentences are shown in A's order; a sentence only in B follows the aligned B sentence that
precedes it in B, so that what B added appears where B added it. Sentence numbers are 1-based
(``A3`` is A's third sentence); ``B2+3`` is a run of two sentences aligned to one (a split or merge).
Inside edited and rewritten pairs an inline word diff marks ``[-deleted-]`` and ``{+inserted+}``
words, as wdiff does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import click

from dedup.model import Alignment, Article, PairDiff, Sentence, SentenceLink, WordChange
from dedup.report.terminal import clean

SHARE_CLASSES = ("verbatim", "edited", "rewritten", "quote", "new")
"""Keys of `Alignment.shares`, in the order reports show them."""

WORD_DIFF_KINDS = frozenset({"edited", "rewritten", "quote"})
"""Link kinds whose word changes are drawn: verbatim pairs have none, quote pairs share only the quotation."""

_KIND_STYLE = {
    "verbatim": {"fg": "red", "bold": True},
    "edited": {"fg": "yellow", "bold": True},
    "rewritten": {"fg": "magenta", "bold": True},
    "quote": {"fg": "cyan"},
    "only-in-A": {"dim": True},
    "only-in-B": {"dim": True},
}
_TAG_WIDTH = max(len(kind) for kind in _KIND_STYLE)


def percent(share: float) -> str:
    """A share in [0, 1] as a whole percentage, e.g. ``45%``."""
    return f"{100 * share:.0f}%"


def summary_line(result: PairDiff) -> str:
    """One line: the two ids, the relation with its figures (cosine, and each side's shared and
    rewritten share as `cluster` gives them), then each side's share of characters per class."""
    alignment = result.alignment

    def side(name: str) -> str:
        shares = alignment.shares(name)
        return ", ".join(f"{kind} {percent(shares[kind])}" for kind in SHARE_CLASSES)

    return (
        f"A {alignment.a_id} vs B {alignment.b_id}: {result.relation}, cosine {result.cosine:.2f}, "
        f"shared A {percent(result.shared[0])} B {percent(result.shared[1])}, "
        f"rewritten A {percent(result.rewritten[0])} B {percent(result.rewritten[1])}"
        f" | A: {side('a')} | B: {side('b')}"
    )


def display_order(alignment: Alignment) -> list[int]:
    """Indices into `alignment.links` in reading order: A's order, each B-only sentence placed
    right after the link holding the nearest aligned B sentence before it (or first, if none)."""
    links = alignment.links
    a_links = sorted((k for k, link in enumerate(links) if link.a), key=lambda k: min(links[k].a))
    owner_of_b = {j: k for k in a_links for j in links[k].b}
    placed_after: dict[int | None, list[int]] = {}
    b_only = sorted((k for k, link in enumerate(links) if not link.a), key=lambda k: min(links[k].b, default=0))
    for k in b_only:
        first = min(links[k].b, default=0)
        preceding = [j for j in owner_of_b if j < first]
        anchor = owner_of_b[max(preceding)] if preceding else None
        placed_after.setdefault(anchor, []).append(k)
    order = list(placed_after.get(None, []))
    for k in a_links:
        order.append(k)
        order.extend(placed_after.get(k, []))
    return order


def sentence_label(side: str, indices: Sequence[int]) -> str:
    """``A3`` or ``B2+3``: 1-based sentence numbers of one side of a link."""
    return side + "+".join(str(i + 1) for i in indices)


def word_diff(changes: Sequence[WordChange], *, color: bool = False) -> str:
    """Words of an aligned pair with ``[-deleted-]`` and ``{+inserted+}`` marks (a replace is both),
    spaced as the sentences are: ``He left on Monday {+after talks+}.``"""
    pieces = []
    for change in changes:
        if change.op == "equal":
            kept, in_b = "".join(change.a), "".join(change.b)
            space = _leading_space(kept) or _leading_space(in_b)  # B's, where a quote mark was cut
            pieces.append(space + clean(kept.lstrip()))
            continue
        deleted = "".join(change.a) if change.op in ("delete", "replace") else ""
        inserted = "".join(change.b) if change.op in ("insert", "replace") else ""
        first = deleted or inserted
        pieces.append(_leading_space(first))
        if deleted.strip():
            pieces.append(_paint(f"[-{clean(deleted.strip())}-]", color, fg="red"))
        if inserted.strip():
            pieces.append(" " if deleted.strip() else "")
            pieces.append(_paint(f"{{+{clean(inserted.strip())}+}}", color, fg="green"))
    return "".join(pieces).strip()


def _leading_space(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]


def metadata_line(side: str, article: Article | None) -> str | None:
    """``A: title ... | source ... | published ... | url ...`` with the fields the input gave, or
    None when it gave none."""
    if article is None:
        return None
    fields = (
        ("title", article.title),
        ("source", article.source),
        ("published", article.published),
        ("url", article.url),
    )
    known = [f"{name} {value}" for name, value in fields if value]
    return f"{side}: {' | '.join(known)}" if known else None


def diff_text(
    result: PairDiff, *, color: bool = False, a: Article | None = None, b: Article | None = None
) -> Iterator[str]:
    """Lines of a terminal report of a paraphrase diff (no trailing newlines).

    Parameters
    ----------
    result : PairDiff
        What `dedup.diff` returned; drawn as it is, nothing is recomputed.
    color : bool, default False
        Add ANSI colours (class tags, deleted and inserted words); the caller decides, e.g. only
        when standard output is a terminal.
    a, b : Article, optional
        The two articles: a header line per side gives the title, source, published and url the
        input gave (`metadata_line`), after the summary line.

    Yields
    ------
    str
        The summary line, the metadata lines (if any), a blank line, then one block per link
        separated by blank lines: the class tag and similarity with A's text, B's text under it
        and, for edited and rewritten pairs, the word diff on a line starting with ``~``.
    """
    alignment = result.alignment
    yield clean(summary_line(result))
    for side, article in (("A", a), ("B", b)):
        line = metadata_line(side, article)
        if line is not None:
            yield clean(line)
    order = display_order(alignment)
    labels = {k: _labels(alignment.links[k]) for k in order}
    width = max([len(label) for pair in labels.values() for label in pair] + [2])
    indent = " " * (_TAG_WIDTH + 7)
    for k in order:
        link = alignment.links[k]
        yield ""
        similarity = f"{link.similarity:.2f}" if link.a and link.b else ""
        tag = _paint(f"{link.kind:<{_TAG_WIDTH}}", color, **_KIND_STYLE.get(link.kind, {}))
        head = f"{tag} {similarity:>4}  "
        label_a, label_b = labels[k]
        if link.a:
            yield f"{head}{label_a:<{width}}  {_text(alignment.a_sentences, link.a)}"
            head = indent
        if link.b:
            yield f"{head}{label_b:<{width}}  {_text(alignment.b_sentences, link.b)}"
        changes = result.word_changes[k] if k < len(result.word_changes) else ()
        if link.kind in WORD_DIFF_KINDS and changes:
            yield f"{indent}{'~':<{width}}  {word_diff(changes, color=color)}"


def _labels(link: SentenceLink) -> tuple[str, str]:
    return sentence_label("A", link.a), sentence_label("B", link.b)


def _text(sentences: Sequence[Sentence], indices: Sequence[int]) -> str:
    return clean(" ".join(sentences[i].text for i in indices))


def _paint(text: str, color: bool, **style) -> str:
    return click.style(text, **style) if color and style else text
