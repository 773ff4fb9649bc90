"""The batch report page (`dedup cluster --format html`) without a browser: what it holds, in what
order, escaped; and `dedup.copy_diffs`, which gives it the diffs it embeds."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import dedup
from dedup import Article
from dedup.cli import main
from dedup.report.cluster_html import cluster_html
from dedup.report.diff_html import diff_html

SEEDS = Path(__file__).resolve().parents[1] / "examples" / "seeds"
HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>"'


@pytest.fixture(scope="module")
def seeds_page(seed_articles) -> tuple[dedup.ClusterResult, dict, str]:
    articles = list(seed_articles.values())
    result = dedup.cluster(articles)
    diffs = dedup.copy_diffs(articles, result)
    return result, diffs, "\n".join(cluster_html(result, diffs))


def test_copy_diffs_gives_each_member_its_diff_against_the_article_its_relation_is_with(seeds_page):
    result, diffs, _ = seeds_page
    (key,) = diffs
    assert key == ("000_dcd977f381deb860", "001_9f484aa0f34f7918")
    assert (diffs[key].alignment.a_id, diffs[key].alignment.b_id) == key
    assert diffs[key].relation == "rewrite"


def test_copy_diffs_refuses_a_result_from_another_batch(seed_articles):
    result = dedup.cluster(seed_articles.values())
    with pytest.raises(dedup.DedupError, match="not in the batch"):
        dedup.copy_diffs([seed_articles["000"]], result)


def test_the_page_is_a_summary_then_one_card_per_story_with_every_article(seeds_page, seed_articles):
    result, _, page = seeds_page
    assert page.startswith("<!DOCTYPE html>") and page.index('id="summary"') < page.index('id="story-0"')
    assert page.count('<article class="story"') == len({g.story for g in result.groups})
    assert page.count('<li class="member') == len(seed_articles)
    assert "<b>5</b>articles" in page and "<b>1</b>rewrites" in page
    assert "rewrite of <a href=" in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page  # nothing to fetch


def test_the_diff_is_embedded_under_the_copy_as_an_escaped_page(seeds_page):
    _, diffs, page = seeds_page
    (diff,) = diffs.values()
    assert page.count("<iframe") == 1 and 'sandbox="allow-scripts"' in page
    assert "<script" not in page  # the diff page's own script is inside the escaped srcdoc
    (embedded,) = re.findall(r'srcdoc="([^"]*)"', page)
    assert html.unescape(embedded) == "\n".join(diff_html(diff))


def test_every_field_is_escaped():
    text = "Heavy rain flooded parts of the coastal city overnight, closing two motorways. Schools closed."
    articles = [
        Article(f"a{HOSTILE}", text, title=HOSTILE, source=HOSTILE, published=HOSTILE, url=f"javascript:{HOSTILE}"),
        Article("b", text, source="AP"),
    ]
    result = dedup.cluster(articles)
    page = "\n".join(cluster_html(result, dedup.copy_diffs(articles, result)))
    assert "<script" not in page and "<img" not in page and "onerror=alert(2)>" not in page
    assert html.escape(HOSTILE) in page


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>x</b>", "vbscript:"])
def test_only_web_addresses_become_links(url):
    text = "Heavy rain flooded parts of the coastal city overnight, closing two motorways. Schools closed."
    articles = [Article("a", text, url=url), Article("b", text, url="https://example.org/b?x=1&y=2")]
    result = dedup.cluster(articles)
    page = "\n".join(cluster_html(result, dedup.copy_diffs(articles, result)))
    hrefs = re.findall(r'<a href="([^"#][^"]*)"', page)
    assert hrefs == ["https://example.org/b?x=1&amp;y=2"]
    assert f'<span class="url">{html.escape(url)}</span>' in page


def test_stories_are_in_the_results_order(tmp_path):
    runner = CliRunner()
    wire = (SEEDS / "000_dcd977f381deb860.txt").read_text(encoding="utf-8")
    # Another event altogether (002 reports the seeds' event and would join their story).
    other = (
        "The city council approved a new budget for public libraries on Tuesday after a long debate. "
        "Opening hours will be extended on weekends, and three branches closed last year will reopen. "
        "Librarians welcomed the decision but warned that staffing remains a problem."
    )
    batch = tmp_path / "b.jsonl"
    records = [
        {"id": "other", "text": other, "published": "2024-12-20", "title": "Older single"},
        {"id": "wire", "text": wire, "published": "2024-12-22", "title": "The copied one", "source": "APP"},
        {"id": "copy", "text": wire, "published": "2024-12-23", "source": "Daily Post"},
    ]
    batch.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "r.html"
    result = runner.invoke(main, ["cluster", str(batch), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert page.index('Story 0: <span class="headline">The copied one') < page.index(
        'Story 1: <span class="headline">Older single'
    )
    assert '<th scope="row">Daily Post</th><td class="n">1</td><td class="n">0</td><td class="n">1</td>' in page


@pytest.mark.parametrize("args", [["--level", "copies"], ["--engine", "spark"]])
def test_html_needs_the_story_level_on_the_local_engine(args):
    result = CliRunner().invoke(main, ["cluster", str(SEEDS), "--format", "html", *args])
    assert result.exit_code == 2
    assert result.stderr == (
        "dedup: error: --format html needs the story level on the local engine (it embeds sentence alignments)\n"
    )
