"""An article longer than `dedup.text.MAX_ARTICLE_CHARS` through every command that aligns sentences:
compared from its first characters, with one warning naming it, and still in the output."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

import dedup.text
from dedup.cli import main

LIMIT = 3_000
STORY = (
    "The committee met again on Tuesday to discuss the budget. Hospitals asked for more money. "
    "The minister said the rules would change next year. Doctors welcomed the plan. "
)


@pytest.fixture
def long_batch(tmp_path, monkeypatch):
    """A batch with an article four times the (lowered) limit, a copy of its start, and another story."""
    monkeypatch.setattr(dedup.text, "MAX_ARTICLE_CHARS", LIMIT)
    long_text = "\n\n".join(f"Part {i}. " + STORY for i in range(100))
    assert len(long_text) > 4 * LIMIT
    articles = [
        {"id": "long", "text": long_text},
        {"id": "start", "text": long_text[:LIMIT]},
        {"id": "other", "text": "A storm closed the port of Hamburg on Monday. Ships waited at sea for two days."},
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(json.dumps(article) + "\n" for article in articles), encoding="utf-8")
    (tmp_path / "long.txt").write_text(long_text, encoding="utf-8")
    (tmp_path / "start.txt").write_text(long_text[:LIMIT], encoding="utf-8")
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"text1": long_text, "text2": long_text[:LIMIT]}) + "\n", encoding="utf-8")
    return tmp_path, len(long_text)


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "only the first" in line]


def test_cluster_compares_the_start_of_a_long_article_and_keeps_it(long_batch):
    tmp_path, length = long_batch
    result = CliRunner().invoke(main, ["cluster", str(tmp_path / "batch.jsonl"), "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    (warning,) = _warnings(result.stderr)
    assert warning.startswith(f"dedup: warning: {tmp_path / 'batch.jsonl'}:1: {length:,} characters;")
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert set(rows) == {"long", "start", "other"}
    # Compared by its start, the long article is a copy of the article holding that start.
    assert (rows["long"]["story"], rows["long"]["group"]) == (rows["start"]["story"], rows["start"]["group"])
    assert rows["long"]["story"] != rows["other"]["story"]


def test_flag_diff_and_document_pairs_warn_and_answer(long_batch):
    tmp_path, _ = long_batch
    runner = CliRunner()
    flag = runner.invoke(main, ["flag", str(tmp_path / "batch.jsonl"), "--format", "jsonl"])
    assert flag.exit_code == 0, flag.stderr
    assert len(_warnings(flag.stderr)) == 1
    assert [json.loads(line)["id"] for line in flag.stdout.splitlines()] == ["long", "start", "other"]

    diff = runner.invoke(main, ["diff", str(tmp_path / "start.txt"), str(tmp_path / "long.txt"), "--format", "json"])
    assert diff.exit_code == 0, diff.stderr
    assert len(_warnings(diff.stderr)) == 1 and "long.txt" in diff.stderr
    assert json.loads(diff.stdout)["relation"] in ("duplicate", "near-duplicate")

    pairs = runner.invoke(main, ["pairs", str(tmp_path / "pairs.jsonl"), "--level", "document"])
    assert pairs.exit_code == 0, pairs.stderr
    (warning,) = _warnings(pairs.stderr)
    assert "pairs.jsonl:1 text1" in warning
    assert json.loads(pairs.stdout)["label"] in ("duplicate", "near-duplicate")


def test_sentence_pairs_compare_the_start_of_a_long_text_with_a_warning(long_batch):
    tmp_path, length = long_batch
    pairs = CliRunner().invoke(main, ["pairs", str(tmp_path / "pairs.jsonl")])
    assert pairs.exit_code == 0, pairs.stderr
    (warning,) = _warnings(pairs.stderr)
    assert f"pairs.jsonl:1 text1: {length:,} characters; only the first" in warning
    row = json.loads(pairs.stdout)
    # compared by its start, up to the last space before the limit: the other text but its last word
    assert row["label"] in ("verbatim", "edited")


def test_score_sentence_pairs_cuts_each_side_as_prepare_does(monkeypatch):
    from dedup.pairs import score_sentence_pairs

    monkeypatch.setattr(dedup.text, "MAX_ARTICLE_CHARS", 200)
    long_text = STORY * 10
    cut = dedup.text.compared_text(long_text)
    assert len(cut) < len(long_text)
    assert score_sentence_pairs([(long_text, long_text + " More words.")]) == score_sentence_pairs([(cut, cut)])
