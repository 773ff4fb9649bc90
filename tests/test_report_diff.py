"""The three renderers of a paraphrase diff: terminal text, one JSON document, one HTML page."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup
from dedup.align import word_changes
from dedup.model import Alignment, Article, PairDiff, Sentence, SentenceLink, WordChange
from dedup.report.diff_html import KIND_LABELS, STOP_KINDS, diff_html, verdict
from dedup.report.diff_json import diff_json, diff_record
from dedup.report.diff_text import diff_text, display_order, summary_line

ANSI = re.compile(r"\x1b\[[0-9;]*m")

A_TEXTS = ["Alpha opens the story.", "Bravo said two words here.", "Charlie stays the same.", "Delta ends it all."]
B_TEXTS = [
    "Bravo said two new words here.",
    "Extra added by B.",
    "Charlie stays the same.",
    "Delta ends",
    "it all today.",
]
# A1 only in A; A2-B1 edited; B2 only in B (placed after B1); A3-B3 verbatim; A4 split into B4+5.
LINKS = (
    SentenceLink((0,), (), "only-in-A", 0.0),
    SentenceLink((1,), (0,), "edited", 0.9),
    SentenceLink((2,), (2,), "verbatim", 1.0),
    SentenceLink((3,), (3, 4), "rewritten", 0.41),
    SentenceLink((), (1,), "only-in-B", 0.0),
)


def sentences(texts: list[str], quoted: set[int] = frozenset()) -> tuple[Sentence, ...]:
    return tuple(
        Sentence(i, text, 0, len(text), 1.0 if i in quoted else 0.0, tuple(text.split()), tuple(text.split()))
        for i, text in enumerate(texts)
    )


def make_diff(a_texts=A_TEXTS, b_texts=B_TEXTS, links=LINKS, *, a_id="story-a", b_id="story-b") -> PairDiff:
    """A PairDiff built by hand, with word changes made the way `dedup.diff` makes them."""
    a, b = sentences(list(a_texts)), sentences(list(b_texts))
    changes = tuple(
        word_changes(" ".join(a[i].text for i in link.a), " ".join(b[j].text for j in link.b))
        if link.a and link.b
        else ()
        for link in links
    )
    return PairDiff(Alignment(a_id, b_id, tuple(links), a, b), "rewrite", 0.6123, changes)


@pytest.fixture(scope="module")
def seed_diff(seed_articles) -> PairDiff:
    return dedup.diff(seed_articles["000"], seed_articles["001"])


# --- text -------------------------------------------------------------------------------------


def test_text_starts_with_a_summary_of_shares_relation_and_cosine():
    lines = list(diff_text(make_diff()))
    assert lines[0] == summary_line(make_diff())
    assert lines[0].startswith("A story-a vs B story-b: rewrite, cosine 0.61")
    # A: 4 sentences; "Bravo..." (26 chars) edited, "Charlie..." (23) verbatim, "Delta..." (18) rewritten.
    total_a = sum(len(t) for t in A_TEXTS)
    assert f"verbatim {100 * 23 / total_a:.0f}%" in lines[0].split("| B:")[0]
    assert "quote 0%" in lines[0] and "new " in lines[0]


def test_text_follows_a_order_and_places_b_only_sentences_after_their_preceding_partner():
    body = "\n".join(diff_text(make_diff()))
    positions = [body.index(text) for text in [A_TEXTS[0], A_TEXTS[1], B_TEXTS[1], A_TEXTS[2], A_TEXTS[3]]]
    assert positions == sorted(positions)
    assert re.search(r"^only-in-B\s+B2\s+Extra added by B\.$", body, re.MULTILINE)
    assert re.search(r"^rewritten 0\.41\s+A4\s+Delta ends it all\.$", body, re.MULTILINE)
    assert re.search(r"^\s+B4\+5\s+Delta ends it all today\.$", body, re.MULTILINE)


def test_b_only_sentences_before_any_aligned_one_come_first():
    links = (SentenceLink((0,), (1,), "verbatim", 1.0), SentenceLink((), (0,), "only-in-B", 0.0))
    result = make_diff(["Same words."], ["Lead only in B.", "Same words."], links)
    assert display_order(result.alignment) == [1, 0]
    lines = [line for line in diff_text(result) if line]
    assert lines[1].startswith("only-in-B") and lines[2].startswith("verbatim")


def test_text_marks_deleted_and_inserted_words_in_edited_and_rewritten_pairs_only():
    lines = list(diff_text(make_diff()))
    word_lines = [line.lstrip("~ ") for line in lines if line.lstrip().startswith("~")]
    assert "Bravo said two {+new+} words here." in word_lines
    assert "Delta ends it all {+today+}." in word_lines
    assert len(word_lines) == 2  # none for the verbatim pair


def test_punctuation_stays_in_place_around_changed_words():
    result = make_diff(
        ["They banned the use of such weapons."],
        ["They banned the use of weapons of mass destruction."],
        (SentenceLink((0,), (0,), "edited", 0.7),),
    )
    word_line = [line for line in diff_text(result) if line.lstrip().startswith("~")][0]
    assert word_line.endswith("They banned the use of [-such-] weapons {+of mass destruction+}.")


def test_quote_pairs_show_their_word_changes():
    result = make_diff(
        ['The minister said: "We will not allow it."'],
        ['The minister told reporters: "We will not allow it."'],
        (SentenceLink((0,), (0,), "quote", 0.76),),
    )
    word_lines = [line for line in diff_text(result) if line.lstrip().startswith("~")]
    assert word_lines and word_lines[0].endswith('The minister [-said-] {+told reporters+}: "We will not allow it."')
    page = "".join(diff_html(result))
    assert "<del>said</del>" in page and "<ins>told reporters</ins>" in page


def test_word_changes_give_each_side_back_when_joined():
    a_text, b_text = 'He said: "No, never." Then he left.', 'He told us: "No." Then, he left at 5.30pm.'
    changes = word_changes(a_text, b_text)
    assert "".join(token for change in changes for token in change.a) == a_text
    assert "".join(token for change in changes for token in change.b) == b_text


def test_replaced_words_show_both_marks():
    result = make_diff(["The cat sat."], ["The dog sat."], (SentenceLink((0,), (0,), "edited", 0.8),))
    assert any(line.endswith("The [-cat-] {+dog+} sat.") for line in diff_text(result))


def test_colour_only_when_asked():
    plain = "\n".join(diff_text(make_diff()))
    coloured = "\n".join(diff_text(make_diff(), color=True))
    assert not ANSI.search(plain)
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == plain


def test_terminal_escape_sequences_in_an_article_are_shown_not_obeyed():
    result = make_diff(["Evil \x1b[2J text."], ["Other."], (SentenceLink((0,), (0,), "rewritten", 0.5),))
    body = "\n".join(diff_text(result))
    assert "\x1b" not in body
    assert "Evil \\x1b[2J text." in body


def test_text_on_the_seeds_shows_001_mostly_as_rewritten_from_000(seed_diff):
    lines = list(diff_text(seed_diff))
    assert lines[0].startswith("A 000_dcd977f381deb860 vs B 001_9f484aa0f34f7918: rewrite")
    b_numbers = [
        m.group(2) for line in lines if (m := re.match(r"^(\S+\s+\d\.\d\d|only-in-B|\s+)\s+B([\d+]+)", line))
    ]  # a split or merge shows as B14+15 on one line
    assert sum(len(number.split("+")) for number in b_numbers) == len(seed_diff.alignment.b_sentences) == 20
    rewritten_b = sum(len(link.b) for link in seed_diff.alignment.links if link.kind == "rewritten")
    assert rewritten_b > 10  # most of 001's 20 sentences
    assert sum(line.startswith("rewritten") for line in lines) == sum(
        link.kind == "rewritten" for link in seed_diff.alignment.links
    )


# --- JSON -------------------------------------------------------------------------------------


def test_json_is_one_document_that_parses_back_to_the_same_data(seed_diff):
    text = "".join(diff_json(seed_diff))
    parsed = json.loads(text)
    assert parsed == diff_record(seed_diff)
    alignment = seed_diff.alignment
    assert (parsed["a"], parsed["b"], parsed["relation"]) == (alignment.a_id, alignment.b_id, seed_diff.relation)
    assert parsed["cosine"] == seed_diff.cosine
    assert parsed["shares"] == {"a": alignment.shares("a"), "b": alignment.shares("b")}
    links = tuple(SentenceLink(tuple(r["a"]), tuple(r["b"]), r["kind"], r["similarity"]) for r in parsed["links"])
    assert links == alignment.links
    changes = tuple(
        tuple(WordChange(op, tuple(a), tuple(b)) for op, a, b in r["word_changes"]) for r in parsed["links"]
    )
    assert changes == seed_diff.word_changes
    for side, ours in (("a", alignment.a_sentences), ("b", alignment.b_sentences)):
        assert [(s["index"], s["text"], s["quote_share"]) for s in parsed["sentences"][side]] == [
            (s.index, s.text, s.quote_share) for s in ours
        ]


def test_json_keeps_non_ascii_text_readable():
    result = make_diff(["Zürich said “no”."], ["Zürich said no."], (SentenceLink((0,), (0,), "edited", 0.9),))
    text = "".join(diff_json(result))
    assert "Zürich said “no”." in text
    assert text.endswith("}\n")


# --- HTML -------------------------------------------------------------------------------------


class _SentenceTexts(HTMLParser):
    """Collects, per sentence element id, its attributes and its visible text without the tag label;
    and the text of each side's title, outlet, date and link."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sentences: dict[str, dict] = {}
        self.scripts = 0
        self.marks: dict[str, list[str]] = {}
        self.meta: dict[str, dict[str, str]] = {}
        self.links: list[str] = []
        self.main: dict[str, str] = {}
        self._current: str | None = None
        self._in_tag = False
        self._mark: str | None = None
        self._side: str | None = None
        self._meta_field: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "main":
            self.main = attributes
        if tag == "section" and (attributes.get("id") or "").startswith("side-"):
            self._side = attributes["id"][-1]
        if tag == "a":
            self.links.append(attributes.get("href") or "")
        classes = (attributes.get("class") or "").split()
        if self._side and (tag == "a" or (classes and classes[0] in ("title", "source", "published", "url"))):
            self._meta_field = "url" if tag == "a" else classes[0]
            self.meta.setdefault(self._side, {})[self._meta_field] = ""
        if tag == "div" and "s" in classes:
            self._current = attributes["id"]
            self.sentences[self._current] = {
                "classes": classes,
                "link": attributes.get("data-link"),
                "role": attributes.get("role"),
                "pressed": attributes.get("aria-pressed"),
                "tabindex": attributes.get("tabindex"),
                "text": "",
            }
        elif tag == "span" and "tag" in classes:
            self._in_tag = True
        elif tag in ("del", "ins") and self._current:
            self._mark = tag
            self.marks.setdefault(self._current, []).append(f"{tag}:")

    def handle_endtag(self, tag):
        if tag == "div":
            self._current = None
        elif tag in ("span", "a"):
            self._in_tag = False
            self._meta_field = None
        elif tag in ("del", "ins"):
            self._mark = None
        elif tag == "section":
            self._side = None

    def handle_data(self, data):
        if self._meta_field and self._side:
            self.meta[self._side][self._meta_field] += data
        if self._current and not self._in_tag:
            self.sentences[self._current]["text"] += data
            if self._mark:
                self.marks[self._current][-1] += data


def parse_page(result: PairDiff, **articles: Article) -> tuple[str, _SentenceTexts]:
    page = "\n".join(diff_html(result, **articles))
    parser = _SentenceTexts()
    parser.feed(page)
    return page, parser


def test_html_is_one_self_contained_page():
    page, parser = parse_page(make_diff())
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert parser.scripts == 1  # our own inline script, nothing else
    assert not re.search(r"(?i)<link|src=|@import|url\(|https?://", page)


def test_html_shows_summary_legend_and_two_columns_with_a_class_per_kind():
    result = make_diff()
    page, parser = parse_page(result)
    assert summary_line(result) in page
    for kind in ("verbatim", "edited", "rewritten", "quote", "only-in-A", "only-in-B"):
        assert f'class="swatch kind-{kind}"' in page
    assert page.index('id="side-a"') < page.index('id="side-b"')
    assert set(parser.sentences) == {f"a-{i}" for i in range(4)} | {f"b-{j}" for j in range(5)}
    assert "kind-rewritten" in parser.sentences["a-3"]["classes"]
    assert "kind-only-in-B" in parser.sentences["b-1"]["classes"]
    # partners share a link id, so that a click can find them
    assert parser.sentences["a-3"]["link"] == parser.sentences["b-3"]["link"] == parser.sentences["b-4"]["link"]
    assert parser.sentences["a-0"]["link"] != parser.sentences["b-1"]["link"]


def test_html_marks_word_changes_inside_edited_and_rewritten_pairs():
    _, parser = parse_page(make_diff())
    assert parser.marks["b-0"] == ["ins:new"]
    assert "a-0" not in parser.marks and "a-2" not in parser.marks  # only-in-A and verbatim
    # the split B side: the inserted word falls in the second sentence of the run
    assert parser.sentences["b-3"]["text"] == "Delta ends" and "b-3" not in parser.marks
    assert parser.marks["b-4"] == ["ins:today"]  # the full stop is no change


def test_a_hostile_article_renders_as_text():
    hostile = [
        'Click <script>alert(1)</script> & <img src=x onerror="alert(2)"> now.',
        "Then <script>alert(3)</script>.",
    ]
    links = (SentenceLink((0,), (0,), "rewritten", 0.5), SentenceLink((1,), (), "only-in-A", 0.0))
    result = make_diff(hostile, ['Click <script>alert("x")</script> later.'], links, a_id="<b>id</b>")
    page, parser = parse_page(result)
    assert "<script>alert" not in page and "<img" not in page and "<b>id</b>" not in page
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in page
    assert parser.scripts == 1
    assert parser.sentences["a-0"]["text"] == hostile[0]  # inside a rewritten pair, with word marks
    assert parser.sentences["a-1"]["text"] == hostile[1]  # only in A, drawn as it is


def test_verdict_says_in_words_what_b_does_with_a_largest_share_first():
    # B: 93 characters: edited 30, verbatim 23, rewritten 10 + 13, new 17; A: 89, of which 22 only in A
    assert verdict(make_diff()) == (
        "B is a rewrite of A: 32% of B copies A with a few words changed, 25% copies it word for word,"
        " 25% retells it in new words, 18% is not in A. B draws on 75% of A."
    )


def test_verdict_on_the_seeds_reads_like_the_issue_asked(seed_diff):
    shares = seed_diff.alignment.shares("b")
    assert shares["verbatim"] == 0 and round(100 * shares["rewritten"]) == 59
    assert verdict(seed_diff).startswith("B is a rewrite of A: 59% of B retells A in new words, 41% is not in A.")
    page, _ = parse_page(seed_diff)
    assert page.index(f'id="verdict">{verdict(seed_diff)}<') < page.index('id="side-a"')


def test_verdict_when_nothing_is_shared_and_when_a_share_is_tiny():
    apart = make_diff(
        ["One."], ["Two."], (SentenceLink((0,), (), "only-in-A", 0.0), SentenceLink((), (0,), "only-in-B", 0.0))
    )
    assert verdict(apart) == "B is a rewrite of A: no sentence of B is in A."
    long_b = ["Same words.", "x" * 3000]
    links = (SentenceLink((0,), (0,), "verbatim", 1.0), SentenceLink((), (1,), "only-in-B", 0.0))
    tiny = PairDiff(
        Alignment("a", "b", links, sentences(["Same words."]), sentences(long_b)), "same-story", 0.1, ((), ())
    )
    assert verdict(tiny) == (
        "B is on the same story as A: over 99% of B is not in A, under 1% copies it word for word."
        " B draws on 100% of A."
    )
    # a side with no sentence (news furniture alone): no shares to tell of, not "B is ...: ."
    furniture = make_diff([], ["One."], (SentenceLink((), (0,), "only-in-B", 0.0),))
    assert verdict(furniture).endswith(": A has no sentence to compare.")
    both = PairDiff(Alignment("a", "b", (), sentences([]), sentences([])), "unrelated", 0.0, ((), ()))
    assert verdict(both) == "B is unrelated to A: A and B have no sentence to compare."


def test_titles_outlets_dates_and_links_are_shown_escaped_when_known():
    a = Article(
        "a",
        "text",
        title="Talks <b>stall</b> & resume",
        source="Dawn",
        published="2024-12-22",
        url="https://example.org/a?x=1&y=<2>",
    )
    b = Article("b", "text", source="AP <i>", url="javascript:alert(1)")
    page, parser = parse_page(make_diff(), a=a, b=b)
    assert parser.meta["a"] == {
        "title": "Talks <b>stall</b> & resume",
        "source": "Dawn",
        "published": "2024-12-22",
        "url": "https://example.org/a?x=1&y=<2>",
    }
    assert parser.meta["b"] == {"source": "AP <i>", "url": "javascript:alert(1)"}
    assert parser.links == ["https://example.org/a?x=1&y=<2>"]  # the javascript: URL is text, not a link
    assert "<b>stall" not in page and "<i>" not in page
    _, bare = parse_page(make_diff(), a=Article("a", "text"))
    assert bare.meta == {} and bare.links == []


def test_every_sentence_is_a_toggle_button_and_the_changes_are_listed_in_reading_order():
    result = make_diff()
    page, parser = parse_page(result)
    for sentence in parser.sentences.values():
        assert (sentence["role"], sentence["pressed"], sentence["tabindex"]) == ("button", "false", "0")
    order = display_order(result.alignment)
    assert parser.main["data-order"].split() == [str(k) for k in order]
    # every link but the verbatim one (A3-B3, link 2) is a change
    assert parser.main["data-stops"].split() == [str(k) for k in order if k != 2]
    assert STOP_KINDS == set(KIND_LABELS) - {"verbatim"}
    assert '<button type="button" id="next-change"' in page and '<button type="button" id="previous-change"' in page


def test_a_verbatim_copy_has_no_change_to_walk_to():
    links = (SentenceLink((0,), (0,), "verbatim", 1.0),)
    page, parser = parse_page(make_diff(["Same words."], ["Same words."], links))
    assert parser.main["data-stops"] == ""
    assert 'id="next-change" data-step="1" disabled>' in page and 'data-step="-1" disabled>' in page
    assert ">0 changes</span>" in page


# --- colours: parsed from the CSS the page ships ------------------------------------------------


def srgb(colour: str) -> tuple[float, float, float]:
    """``#rrggbb`` or ``rgb(r, g, b)`` (as browsers report computed colours) as 0-255 floats."""
    if colour.startswith("#"):
        return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    numbers = [float(n) for n in re.findall(r"[\d.]+", colour)]
    assert len(numbers) == 3 or numbers[3] == 1, f"not an opaque colour: {colour}"
    return tuple(numbers[:3])


def _linear(channel: float) -> float:
    channel /= 255
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance."""
    r, g, b = (_linear(c) for c in srgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(one: str, other: str) -> float:
    """WCAG 2 contrast ratio, 1 to 21."""
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def delta_e(one: str, other: str) -> float:
    """CIE76 colour difference in CIELAB (D65): about 2.3 is just noticeable, over 20 clearly different hues."""

    def lab(colour: str) -> tuple[float, float, float]:
        r, g, b = (_linear(c) for c in srgb(colour))
        x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
        y = 0.2126 * r + 0.7152 * g + 0.0722 * b
        z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
        f = [t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in (x, y, z)]
        return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])

    return sum((p - q) ** 2 for p, q in zip(lab(one), lab(other))) ** 0.5


def shipped_css() -> tuple[str, dict[str, str]]:
    """The page's style sheet and its colour variables (``--name: #rrggbb``)."""
    page = "\n".join(diff_html(make_diff()))
    css = re.search(r"<style>(.*?)</style>", page, re.DOTALL).group(1)
    return css, dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", css))


def test_every_class_colour_keeps_text_at_wcag_aa_contrast():
    css, colours = shipped_css()
    backgrounds = [*KIND_LABELS, "del", "ins", "page", "panel"]
    for name in backgrounds:  # each class rule paints its own variable, so the variables are what is seen
        selector = f".kind-{name}" if name in KIND_LABELS else name
        if name in KIND_LABELS or name in ("del", "ins"):
            assert re.search(rf"(?m)^{re.escape(selector)} \{{ background: var\(--{name}\);", css), selector
        for ink in ("ink", "muted"):
            ratio = contrast_ratio(colours[ink], colours[name])
            assert ratio >= 4.5, f"--{ink} {colours[ink]} on --{name} {colours[name]}: {ratio:.2f}"
    assert contrast_ratio(colours["link"], colours["panel"]) >= 4.5


def test_verbatim_and_deleted_words_and_the_two_only_in_swatches_cannot_be_confused():
    css, colours = shipped_css()
    assert delta_e(colours["verbatim"], colours["del"]) >= 25
    assert "line-through" in re.search(r"(?m)^del \{[^}]*\}", css).group(0)  # and a mark that is not colour
    assert delta_e(colours["only-in-A"], colours["only-in-B"]) >= 15
    kinds = list(KIND_LABELS)
    for i, one in enumerate(kinds):
        for other in kinds[i + 1 :]:
            assert delta_e(colours[one], colours[other]) >= 10, (one, other)


_HOSTILE_TEXT = st.text(alphabet=st.sampled_from(list("ab <>&\"'/=;é")), min_size=1, max_size=40).filter(
    lambda text: text.strip()
)


@settings(max_examples=60, deadline=None)
@given(a_texts=st.lists(_HOSTILE_TEXT, min_size=4, max_size=4), b_texts=st.lists(_HOSTILE_TEXT, min_size=5, max_size=5))
def test_every_sentence_reads_back_as_its_own_text_in_html_and_json(a_texts, b_texts):
    result = make_diff(a_texts, b_texts)
    _, parser = parse_page(result)
    assert parser.scripts == 1
    for side, texts in (("a", a_texts), ("b", b_texts)):
        for index, text in enumerate(texts):
            shown = parser.sentences[f"{side}-{index}"]["text"]
            # marked sentences are redrawn token by token, spaced as given, without spaces at the ends
            assert shown in (text, text.strip())
    assert json.loads("".join(diff_json(result))) == diff_record(result)
