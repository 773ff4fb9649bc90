"""The HTML diff page in a real browser, 1366 and 390 px wide: the verdict and each side's title,
outlet and date sit above the sides, which stand side by side on a desktop and one under the other
on a phone; pressing a sentence (click or keyboard) toggles it and highlights its partner;
next/previous change move the focus; every text colour keeps WCAG AA contrast on what is behind
it; and a hostile article's markup stays text.

Needs Debian's `chromium` at /usr/bin/chromium and the `playwright` Python package (its own browser
downloads are never used); skipped when either is absent.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from chromium import WIDTHS, needs_chromium
from test_report_diff import contrast_ratio, delta_e

import dedup
from dedup.model import Article, PairDiff
from dedup.report.diff_html import KIND_LABELS, diff_html, verdict
from dedup.report.diff_text import display_order

pytestmark = needs_chromium
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install playwright)")
expect = sync_api.expect

ACTIVE = re.compile(r"\bactive\b")
HOSTILE = "Readers posted <script>alert(1)</script> and <img src=x onerror=alert(2)> under the story."


@pytest.fixture()
def page(browser):
    # A short viewport, so that a partner far down its column starts out of view.
    page = browser.new_page(viewport={"width": 1100, "height": 520})
    yield page
    page.close()


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def sized_page(browser, request):
    """A page as wide as a desktop screen (1366 px) or a phone (390 px)."""
    width = request.param
    page = browser.new_page(viewport={"width": width, "height": 768 if width > 700 else 844})
    yield page
    page.close()


def open_diff(page, result: PairDiff, path: Path, **articles: Article) -> list[str]:
    """Load the diff page from a file; return every URL the page requested."""
    path.write_text("\n".join(diff_html(result, **articles)), encoding="utf-8")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return requests


def test_clicking_a_rewritten_sentence_highlights_its_partner_and_scrolls_to_it(sized_page, seed_articles, tmp_path):
    page = sized_page
    result = dedup.diff(seed_articles["000"], seed_articles["001"])
    requests = open_diff(page, result, tmp_path / "diff.html")
    assert all(url.startswith("file://") for url in requests), requests  # nothing from the network
    # the rewritten pair whose B sentence lies furthest down B's column
    link = max((link for link in result.alignment.links if link.kind == "rewritten"), key=lambda link: link.b[0])
    clicked, partner = page.locator(f"#a-{link.a[0]}"), page.locator(f"#b-{link.b[0]}")
    expect(clicked).to_have_class(re.compile(r"\bkind-rewritten\b"))
    expect(partner).not_to_have_class(ACTIVE)
    expect(partner).not_to_be_in_viewport()

    clicked.click()
    expect(clicked).to_have_class(ACTIVE)
    expect(partner).to_have_class(ACTIVE)
    expect(partner).to_be_in_viewport()
    expect(page.locator(".s.active")).to_have_count(len(link.a) + len(link.b))
    expect(page.locator('.s[aria-pressed="true"]')).to_have_count(len(link.a) + len(link.b))

    # clicking on B's side works the other way round and moves the highlight
    other = next(k for k in result.alignment.links if k.kind == "rewritten" and k is not link)
    page.locator(f"#b-{other.b[0]}").click()
    expect(page.locator(f"#a-{other.a[0]}")).to_have_class(ACTIVE)
    expect(partner).not_to_have_class(ACTIVE)
    expect(partner).to_have_attribute("aria-pressed", "false")

    # pressing the highlighted sentence again clears the highlight
    page.locator(f"#b-{other.b[0]}").click()
    expect(page.locator(".s.active")).to_have_count(0)
    expect(page.locator('.s[aria-pressed="true"]')).to_have_count(0)


def test_a_hostile_article_shows_its_markup_as_text_and_runs_nothing(page, seed_articles, tmp_path):
    source = seed_articles["000"]
    hostile = Article(
        id="<b>hostile</b>",
        text=HOSTILE + "\n\n" + source.text,
        title="<script>alert(3)</script>",
        source="<img src=x onerror=alert(4)>",
        url="javascript:alert(5)",
        origin="hostile",
    )
    result = dedup.diff(hostile, seed_articles["001"])
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    requests = open_diff(page, result, tmp_path / "hostile.html", a=hostile)
    page.locator(".s").first.click()  # the page's own script still works
    expect(page.locator("#side-a .meta")).to_contain_text("<script>alert(3)</script>")
    expect(page.locator("#side-a .meta")).to_contain_text("<img src=x onerror=alert(4)>")
    expect(page.locator("a")).to_have_count(0)  # a javascript: URL is shown, never linked
    page.locator("#side-a .meta").click()

    assert dialogs == []
    assert all(url.startswith("file://") for url in requests), requests
    expect(page.locator("script")).to_have_count(1)
    expect(page.locator("img")).to_have_count(0)
    expect(page.get_by_text("<script>alert(1)</script>", exact=False)).to_be_visible()
    expect(page.locator("#side-a h2")).to_have_text("A: <b>hostile</b>")


def sentence_boxes(page) -> dict[str, list[dict]]:
    """Each side's sentence boxes in page coordinates."""
    return page.evaluate(
        """() => Object.fromEntries(['a', 'b'].map(side => [side,
            Array.from(document.querySelectorAll('#side-' + side + ' .s')).map(el => {
                const r = el.getBoundingClientRect();
                return {x: r.left + scrollX, y: r.top + scrollY, right: r.right + scrollX, bottom: r.bottom + scrollY};
            })]))"""
    )


def test_the_sides_stand_side_by_side_on_a_desktop_and_one_under_the_other_on_a_phone(
    sized_page, seed_articles, tmp_path
):
    page = sized_page
    width = page.viewport_size["width"]
    result = dedup.diff(seed_articles["000"], seed_articles["001"])
    open_diff(page, result, tmp_path / "diff.html")
    side_a, side_b = page.locator("#side-a").bounding_box(), page.locator("#side-b").bounding_box()
    if width > 700:
        assert side_b["x"] >= side_a["x"] + side_a["width"] - 1
        assert abs(side_a["y"] - side_b["y"]) < 1
    else:
        assert side_b["y"] >= side_a["y"] + side_a["height"] - 1  # B starts below A: nothing drawn over it
        assert abs(side_a["x"] - side_b["x"]) < 1
    boxes = sentence_boxes(page)
    overlapping = [
        (a, b)
        for a in boxes["a"]
        for b in boxes["b"]
        if a["x"] < b["right"] and b["x"] < a["right"] and a["y"] < b["bottom"] and b["y"] < a["bottom"]
    ]
    assert overlapping == []
    assert len(boxes["a"]) == len(result.alignment.a_sentences) and len(boxes["b"]) == 20
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling


def test_the_verdict_titles_outlets_and_dates_come_above_the_sides(sized_page, seed_articles, tmp_path):
    page = sized_page
    a = dataclasses.replace(
        seed_articles["000"],
        title="FO rejects US claims on missile programme",
        source="Dawn",
        published="2024-12-22",
        url="https://example.org/fo",
    )
    b = dataclasses.replace(seed_articles["001"], source="Daily Post", published="2024-12-23")
    result = dedup.diff(a, b)
    requests = open_diff(page, result, tmp_path / "diff.html", a=a, b=b)
    shown = page.locator("#verdict")
    expect(shown).to_have_text(verdict(result))
    expect(shown).to_contain_text("59% of B retells A in new words")
    expect(shown).to_be_in_viewport()
    expect(page.locator("#side-a .meta .title")).to_have_text("FO rejects US claims on missile programme")
    expect(page.locator("#side-a .meta .facts")).to_have_text("Dawn · 2024-12-22 · https://example.org/fo")
    expect(page.locator("#side-a .meta a")).to_have_attribute("href", "https://example.org/fo")
    expect(page.locator("#side-b .meta .facts")).to_have_text("Daily Post · 2024-12-23")
    expect(page.locator("#side-b .meta .title")).to_have_count(0)
    bottom = shown.bounding_box()["y"] + shown.bounding_box()["height"]
    for side in ("a", "b"):
        meta = page.locator(f"#side-{side} .meta").bounding_box()
        assert bottom <= meta["y"] < page.locator(f"#side-{side} .s").first.bounding_box()["y"]
    assert all(url.startswith("file://") for url in requests), requests


def first_sentence(result: PairDiff, link_index: int) -> str:
    """Element id of a link's first sentence: A's when it has one."""
    link = result.alignment.links[link_index]
    return f"a-{link.a[0]}" if link.a else f"b-{link.b[0]}"


def test_next_and_previous_change_move_the_focus_by_keyboard_and_by_pointer(sized_page, seed_articles, tmp_path):
    page = sized_page
    result = dedup.diff(seed_articles["000"], seed_articles["001"])
    open_diff(page, result, tmp_path / "diff.html")
    alignment = result.alignment
    stops = [k for k in display_order(alignment) if alignment.links[k].kind != "verbatim"]
    assert len(stops) > 3

    def expect_at(stop: int) -> None:
        sentence = page.locator(f"#{first_sentence(result, stops[stop])}")
        expect(sentence).to_be_focused()
        expect(sentence).to_have_attribute("aria-pressed", "true")
        expect(sentence).to_be_in_viewport()
        expect(page.locator("#change-status")).to_have_text(f"Change {stop + 1} of {len(stops)}")
        # not hidden under the navigation bar, which stays on screen, once the (smooth) scroll has
        # come to rest: waited for, since a loaded machine draws the scroll in many frames
        expect(page.locator("nav.changes")).to_be_in_viewport()
        page.wait_for_function(
            """(id) => {
                const top = document.getElementById(id).getBoundingClientRect().top;
                return top >= document.querySelector('nav.changes').getBoundingClientRect().bottom - 1;
            }""",
            arg=first_sentence(result, stops[stop]),
            timeout=5000,
        )

    page.locator("#next-change").focus()
    page.keyboard.press("Enter")
    expect_at(0)
    page.keyboard.press("n")
    expect_at(1)
    page.keyboard.press("n")
    expect_at(2)
    page.keyboard.press("p")
    expect_at(1)
    page.locator("#previous-change").click()
    expect_at(0)
    page.locator("#previous-change").click()  # nothing before the first change: it stays pressed
    expect(page.locator(f"#{first_sentence(result, stops[0])}")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#change-status")).to_have_text("No earlier change")

    # after pressing a sentence by hand, next goes on from there
    page.locator(f"#{first_sentence(result, stops[-2])}").click()
    page.locator("#next-change").click()
    expect_at(len(stops) - 1)

    # a sentence is pressed from the keyboard too
    sentence = page.locator(f"#{first_sentence(result, stops[1])}")
    sentence.focus()
    page.keyboard.press("Enter")
    expect(sentence).to_have_attribute("aria-pressed", "true")
    page.keyboard.press(" ")
    expect(sentence).to_have_attribute("aria-pressed", "false")


# Each element with text of its own: its text colour and the first opaque background behind it.
_TEXT_COLOURS = """() => {
    const seen = [];
    for (const el of document.querySelectorAll('body *')) {
        const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
        if (!own || el.closest('script, style')) { continue; }
        let behind = el;
        while (behind && getComputedStyle(behind).backgroundColor === 'rgba(0, 0, 0, 0)') {
            behind = behind.parentElement;
        }
        const label = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + el.className;
        seen.push([label, getComputedStyle(el).color, behind ? getComputedStyle(behind).backgroundColor : '']);
    }
    return seen;
}"""


def test_every_text_colour_keeps_wcag_aa_contrast_and_the_swatches_differ(sized_page, seed_articles, tmp_path):
    page = sized_page
    a = dataclasses.replace(seed_articles["000"], title="Title", source="Dawn", url="https://example.org/a")
    result = dedup.diff(a, seed_articles["001"])
    open_diff(page, result, tmp_path / "diff.html", a=a)
    page.locator(".s.kind-rewritten").first.click()  # the pressed style too
    colours = page.evaluate(_TEXT_COLOURS)
    assert {"span.title", "span.source", "a."} <= {label for label, _, _ in colours}
    kinds_seen = {label.split(".", 1)[1] for label, _, _ in colours}
    for kind in ("kind-rewritten", "kind-only-in-A", "kind-only-in-B"):
        assert any(kind in classes for classes in kinds_seen), kind
    assert any(label.startswith(("del", "ins")) for label, _, _ in colours)
    low = [
        (label, colour, behind, round(contrast_ratio(colour, behind), 2))
        for label, colour, behind in colours
        if contrast_ratio(colour, behind) < 4.5
    ]
    assert low == []

    def background(selector: str) -> str:
        return page.locator(selector).first.evaluate("el => getComputedStyle(el).backgroundColor")

    assert delta_e(background(".swatch.kind-only-in-A"), background(".swatch.kind-only-in-B")) >= 15
    assert delta_e(background(".swatch.kind-verbatim"), background(".legend del")) >= 25
    swatches = [background(f".swatch.kind-{kind}") for kind in KIND_LABELS]
    assert len(set(swatches)) == len(KIND_LABELS)
