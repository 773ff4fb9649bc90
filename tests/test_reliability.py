"""Hostile input at every public entry point: a `DedupError` naming the input, or a result; never a traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

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


@pytest.mark.parametrize("score", [dedup.score_document_pairs, dedup.score_sentence_pairs])
def test_a_lone_surrogate_in_a_text_pair_names_the_pair(score):
    expected = rf"pair 1: 'text1' holds a lone surrogate \\ud800 at character {len(HELLO) + 1}"
    with pytest.raises(DedupError, match=expected):
        score([(HELLO, HELLO), (SURROGATE, HELLO)])


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
