"""The HTML diff page in a real browser: clicking a sentence highlights its partner, and a hostile
article's markup stays text.

Needs Debian's `chromium` at /usr/bin/chromium and the `playwright` Python package (its own browser
downloads are never used); skipped when either is absent.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import dedup
from dedup.model import Article, PairDiff
from dedup.report.diff_html import diff_html

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason=f"{CHROMIUM} not installed (apt-get install chromium)"
)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install playwright)")
expect = sync_api.expect

ACTIVE = re.compile(r"\bactive\b")
HOSTILE = "Readers posted <script>alert(1)</script> and <img src=x onerror=alert(2)> under the story."


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    # A short viewport, so that a partner far down its column starts out of view.
    page = browser.new_page(viewport={"width": 1100, "height": 520})
    yield page
    page.close()


def open_diff(page, result: PairDiff, path: Path) -> list[str]:
    """Load the diff page from a file; return every URL the page requested."""
    path.write_text("\n".join(diff_html(result)), encoding="utf-8")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return requests


def test_clicking_a_rewritten_sentence_highlights_its_partner_and_scrolls_to_it(page, seed_articles, tmp_path):
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

    # clicking on B's side works the other way round and moves the highlight
    other = next(k for k in result.alignment.links if k.kind == "rewritten" and k is not link)
    page.locator(f"#b-{other.b[0]}").click()
    expect(page.locator(f"#a-{other.a[0]}")).to_have_class(ACTIVE)
    expect(partner).not_to_have_class(ACTIVE)


def test_a_hostile_article_shows_its_markup_as_text_and_runs_nothing(page, seed_articles, tmp_path):
    source = seed_articles["000"]
    hostile = Article(id="<b>hostile</b>", text=HOSTILE + "\n\n" + source.text, origin="hostile")
    result = dedup.diff(hostile, seed_articles["001"])
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    requests = open_diff(page, result, tmp_path / "hostile.html")
    page.locator(".s").first.click()  # the page's own script still works

    assert dialogs == []
    assert all(url.startswith("file://") for url in requests), requests
    expect(page.locator("script")).to_have_count(1)
    expect(page.locator("img")).to_have_count(0)
    expect(page.get_by_text("<script>alert(1)</script>", exact=False)).to_be_visible()
    expect(page.locator("#side-a h2")).to_have_text("A: <b>hostile</b>")
