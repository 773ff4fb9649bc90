"""A paraphrase diff (`PairDiff`) as one self-contained HTML page: A and B side by side.

Every sentence is a block coloured by its class (verbatim, edited, rewritten, quote, only in one
side); clicking one highlights it and its partner on the other side and scrolls the partner into
view. Inside edited and rewritten pairs, A's words missing from B are struck through (``<del>``)
and B's words missing from A underlined (``<ins>``). CSS and script are inline and nothing is
loaded from the network, so the file can be mailed or opened offline. All article text goes
through `html.escape`.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence

from dedup.model import PairDiff, Sentence, SentenceLink, WordChange
from dedup.report.diff_text import SHARE_CLASSES, WORD_DIFF_KINDS, percent, sentence_label, summary_line

KIND_LABELS = {
    "verbatim": "verbatim: same words",
    "edited": "edited: a few words changed",
    "rewritten": "rewritten: same content, reworded",
    "quote": "quote: both quote the same words",
    "only-in-A": "only in A",
    "only-in-B": "only in B",
}

# Shares use "new" for sentences found on one side only; they are drawn in the only-in colour.
_SHARE_CLASS_OF = {"new": "only"}

_STYLE = """
:root { --verbatim: #f4b6b6; --edited: #f9d99a; --rewritten: #d9c2f0; --quote: #bfe3f2; --only: #ffffff;
  --ink: #1d1d1f; --muted: #6b6b70; --line: #d6d6db; }
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { display: flex; flex-direction: column; color: var(--ink); background: #f6f6f8;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header { padding: 10px 16px; border-bottom: 1px solid var(--line); background: #fff; }
h1 { font-size: 17px; margin: 0 0 4px; }
.summary { margin: 0 0 6px; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 14px; margin: 0; padding: 0; list-style: none; font-size: 13px; }
.legend li { display: flex; align-items: center; gap: 5px; }
.swatch { display: inline-block; width: 14px; height: 14px; border: 1px solid var(--line); border-radius: 3px; }
.hint { color: var(--muted); font-size: 12px; margin: 6px 0 0; }
main { flex: 1; display: grid; grid-template-columns: 1fr 1fr; min-height: 0; }
.side { display: flex; flex-direction: column; min-height: 0; border-right: 1px solid var(--line); }
.side h2 { font-size: 14px; margin: 0; padding: 8px 12px 4px; background: #fff; word-break: break-all; }
.bar { display: flex; height: 8px; margin: 0 12px 8px; border: 1px solid var(--line); border-radius: 4px;
  overflow: hidden; background: var(--only); }
.sentences { flex: 1; overflow-y: auto; padding: 4px 12px 40vh; }
.s { margin: 6px 0; padding: 6px 8px; border: 1px solid var(--line); border-left-width: 5px; border-radius: 4px;
  background: var(--only); cursor: pointer; }
.s .tag { display: block; color: var(--muted); font-size: 11px; font-family: ui-monospace, Menlo, Consolas, monospace; }
.kind-verbatim { background: var(--verbatim); border-left-color: #c0392b; }
.kind-edited { background: var(--edited); border-left-color: #d68910; }
.kind-rewritten { background: var(--rewritten); border-left-color: #7d3c98; }
.kind-quote { background: var(--quote); border-left-color: #2e86c1; }
.kind-only-in-A, .kind-only-in-B, .kind-only { background: var(--only); border-left-color: var(--line); }
.s.kind-only-in-A, .s.kind-only-in-B { color: #3a3a3f; }
.s.active { outline: 3px solid #111; outline-offset: 1px; box-shadow: 0 0 0 6px rgba(255, 214, 0, .55); }
.s:focus-visible { outline: 2px dashed #111; }
del { background: #f1948a; text-decoration: line-through; }
ins { background: #82e0aa; text-decoration: underline; }
@media (max-width: 700px) { main { grid-template-columns: 1fr; } .sentences { max-height: 50vh; } }
"""

# Clicking (or Enter/Space on) a sentence marks its link on both sides and scrolls each partner in
# the other column into view. Sentences of one link share `data-link`.
_SCRIPT = """
(function () {
  function select(sentence) {
    document.querySelectorAll('.s.active').forEach(function (el) { el.classList.remove('active'); });
    var group = document.querySelectorAll('.s[data-link="' + sentence.dataset.link + '"]');
    var side = sentence.closest('.side');
    var scrolled = false;
    group.forEach(function (el) {
      el.classList.add('active');
      if (!scrolled && el.closest('.side') !== side) {
        el.scrollIntoView({block: 'center', behavior: 'smooth'});
        scrolled = true;
      }
    });
  }
  document.addEventListener('click', function (event) {
    var sentence = event.target.closest('.s');
    if (sentence) { select(sentence); }
  });
  document.addEventListener('keydown', function (event) {
    var sentence = event.target.closest && event.target.closest('.s');
    if (sentence && (event.key === 'Enter' || event.key === ' ')) { event.preventDefault(); select(sentence); }
  });
})();
"""


def diff_html(result: PairDiff) -> Iterator[str]:
    """Lines (without newlines) of one self-contained HTML page showing the diff side by side.

    Parameters
    ----------
    result : PairDiff
        What `dedup.diff` returned; drawn as it is, nothing is recomputed.

    Yields
    ------
    str
        The page, line by line: a header with the summary line and a colour legend, then A's
        sentences (left) and B's (right), each a ``div.s`` with a ``kind-<class>`` class, an id
        ``a-<index>`` / ``b-<index>`` (0-based) and ``data-link`` naming its link.
    """
    alignment = result.alignment
    a_id, b_id = html.escape(alignment.a_id), html.escape(alignment.b_id)
    yield "<!DOCTYPE html>"
    yield '<html lang="en">'
    yield "<head>"
    yield '<meta charset="utf-8">'
    yield '<meta name="viewport" content="width=device-width, initial-scale=1">'
    yield f"<title>dedup diff: {a_id} vs {b_id}</title>"
    yield f"<style>{_STYLE}</style>"
    yield "</head>"
    yield "<body>"
    yield "<header>"
    yield "<h1>dedup diff</h1>"
    yield f'<p class="summary">{html.escape(summary_line(result))}</p>'
    yield '<ul class="legend">'
    for kind, label in KIND_LABELS.items():
        yield f'<li><span class="swatch kind-{kind}"></span>{html.escape(label)}</li>'
    yield "</ul>"
    yield '<p class="hint">Click a sentence to highlight its partner on the other side.</p>'
    yield "</header>"
    yield "<main>"
    for side, name, sentences in (("a", a_id, alignment.a_sentences), ("b", b_id, alignment.b_sentences)):
        yield f'<section class="side" id="side-{side}">'
        yield f"<h2>{side.upper()}: {name}</h2>"
        yield from _share_bar(result, side)
        yield '<div class="sentences">'
        yield from _side_sentences(result, side, sentences)
        yield "</div>"
        yield "</section>"
    yield "</main>"
    yield f"<script>{_SCRIPT}</script>"
    yield "</body>"
    yield "</html>"


def _share_bar(result: PairDiff, side: str) -> Iterator[str]:
    shares = result.alignment.shares(side)
    title = html.escape(", ".join(f"{kind} {percent(shares[kind])}" for kind in SHARE_CLASSES), quote=True)
    yield f'<div class="bar" title="{title}">'
    for kind in SHARE_CLASSES:
        if shares[kind] > 0:
            css = _SHARE_CLASS_OF.get(kind, kind)
            yield f'<span class="kind-{css}" style="width:{100 * shares[kind]:.2f}%"></span>'
    yield "</div>"


def _side_sentences(result: PairDiff, side: str, sentences: Sequence[Sentence]) -> Iterator[str]:
    """One ``div.s`` per sentence of `side`, in that side's order."""
    alignment = result.alignment
    link_of: dict[int, int] = {}
    for k, link in enumerate(alignment.links):
        for i in link.a if side == "a" else link.b:
            link_of[i] = k
    marked: dict[int, str] = {}
    for k, link in enumerate(alignment.links):
        changes = result.word_changes[k] if k < len(result.word_changes) else ()
        if link.kind in WORD_DIFF_KINDS and changes:
            marked.update(_marked_sentences(side, link, changes, sentences))
    for position, sentence in enumerate(sentences):
        k = link_of.get(position)
        link = alignment.links[k] if k is not None else SentenceLink((), (), "only-in-" + side.upper(), 0.0)
        own, other = (link.a, link.b) if side == "a" else (link.b, link.a)
        tag = f"{sentence_label(side.upper(), (position,))} · {link.kind}"
        if own and other:
            tag += f" {link.similarity:.2f} · {sentence_label('B' if side == 'a' else 'A', other)}"
        text = marked.get(position, html.escape(sentence.text))
        yield (
            f'<div class="s kind-{html.escape(link.kind, quote=True)}" id="{side}-{position}"'
            f' data-link="{"" if k is None else k}" tabindex="0">'
            f'<span class="tag">{html.escape(tag)}</span>{text}</div>'
        )


def _marked_sentences(
    side: str, link: SentenceLink, changes: Sequence[WordChange], sentences: Sequence[Sentence]
) -> dict[int, str]:
    """Escaped HTML of each of the link's sentences on `side`, with changed words in del/ins.

    The word changes run over the link's sentences joined by spaces; they are cut back into
    sentences by each sentence's word count. If the counts disagree, nothing is marked.
    """
    indices = link.a if side == "a" else link.b
    tokens: list[tuple[str, bool]] = []
    for change in changes:
        words = change.a if side == "a" else change.b
        changed = change.op != "equal"
        tokens.extend((word, changed) for word in words)
    counts = [len(sentences[i].text.split()) for i in indices]
    if sum(counts) != len(tokens):
        return {}
    element = "del" if side == "a" else "ins"
    result: dict[int, str] = {}
    start = 0
    for i, count in zip(indices, counts):
        result[i] = _mark_runs(tokens[start : start + count], element)
        start += count
    return result


def _mark_runs(tokens: Sequence[tuple[str, bool]], element: str) -> str:
    """Escaped words joined by spaces, each run of changed words wrapped in one `element`."""
    pieces: list[str] = []
    run: list[str] = []
    for word, changed in tokens:
        if changed:
            run.append(html.escape(word))
            continue
        if run:
            pieces.append(f"<{element}>{' '.join(run)}</{element}>")
            run = []
        pieces.append(html.escape(word))
    if run:
        pieces.append(f"<{element}>{' '.join(run)}</{element}>")
    return " ".join(pieces)
