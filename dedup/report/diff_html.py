"""A paraphrase diff (`PairDiff`) as one self-contained HTML page: A and B side by side.

Above the two sides, a verdict in plain words ("B is a rewrite of A: 59% of B retells A in new
words ...") drawn from the shares the alignment carries, a colour legend and next/previous change
buttons. Each side is headed by its id and, when the caller passes the articles, their title,
outlet, date and link. Every sentence is a toggle button (``role="button"``, ``aria-pressed``)
coloured by its class (verbatim, edited, rewritten, quote, only in one side); pressing one
highlights it and its partner on the other side and scrolls the partner into view. Inside edited
and rewritten pairs, A's words missing from B are struck through on grey (``<del>``) and B's words
missing from A underlined on green (``<ins>``). On screens 700 px wide or less the sides stack in one
column. CSS and script are inline and nothing is loaded from the network, so the file can be
mailed or opened offline. All article text and metadata go through `dedup.report.escape_html`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from dedup.align import display_tokens
from dedup.model import PairDiff, Sentence, SentenceLink, WordChange
from dedup.report import escape_html
from dedup.report.diff_text import SHARE_CLASSES, WORD_DIFF_KINDS, display_order, percent, sentence_label, summary_line

KIND_LABELS = {
    "verbatim": "verbatim: same words",
    "edited": "edited: a few words changed",
    "rewritten": "rewritten: same content, reworded",
    "quote": "quote: both quote the same words",
    "only-in-A": "only in A",
    "only-in-B": "only in B",
}

STOP_KINDS = frozenset(KIND_LABELS) - {"verbatim"}
"""Link kinds the next/previous change buttons stop at: every link where B differs from A."""

# How each share class (`Alignment.shares`) reads in the verdict, first about A by name, then by "it".
_VERDICT_PHRASES = {
    "verbatim": ("copies A word for word", "copies it word for word"),
    "edited": ("copies A with a few words changed", "copies it with a few words changed"),
    "rewritten": ("retells A in new words", "retells it in new words"),
    "quote": ("quotes the same words A quotes", "quotes the same words A quotes"),
    "new": ("is not in A", "is not in A"),
}
_RELATION_PHRASES = {
    "duplicate": "B is a duplicate of A",
    "near-duplicate": "B is a near-duplicate of A",
    "rewrite": "B is a rewrite of A",
    "same-story": "B is on the same story as A",
    "unrelated": "B is unrelated to A",
}

# Every colour of the page. Text (--ink, --muted) keeps a contrast of at least 4.5:1 (WCAG AA) on
# every background here (tests/test_report_diff.py and tests/test_diff_browser.py check it);
# verbatim (red) and deleted words (grey, struck through) differ in hue; only-in-A is grey like
# deleted words, only-in-B green like inserted ones.
_STYLE = """
:root { --verbatim: #f5a8a0; --edited: #fbe08c; --rewritten: #dccbf4; --quote: #b9def2;
  --only-in-A: #e4e4e8; --only-in-B: #d3f0d8; --del: #c9c9d1; --ins: #9fe0b0;
  --ink: #1d1d1f; --muted: #404046; --link: #0b57d0; --line: #b8b8c0; --page: #f6f6f8; --panel: #ffffff; }
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { display: flex; flex-direction: column; color: var(--ink); background: var(--page);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header { padding: 10px 16px 6px; border-bottom: 1px solid var(--line); background: var(--panel); }
h1 { font-size: 13px; margin: 0 0 2px; color: var(--muted); font-weight: 600; }
.verdict { font-size: 17px; font-weight: 600; margin: 0 0 6px; }
.summary { margin: 0 0 6px; color: var(--muted); overflow-wrap: anywhere;
  font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 0; padding: 0; list-style: none; font-size: 13px; }
.legend li { display: flex; align-items: center; gap: 5px; }
.swatch { display: inline-block; width: 14px; height: 14px; border: 1px solid var(--ink); border-radius: 3px; }
.hint { color: var(--muted); font-size: 12px; margin: 4px 0 0; }
nav.changes { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; padding: 6px 16px;
  background: var(--panel); border-bottom: 1px solid var(--line); }
nav.changes button { font: inherit; font-size: 14px; padding: 4px 12px; min-height: 36px; color: var(--ink);
  background: var(--panel); border: 1px solid var(--ink); border-radius: 4px; cursor: pointer; }
nav.changes button:disabled { cursor: default; border-style: dashed; }
nav.changes button:focus-visible { outline: 3px solid var(--link); outline-offset: 1px; }
#change-status { font-size: 13px; color: var(--muted); }
main { flex: 1; display: grid; grid-template-columns: 1fr 1fr; min-height: 0; }
.side { display: flex; flex-direction: column; min-height: 0; min-width: 0; border-right: 1px solid var(--line); }
.side-head { padding: 8px 12px 4px; background: var(--panel); }
.side h2 { font-size: 14px; margin: 0; overflow-wrap: anywhere; }
.meta { margin: 2px 0 0; font-size: 13px; overflow-wrap: anywhere; }
.meta .title { display: block; font-weight: 600; }
.meta .facts { color: var(--muted); }
.meta a { color: var(--link); }
.bar { display: flex; height: 8px; margin: 0 12px 8px; border: 1px solid var(--line); border-radius: 4px;
  overflow: hidden; background: var(--panel); }
.sentences { flex: 1; overflow-y: auto; padding: 4px 12px 40vh; }
.s { display: block; margin: 6px 0; padding: 6px 8px; border: 1px solid var(--line); border-left-width: 5px;
  border-radius: 4px; background: var(--panel); cursor: pointer; scroll-margin: 64px 0 12px; }
.s .tag { display: block; color: var(--muted); font-size: 11px; font-family: ui-monospace, Menlo, Consolas, monospace; }
.kind-verbatim { background: var(--verbatim); border-left-color: #b03020; }
.kind-edited { background: var(--edited); border-left-color: #a86a00; }
.kind-rewritten { background: var(--rewritten); border-left-color: #6a2c8a; }
.kind-quote { background: var(--quote); border-left-color: #1f6f9f; }
.kind-only-in-A { background: var(--only-in-A); border-left-color: #6b6b74; }
.kind-only-in-B { background: var(--only-in-B); border-left-color: #2e8b57; }
.s.active { outline: 3px solid var(--ink); outline-offset: 1px; box-shadow: 0 0 0 6px rgba(255, 214, 0, .6); }
.s:focus-visible { outline: 3px dashed var(--link); outline-offset: 2px; }
.s.active:focus-visible { outline: 3px solid var(--ink); box-shadow: 0 0 0 6px rgba(255, 214, 0, .6),
  0 0 0 9px var(--link); }
del { background: var(--del); color: var(--ink); text-decoration: line-through; }
ins { background: var(--ins); color: var(--ink); text-decoration: underline; }
@media (max-width: 700px) {
  html, body { height: auto; }
  body { display: block; }
  header { padding: 8px 10px 6px; }
  .verdict { font-size: 16px; }
  nav.changes { position: sticky; top: 0; z-index: 1; padding: 6px 10px; }
  main { display: block; }
  .side { border-right: 0; border-bottom: 1px solid var(--line); }
  .sentences { overflow: visible; padding: 4px 10px 12px; }
}
"""

# Pressing a sentence (click, Enter or Space) marks every sentence of its link (same `data-link`)
# as active and aria-pressed, and scrolls a partner on the other side into view; pressing it again
# clears the mark. Next/previous change (buttons, or the n and p keys) walk the links listed in
# main's `data-stops`, in the reading order of `data-order`: focus goes to the link's first
# sentence. When the sides stack in one column (narrow screens), the page is one scroller, so
# next/previous keep the focused sentence in view instead of jumping to its partner.
_SCRIPT = """
(function () {
  var main = document.querySelector('main');
  var order = main.dataset.order ? main.dataset.order.split(' ') : [];
  var stops = main.dataset.stops ? main.dataset.stops.split(' ') : [];
  var status = document.getElementById('change-status');
  var current = null;
  var motion = matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth';
  function members(link) { return document.querySelectorAll('.s[data-link="' + link + '"]'); }
  function clear() {
    document.querySelectorAll('.s.active').forEach(function (el) {
      el.classList.remove('active');
      el.setAttribute('aria-pressed', 'false');
    });
    current = null;
  }
  function columnsScrollApart(el) {
    return getComputedStyle(el.closest('.sentences')).overflowY !== 'visible';
  }
  function select(sentence, follow) {
    clear();
    current = sentence.dataset.link;
    var side = sentence.closest('.side');
    var scrolled = false;
    members(current).forEach(function (el) {
      el.classList.add('active');
      el.setAttribute('aria-pressed', 'true');
      if (follow && !scrolled && el.closest('.side') !== side) {
        el.scrollIntoView({block: 'center', behavior: motion});
        scrolled = true;
      }
    });
    var stop = stops.indexOf(current);
    if (stop >= 0) { status.textContent = 'Change ' + (stop + 1) + ' of ' + stops.length; }
  }
  function press(sentence) {
    if (sentence.getAttribute('aria-pressed') === 'true') { clear(); return; }
    select(sentence, true);
  }
  function move(step) {
    if (!stops.length) { return; }
    var here = current === null ? -1 : order.indexOf(current);
    var target = null;
    if (step > 0) {
      target = stops.find(function (link) { return order.indexOf(link) > here; });
    } else {
      var before = stops.filter(function (link) { return here < 0 || order.indexOf(link) < here; });
      target = before.length ? before[before.length - 1] : null;
    }
    if (target === null || target === undefined) {
      status.textContent = step > 0 ? 'No later change' : 'No earlier change';
      return;
    }
    var first = members(target)[0];
    // Centred, not scrolled to the nearest edge by focus(): at the top edge it would sit under the
    // navigation bar, which is taller than the scroll margin once its buttons wrap (390 px).
    first.focus({preventScroll: true});
    first.scrollIntoView({block: 'center', behavior: motion});
    select(first, columnsScrollApart(first));
  }
  document.addEventListener('click', function (event) {
    var sentence = event.target.closest('.s');
    if (sentence) { press(sentence); return; }
    var button = event.target.closest('button[data-step]');
    if (button) { move(Number(button.dataset.step)); }
  });
  document.addEventListener('keydown', function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var sentence = event.target.closest && event.target.closest('.s');
    if (sentence && (event.key === 'Enter' || event.key === ' ')) { event.preventDefault(); press(sentence); }
    else if (event.key === 'n') { move(1); }
    else if (event.key === 'p') { move(-1); }
  });
})();
"""


class ArticleFacts(Protocol):
    """What the page shows of an article besides its text: an `Article` or a cluster `Member` will do."""

    @property
    def title(self) -> str | None: ...

    @property
    def source(self) -> str | None: ...

    @property
    def published(self) -> str | None: ...

    @property
    def url(self) -> str | None: ...


def verdict(result: PairDiff) -> str:
    """One sentence in plain words saying what B does with A, from the shares the alignment carries.

    B's share of characters in each class, largest first, then how much of A B draws on, e.g.
    ``B is a rewrite of A: 59% of B retells A in new words, 41% is not in A. B draws on 45% of A.``
    Nothing is recomputed beyond reading those shares.
    """
    alignment = result.alignment
    shares_b, shares_a = alignment.shares("b"), alignment.shares("a")
    opening = _RELATION_PHRASES.get(result.relation, f"B and A: {result.relation}")
    empty = [side for side, sentences in (("A", alignment.a_sentences), ("B", alignment.b_sentences)) if not sentences]
    if empty:  # all news furniture: nothing left to compare
        return f"{opening}: {' and '.join(empty)} {'has' if len(empty) == 1 else 'have'} no sentence to compare."
    if shares_b["new"] >= 1.0:
        return f"{opening}: no sentence of B is in A."
    ranked = sorted((kind for kind in SHARE_CLASSES if shares_b[kind] > 0), key=lambda kind: -shares_b[kind])
    parts = []
    for position, kind in enumerate(ranked):
        first, later = _VERDICT_PHRASES[kind]
        share = _share_words(shares_b[kind])
        parts.append(f"{share} of B {first}" if position == 0 else f"{share} {later}")
    drawn = _share_words(1.0 - shares_a["new"])
    return f"{opening}: {', '.join(parts)}. B draws on {drawn} of A."


def _share_words(share: float) -> str:
    """A share as a whole percentage that never rounds a part to nothing or to everything."""
    if 0 < share < 0.005:
        return "under 1%"
    if 0.995 <= share < 1:
        return "over 99%"
    return percent(share)


def diff_html(result: PairDiff, *, a: ArticleFacts | None = None, b: ArticleFacts | None = None) -> Iterator[str]:
    """Lines (without newlines) of one self-contained HTML page showing the diff side by side.

    Parameters
    ----------
    result : PairDiff
        What `dedup.diff` returned; drawn as it is, nothing is recomputed.
    a, b : Article or Member, optional
        The two articles (anything with ``title``, ``source``, ``published`` and ``url``), for the
        title, outlet, date and link shown over each side; a side without them shows its id only.
        Only ``http`` and ``https`` URLs become links.

    Yields
    ------
    str
        The page, line by line: a header with the verdict, the summary line and a colour legend,
        the next/previous change buttons, then A's sentences (left) and B's (right), each a
        ``div.s`` toggle button with a ``kind-<class>`` class, an id ``a-<index>`` / ``b-<index>``
        (0-based), ``aria-pressed`` and ``data-link`` naming its link.
    """
    alignment = result.alignment
    a_id, b_id = escape_html(alignment.a_id), escape_html(alignment.b_id)
    order = display_order(alignment)
    stops = [k for k in order if alignment.links[k].kind in STOP_KINDS]
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
    yield f'<p class="verdict" id="verdict">{escape_html(verdict(result))}</p>'
    yield f'<p class="summary">{escape_html(summary_line(result))}</p>'
    yield '<ul class="legend">'
    for kind, label in KIND_LABELS.items():
        yield f'<li><span class="swatch kind-{kind}"></span>{escape_html(label)}</li>'
    yield "<li><del>struck</del> word only in A</li>"
    yield "<li><ins>underlined</ins> word only in B</li>"
    yield "</ul>"
    yield (
        '<p class="hint">Click or tap a sentence to highlight its partner on the other side;'
        " the buttons below, or the n and p keys, move to the next and previous change.</p>"
    )
    yield "</header>"
    yield '<nav class="changes" aria-label="Changes">'
    disabled = "" if stops else " disabled"
    yield f'<button type="button" id="previous-change" data-step="-1"{disabled}>&larr; Previous change</button>'
    yield f'<button type="button" id="next-change" data-step="1"{disabled}>Next change &rarr;</button>'
    status = f"{len(stops)} changes" if len(stops) != 1 else "1 change"
    yield f'<span id="change-status" role="status" aria-live="polite">{status}</span>'
    yield "</nav>"
    yield f'<main data-order="{" ".join(map(str, order))}" data-stops="{" ".join(map(str, stops))}">'
    sides = (("a", a_id, alignment.a_sentences, a), ("b", b_id, alignment.b_sentences, b))
    for side, name, sentences, facts in sides:
        yield f'<section class="side" id="side-{side}" aria-label="{side.upper()}">'
        yield '<div class="side-head">'
        yield f"<h2>{side.upper()}: {name}</h2>"
        yield from _facts(facts)
        yield "</div>"
        yield from _share_bar(result, side)
        yield '<div class="sentences">'
        yield from _side_sentences(result, side, sentences)
        yield "</div>"
        yield "</section>"
    yield "</main>"
    yield f"<script>{_SCRIPT}</script>"
    yield "</body>"
    yield "</html>"


def _facts(facts: ArticleFacts | None) -> Iterator[str]:
    """The escaped title, outlet, date and link of one side, if any are known."""
    if facts is None:
        return
    title, source, published, url = facts.title, facts.source, facts.published, facts.url
    if not (title or source or published or url):
        return
    yield '<p class="meta">'
    if title:
        yield f'<span class="title">{escape_html(title)}</span>'
    details = [
        f'<span class="{name}">{escape_html(value)}</span>'
        for name, value in (("source", source), ("published", published))
        if value
    ]
    if url:
        details.append(url_link(url, escape_html(url)))
    if details:
        yield f'<span class="facts">{" · ".join(details)}</span>'
    yield "</p>"


def _share_bar(result: PairDiff, side: str) -> Iterator[str]:
    shares = result.alignment.shares(side)
    title = escape_html(", ".join(f"{kind} {percent(shares[kind])}" for kind in SHARE_CLASSES))
    yield f'<div class="bar" title="{title}">'
    for kind in SHARE_CLASSES:
        if shares[kind] > 0:
            css = "only-in-" + side.upper() if kind == "new" else kind
            yield f'<span class="kind-{css}" style="width:{100 * shares[kind]:.2f}%"></span>'
    yield "</div>"


def _side_sentences(result: PairDiff, side: str, sentences: Sequence[Sentence]) -> Iterator[str]:
    """One ``div.s`` toggle button per sentence of `side`, in that side's order."""
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
        text = marked.get(position, escape_html(sentence.text))
        data_link = f"{side}{position}" if k is None else str(k)  # a sentence in no link stands alone
        yield (
            f'<div class="s kind-{escape_html(link.kind)}" id="{side}-{position}"'
            f' data-link="{data_link}" role="button" tabindex="0" aria-pressed="false">'
            f'<span class="tag">{escape_html(tag)}</span>{text}</div>'
        )


def _marked_sentences(
    side: str, link: SentenceLink, changes: Sequence[WordChange], sentences: Sequence[Sentence]
) -> dict[int, str]:
    """Escaped HTML of each of the link's sentences on `side`, with changed words in del/ins.

    The word changes run over the link's sentences joined by spaces, in `display_tokens`; they are
    cut back into sentences by each sentence's token count. If the counts disagree, nothing is
    marked.
    """
    indices = link.a if side == "a" else link.b
    tokens: list[tuple[str, bool]] = []
    for change in changes:
        words = change.a if side == "a" else change.b
        changed = change.op != "equal"
        tokens.extend((word, changed) for word in words)
    counts = [len(display_tokens(sentences[i].text)) for i in indices]
    if sum(counts) != len(tokens):
        return {}
    element = "del" if side == "a" else "ins"
    result: dict[int, str] = {}
    start = 0
    for i, count in zip(indices, counts):
        result[i] = _mark_runs(tokens[start : start + count], element).strip()
        start += count
    return result


def _mark_runs(tokens: Sequence[tuple[str, bool]], element: str) -> str:
    """Escaped tokens as spaced in the text, each run of changed tokens wrapped in one `element`
    (the space before a run stays outside it)."""
    pieces: list[str] = []
    run: list[str] = []

    def close_run() -> None:
        text = "".join(run)
        inner = text.lstrip()
        pieces.append(f"{text[: len(text) - len(inner)]}<{element}>{escape_html(inner)}</{element}>")
        run.clear()

    for token, changed in tokens:
        if changed:
            run.append(token)
            continue
        if run:
            close_run()
        pieces.append(escape_html(token))
    if run:
        close_run()
    return "".join(pieces)


def url_link(url: str, label: str) -> str:
    """An article's `url` as a link showing `label` (HTML, escaped by the caller) when it is a web
    address (http or https), else as plain text: a ``javascript:`` or ``data:`` url from the
    input must not become something a click runs in the report's page."""
    if url.strip().lower().startswith(("http://", "https://")):
        return f'<a href="{escape_html(url.strip())}" rel="noreferrer noopener">{label}</a>'
    return f'<span class="url">{escape_html(url)}</span>'
