"""The batch report page (`dedup cluster --format html`) in a real browser, 1366 and 390 px wide:
it fits the screen, reads top-down (summary, then stories), opens each copy's diff in place, and a
hostile batch's markup stays text.

Needs Debian's `chromium` at /usr/bin/chromium and the `playwright` Python package (its own browser
downloads are never used); skipped when either is absent, as tests/test_diff_browser.py is.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from chromium import WIDTHS, needs_chromium

import dedup
from dedup.model import Article
from dedup.report.cluster_html import cluster_html

pytestmark = needs_chromium
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install playwright)")
expect = sync_api.expect

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


@pytest.fixture(scope="module")
def seeds_report(seed_articles, tmp_path_factory) -> Path:
    articles = list(seed_articles.values())
    result = dedup.cluster(articles)
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text("\n".join(cluster_html(result, dedup.copy_diffs(articles, result))), encoding="utf-8")
    return path


def open_page(browser, path: Path, width: int):
    page = browser.new_page(viewport={"width": width, "height": 800})
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, requests, dialogs


def overflow(page) -> int:
    """How many pixels the page is wider than the screen (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_report_fits_the_screen_and_reads_summary_then_stories(browser, seeds_report, width):
    page, requests, _ = open_page(browser, seeds_report, width)
    try:
        assert all(url.startswith(("file://", "about:")) for url in requests), requests
        assert overflow(page) <= 0
        summary, story = page.locator("#summary"), page.locator("#story-0")
        expect(summary).to_be_visible()
        expect(summary.locator(".figures li").first).to_have_text(re.compile(r"5\s*articles"))
        assert summary.bounding_box()["y"] < story.bounding_box()["y"]
        expect(story.locator("h3")).to_contain_text("FO spokesperson says US allegations")
        expect(story.locator(".member")).to_have_count(5)
        rewrite = story.locator(".member.relation-rewrite")
        expect(rewrite.locator(".relation")).to_have_text("rewrite of 000_dcd977f381deb860")
        who, relation = rewrite.locator(".who").bounding_box(), rewrite.locator(".relation").bounding_box()
        if width >= 1000:  # one row per article
            assert abs(who["y"] - relation["y"]) < 2 and relation["x"] > who["x"] + who["width"]
        else:  # stacked on a phone, nothing cut off
            assert relation["y"] >= who["y"] + who["height"] - 1
            assert who["x"] + who["width"] <= width
    finally:
        page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_copys_diff_opens_in_place_and_works(browser, seeds_report, width):
    page, requests, _ = open_page(browser, seeds_report, width)
    try:
        details = page.locator(".member.relation-rewrite details.diff")
        frame_element = details.locator("iframe")
        expect(frame_element).not_to_be_visible()
        details.locator("summary").click()
        expect(frame_element).to_be_visible()
        assert overflow(page) <= 0
        frame = page.frame_locator(".member.relation-rewrite iframe")
        expect(frame.locator("#side-a h2")).to_contain_text("000_dcd977f381deb860")
        sentence = frame.locator(".s.kind-rewritten").first
        sentence.click()  # the diff page's own script runs in its sandbox
        expect(sentence).to_have_class(re.compile(r"\bactive\b"))
        assert all(url.startswith(("file://", "about:")) for url in requests), requests
    finally:
        page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_hostile_batch_shows_its_markup_as_text_and_runs_nothing(browser, seed_articles, tmp_path, width):
    text = seed_articles["002"].text
    articles = [
        Article(f"id{HOSTILE}", text, title=f"Title {HOSTILE}", source=f"Source {HOSTILE}", published="2024-12-22"),
        Article("copy", HOSTILE + "\n\n" + text, source="AP", published="2024-12-23"),
    ]
    result = dedup.cluster(articles)
    path = tmp_path / "hostile.html"
    path.write_text("\n".join(cluster_html(result, dedup.copy_diffs(articles, result))), encoding="utf-8")
    page, requests, dialogs = open_page(browser, path, width)
    try:
        page.locator("details.diff summary").first.click()
        frame = page.frame_locator("details.diff iframe").first
        expect(frame.get_by_text("<script>alert(1)</script>", exact=False).first).to_be_visible()
        assert dialogs == []
        assert all(url.startswith(("file://", "about:")) for url in requests), requests
        expect(page.locator("img")).to_have_count(0)
        expect(page.locator("script")).to_have_count(0)
        expect(page.locator("#story-0 h3")).to_have_text(f"Story 0: Title {HOSTILE}")
        expect(page.get_by_text(f"Source {HOSTILE}").first).to_be_visible()
        assert overflow(page) <= 0
    finally:
        page.close()
