"""The one escaping of text for a terminal (dedup.report.terminal), used by every terminal renderer, and
the one for HTML (dedup.report.escape_html), which shows control characters as the terminal does."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

import dedup
from dedup import Article, Index
from dedup.report import check as check_module
from dedup.report import cluster_html as cluster_html_module
from dedup.report import diff_html as diff_html_module
from dedup.report import diff_text, escape_html, flag_table, table
from dedup.report.check import check_html
from dedup.report.cluster_html import cluster_html
from dedup.report.diff_html import diff_html
from dedup.report.terminal import clean, clean_cell


def test_control_sequences_and_bidi_overrides_are_shown_not_obeyed():
    assert clean("a\x1b]0;owned\x07b") == "a\\x1b]0;owned\\x07b"
    assert clean("\x9b31m \x7f \u202eevil\u2069") == "\\x9b31m \\x7f \\u202eevil\\u2069"
    assert clean("tab\tand\nnewline, caf\u00e9, \u0627\u0644\u062e\u0628\u0631") == (
        "tab\tand\nnewline, caf\u00e9, \u0627\u0644\u062e\u0628\u0631"
    )


def test_a_cell_is_one_line():
    assert clean_cell(" two\nlines\tand  spaces\x1b ") == "two lines and spaces\\x1b"


@given(st.text())
def test_nothing_a_terminal_obeys_survives(text):
    shown = clean_cell(text)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or 0x202A <= ord(c) <= 0x202E for c in shown)


def test_every_terminal_renderer_uses_the_same_function():
    assert diff_text.clean is table.clean is flag_table.clean is clean


def test_every_html_page_shows_control_characters_as_the_terminal_does(tmp_path):
    """A title carrying ESC or a bidirectional override is drawn as its escape on every page."""
    hostile = "Rain\x1b[31m \u202eevil\u2069 news"
    text = "Heavy rain flooded parts of the coastal city overnight, closing two motorways. Schools closed."
    articles = [Article("a", text, title=hostile, source=hostile), Article("b", text, title=hostile)]
    result = dedup.cluster(articles)
    pages = {
        "cluster": "\n".join(cluster_html(result, dedup.copy_diffs(articles, result))),
        "diff": "\n".join(diff_html(dedup.diff(articles[0], articles[1]), a=articles[0], b=articles[1])),
    }
    with Index(str(tmp_path / "a.db")) as index:
        index.add(articles[:1])
        pages["check"] = "\n".join(check_html(index.check(articles[1:])))
    for name, page in pages.items():
        assert "\x1b" not in page and "\u202e" not in page and "\u2069" not in page, name
        assert "Rain\\x1b[31m \\u202eevil\\u2069 news" in html.unescape(html.unescape(page)), name


def test_every_html_renderer_uses_the_same_function():
    assert cluster_html_module.escape_html is diff_html_module.escape_html is check_module.escape_html is escape_html
