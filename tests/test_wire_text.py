"""Raw wire copy as a desk receives it: paragraph marks, TeX quotes, slug lines, bylines, sign-offs.

The first tests use a story written here in PA's layout (so they run everywhere); the last ones read
real PA copy from ../shared/data/meter-dev and skip where it is absent.
"""

from __future__ import annotations

import json

import pytest

from dedup.eval import data_root
from dedup.model import Article
from dedup.text import normalise, prepare

PA_LAYOUT = (
    "  " + "-" * 72 + "\n\n  " + "-" * 72 + "\n\n"
    "                11:02 14/03/00: Page 1 (HHH) COURTS Ferry\n"
    "  " + "-" * 72 + "\n"
    "FERRY OPERATOR FINED OVER `UNSAFE' GANGWAY<\n"
    "\x19By Jane Example, PA News<\n"
    "\x19A ferry operator was fined 20,000 pounds at Crown Court today after a passenger\n"
    "fell through a gangway that inspectors had called ``plainly unsafe''.<\n"
    "\x19``We accept the court's ruling,'' a spokesman\n"
    "said.<\n"
    "\x19``It was an accident waiting to happen. Nobody checked the rail,'' the judge told\n"
    "the company.<\n"
    "\x19The company was also ordered to pay costs.<\n"
    "\x19(reopens)<\n"
    "\x19mfl<\n"
    "\x19\n"
)


def test_wire_paragraph_marks_split_sentences_and_hard_wraps_join() -> None:
    sentences = [s.text for s in prepare(Article("pa", PA_LAYOUT)).sentences]
    assert sentences == [
        "FERRY OPERATOR FINED OVER 'UNSAFE' GANGWAY",
        "A ferry operator was fined 20,000 pounds at Crown Court today after a passenger fell through a gangway "
        'that inspectors had called "plainly unsafe".',
        '"We accept the court\'s ruling," a spokesman said.',
        '"It was an accident waiting to happen.',
        'Nobody checked the rail," the judge told the company.',
        "The company was also ordered to pay costs.",
    ]


def test_slug_line_byline_rules_and_sign_offs_are_not_sentences() -> None:
    body = prepare(Article("pa", PA_LAYOUT)).body
    for furniture in ("11:02", "Page 1", "By Jane Example", "---", "mfl", "(reopens)", "\x19", "<"):
        assert furniture not in body


def test_tex_quotes_are_marked_as_quotes() -> None:
    sentences = prepare(Article("pa", PA_LAYOUT)).sentences
    spokesman = next(s for s in sentences if "spokesman" in s.text)
    assert spokesman.quote_share > 0.5
    ruling = next(s for s in sentences if "ferry operator" in s.text)
    assert 0.0 < ruling.quote_share < 0.3


def test_text_without_wire_marks_is_read_as_before() -> None:
    plain = "First line of a paragraph that is wrapped\nhere. Second sentence.\n\nA new paragraph."
    assert normalise(plain) == "First line of a paragraph that is wrapped here. Second sentence.\n\nA new paragraph."


def test_a_lone_less_than_sign_does_not_make_wire_copy() -> None:
    text = "Prices stayed at <\nfive per cent all week, the office said.\n\nAnalysts expected more."
    assert normalise(text) == "Prices stayed at < five per cent all week, the office said.\n\nAnalysts expected more."


METER = data_root() / "meter-dev" / "docs.jsonl" if data_root() else None
needs_meter = pytest.mark.skipif(METER is None or not METER.is_file(), reason="../shared/data/meter-dev is absent")


@needs_meter
def test_real_pa_copy_has_no_furniture_in_its_sentences() -> None:
    rows = [json.loads(line) for line in METER.read_text(encoding="utf-8").splitlines()]
    wire = [row for row in rows if row["kind"] == "pa"]
    assert len(wire) > 100
    for row in wire:
        for sentence in prepare(Article(row["id"], row["text"])).sentences:
            assert "\x19" not in sentence.text and "``" not in sentence.text, row["id"]
            assert not sentence.text.startswith("---"), (row["id"], sentence.text)
            assert not (sentence.text.startswith("By ") and ", PA" in sentence.text), (row["id"], sentence.text)
            assert sentence.text not in ("end", "mf", "mfl"), row["id"]
            assert "<" not in sentence.text or "<" in row["text"].replace("<\n", ""), (row["id"], sentence.text)


@needs_meter
def test_real_pa_paragraphs_are_sentences_not_run_together() -> None:
    rows = [json.loads(line) for line in METER.read_text(encoding="utf-8").splitlines()]
    wire = [row for row in rows if row["kind"] == "pa"]
    # Each wire paragraph ends a sentence: no sentence holds a paragraph mark's position.
    for row in wire[:50]:
        paragraphs = [p for p in row["text"].split("\x19") if p.strip()]
        sentences = prepare(Article(row["id"], row["text"])).sentences
        assert len(sentences) >= len(paragraphs) - 6, row["id"]  # slug, rules, byline, sign-offs aside
