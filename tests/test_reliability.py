"""Hostile input at every public entry point: a `DedupError` naming the input, or a result; never a traceback."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import dedup
from dedup import Article, DedupError
from dedup.cli import main

SEEDS = Path(__file__).resolve().parents[1] / "examples" / "seeds"

HELLO = "Hello there, the council met on Tuesday to discuss the new budget for schools."
SURROGATE = HELLO + " \ud800"


@pytest.fixture(autouse=True)
def one_worker(monkeypatch):
    """`cluster_copies` spreads work over processes; one keeps these small tests quick."""
    monkeypatch.setenv("DEDUP_WORKERS", "1")


def one_line_error(result) -> str:
    """The single stderr line of a failed command, after checking there is no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- lone surrogates at the API boundary ----------------------------------------------------------

API_CALLS = {
    "cluster": lambda articles: dedup.cluster(articles),
    "cluster_copies": lambda articles: dedup.cluster_copies(articles),
    "diff": lambda articles: dedup.diff(*articles),
    "diff context": lambda articles: dedup.diff(Article("x", HELLO), Article("y", HELLO), context=articles),
    "flag": lambda articles: dedup.flag(articles),
    "flag wire": lambda articles: dedup.flag([Article("x", HELLO)], wire=articles),
}


@pytest.mark.parametrize("entry_point", sorted(API_CALLS))
@pytest.mark.parametrize("field", ["text", "id", "title", "source", "published", "url"])
def test_a_lone_surrogate_in_any_field_is_a_dedup_error_naming_the_article(entry_point, field):
    values = {"id": "b", "text": HELLO, field: "b \udc80" if field == "id" else SURROGATE}
    articles = [Article("a", HELLO), Article(**values)]
    with pytest.raises(DedupError, match=rf"'{field}' holds a lone surrogate \\u(d800|dc80)") as caught:
        API_CALLS[entry_point](articles)
    assert re.match(r"(context article|article|wire story) 'b", str(caught.value))
    str(caught.value).encode("utf-8")  # the message itself can be printed


@pytest.mark.parametrize("entry_point", sorted(API_CALLS))
def test_an_id_with_a_line_end_is_a_dedup_error_naming_the_article(entry_point):
    articles = [Article("a", HELLO), Article("b\nc", HELLO + " again")]
    with pytest.raises(DedupError, match=r"'b\\nc'.*'id' holds \\x0a at character 1, a control character"):
        API_CALLS[entry_point](articles)


@pytest.mark.parametrize("score", [dedup.score_document_pairs, dedup.score_sentence_pairs])
def test_a_lone_surrogate_in_a_text_pair_names_the_pair(score):
    expected = rf"pair 1: 'text1' holds a lone surrogate \\ud800 at character {len(HELLO) + 1}"
    with pytest.raises(DedupError, match=expected):
        score([(HELLO, HELLO), (SURROGATE, HELLO)])


def test_the_message_escapes_a_surrogate_in_the_origin_so_it_can_be_printed():
    article = Article("b", SURROGATE, origin="batch/caf\udce9.jsonl:7")
    with pytest.raises(DedupError) as caught:
        dedup.cluster([article])
    assert str(caught.value).startswith("article 'b' (batch/caf\\udce9.jsonl:7): 'text' holds a lone surrogate")
    str(caught.value).encode("utf-8")


def test_cluster_still_refuses_what_is_not_an_article():
    with pytest.raises(DedupError, match="each article must be an Article, got dict"):
        dedup.cluster([Article("a", HELLO), {"id": "b", "text": HELLO}])


def test_pairs_refuses_a_lone_surrogate_in_a_copied_field(tmp_path):
    source = tmp_path / "pairs.jsonl"
    lines = [
        json.dumps({"text1": HELLO, "text2": HELLO, "note": "fine"}),
        json.dumps({"text1": HELLO, "text2": HELLO, "note": {"nested": ["x", "\ud800"]}}),
    ]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["pairs", str(source)])
    expected = f"{source}:2: 'note' holds a lone surrogate \\ud800 at character 0, not valid Unicode"
    assert one_line_error(result).endswith(expected)

    result = CliRunner().invoke(main, ["pairs", str(source), "--skip-bad"])
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["note"] for line in result.stdout.splitlines()] == ["fine"]
    assert "warning" in result.stderr and f"{source}:2" in result.stderr


def test_pairs_at_document_level_refuses_a_lone_surrogate_in_text1(tmp_path):
    source = tmp_path / "pairs.jsonl"
    source.write_text(json.dumps({"text1": SURROGATE, "text2": HELLO}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["pairs", str(source), "--level", "document"])
    assert f"{source}:1: 'text1' holds a lone surrogate" in one_line_error(result)


def test_a_file_name_that_is_not_utf8_is_a_reader_problem(tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "good.txt").write_text(HELLO, encoding="utf-8")
    bad_name = bytes(folder) + b"/caf\xe9.txt"
    with open(bad_name, "wb") as stream:
        stream.write(HELLO.encode())
    result = CliRunner().invoke(main, ["cluster", str(folder)])
    assert one_line_error(result).endswith("caf\\udce9.txt: file name is not valid UTF-8; rename the file")

    result = CliRunner().invoke(main, ["cluster", str(folder), "--skip-bad", "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    assert [row.split(",")[4] for row in result.stdout.splitlines()[1:]] == ["good"]
    assert "file name is not valid UTF-8" in result.stderr


# --- random Unicode through every public entry point ------------------------------------------------

# Any code point but a lone surrogate: controls, format characters, private use, unassigned, every
# script. Lone surrogates are put in separately, into one example in five, so that most examples
# get past the boundary check and through every stage.
ANY_CHARACTER = st.characters(exclude_categories=("Cs",))
SURROGATE_CHARACTER = st.characters(categories=("Cs",))
# Words in a few scripts, so that some articles share words and the scoring and alignment stages run.
SCRIPT_WORDS = st.sampled_from(
    ["council", "budget", "Tuesday", "école", "совет", "бюджет", "مجلس", "ميزانية", "बजट", "预算", "議会", "42", "—"]
)
WORD = st.one_of(SCRIPT_WORDS, st.text(ANY_CHARACTER, min_size=1, max_size=8))
SEPARATOR = st.sampled_from([" ", " ", ". ", ", ", "\n", "\n\n", '"', "\t", "\x00", "\u2028", "\x1b[31m"])
TEXT = st.lists(st.tuples(WORD, SEPARATOR), min_size=1, max_size=40).map(lambda parts: "".join(w + s for w, s in parts))
OPTIONAL = st.one_of(st.none(), st.text(ANY_CHARACTER, max_size=12))
# Mostly dates `flag` can order by (a batch without a wire set needs them), now and then anything.
PUBLISHED = st.one_of(
    st.none(), st.sampled_from(["2024-05-01T10:00:00Z", "2024-05-01T06:00:00+05:00", "2024-05-02"]), OPTIONAL
)
FIELDS = ("id", "text", "title", "source", "published", "url")


@st.composite
def article_batches(draw) -> list[Article]:
    """1-4 articles of random text, some of them copies or edits of an earlier one; unique ids; in
    one batch in five, a lone surrogate somewhere in one field of one article."""
    articles: list[Article] = []
    for index in range(draw(st.integers(1, 4))):
        if articles and draw(st.booleans()):
            text = draw(st.sampled_from(articles)).text + draw(TEXT)  # a copy with something added
        else:
            text = draw(TEXT)
        article_id = f"{index}" + draw(st.text(ANY_CHARACTER, max_size=3))
        articles.append(Article(article_id, text, draw(OPTIONAL), draw(OPTIONAL), draw(PUBLISHED), draw(OPTIONAL)))
    if draw(st.integers(0, 4)) == 0:
        index, field = draw(st.integers(0, len(articles) - 1)), draw(st.sampled_from(FIELDS))
        value = (getattr(articles[index], field) or "") + draw(SURROGATE_CHARACTER)
        articles[index] = dataclasses.replace(articles[index], **{field: value})
    return articles


@st.composite
def text_pairs(draw) -> list[tuple[str, str]]:
    """1-4 pairs of random texts, the second often an edit of the first; in one list in five, a lone surrogate."""
    pairs = []
    for _ in range(draw(st.integers(1, 4))):
        first = draw(TEXT)
        pairs.append((first, first + draw(TEXT) if draw(st.booleans()) else draw(TEXT)))
    if draw(st.integers(0, 4)) == 0:
        index, side = draw(st.integers(0, len(pairs) - 1)), draw(st.integers(0, 1))
        texts = list(pairs[index])
        texts[side] += draw(SURROGATE_CHARACTER)
        pairs[index] = (texts[0], texts[1])
    return pairs


def has_surrogate(articles: list[Article]) -> bool:
    fields = [value for article in articles for value in vars(article).values() if isinstance(value, str)]
    return any("\ud800" <= character <= "\udfff" for value in fields for character in value)


RANDOM_INPUT = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

BATCH_CALLS = {
    "cluster": lambda articles: dedup.cluster(articles),
    "cluster_copies": lambda articles: dedup.cluster_copies(articles),
    "flag": lambda articles: dedup.flag(articles),
    "flag wire": lambda articles: dedup.flag(articles[-1:], wire=articles[:-1] or articles),
    "diff": lambda articles: dedup.diff(articles[0], articles[-1], context=articles),
}


@pytest.mark.parametrize("entry_point", sorted(BATCH_CALLS))
@RANDOM_INPUT
@given(articles=article_batches())
def test_random_unicode_gives_a_result_or_a_dedup_error(entry_point, articles):
    try:
        result = BATCH_CALLS[entry_point](articles)
    except DedupError as error:
        str(error).encode("utf-8")  # printable as one line on stderr
        event(f"DedupError: {str(error).split(':')[-1][:40]}")
        return
    event("result")
    assert not has_surrogate(articles), "a lone surrogate went through unrefused"
    if entry_point.startswith("cluster"):
        members = [member.id for group in result.groups for member in group.members]
        assert sorted(members) == sorted(article.id for article in articles)


@pytest.mark.parametrize("score", [dedup.score_sentence_pairs, dedup.score_document_pairs])
@RANDOM_INPUT
@given(pairs=text_pairs())
def test_random_unicode_text_pairs_give_scores_or_a_dedup_error(score, pairs):
    try:
        scores = score(pairs)
    except DedupError as error:
        str(error).encode("utf-8")
        return
    assert not any("\ud800" <= character <= "\udfff" for pair in pairs for text in pair for character in text)
    assert len(scores) == len(pairs)
    assert all(0.0 <= result.similarity <= 1.0 for result in scores)
