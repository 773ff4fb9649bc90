"""`dedup diff` through click's CliRunner: formats, output file, batches, and one-line errors."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import main

SEEDS = Path(__file__).resolve().parents[1] / "examples" / "seeds"
A = SEEDS / "000_dcd977f381deb860.txt"
B = SEEDS / "001_9f484aa0f34f7918.txt"


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def one_line_error(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dedup: error: "), result.stderr
    return lines[0]


def test_text_is_the_default_and_shows_001_as_a_rewrite_of_000(runner):
    result = runner.invoke(main, ["diff", str(A), str(B)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith("A 000_dcd977f381deb860 vs B 001_9f484aa0f34f7918: rewrite, cosine ")
    # B lines under an aligned A line name 001's sentences retold from 000 (B14+15 for a split).
    aligned_b = [m.group(1) for line in lines if (m := re.match(r"^\s+B([\d+]+)\s", line))]
    assert sum(len(number.split("+")) for number in aligned_b) > 10  # most of 001's 20 sentences
    assert "\x1b[" not in result.stdout  # not a terminal: no colour


@pytest.mark.parametrize("args", [[], ["--format", "text"]])
def test_text_format(runner, args):
    result = runner.invoke(main, ["diff", str(A), str(B), *args])
    assert result.exit_code == 0
    assert "[-" in result.stdout and "{+" in result.stdout


def test_json_format_is_one_document(runner):
    result = runner.invoke(main, ["diff", str(A), str(B), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["a"], document["b"], document["relation"]) == (A.stem, B.stem, "rewrite")
    assert len(document["sentences"]["b"]) == 20
    kinds = [link["kind"] for link in document["links"] for _ in link["b"]]
    assert kinds.count("rewritten") >= 10


def test_html_format_is_a_page(runner):
    result = runner.invoke(main, ["diff", str(A), str(B), "--format", "html"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert 'class="s kind-rewritten"' in result.stdout
    assert result.stdout.rstrip().endswith("</html>")


def test_output_file_gets_the_report_and_stdout_stays_empty(runner, tmp_path):
    target = tmp_path / "diff.html"
    result = runner.invoke(main, ["diff", str(A), str(B), "--format", "html", "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_one_record_jsonl_file_is_one_article(runner, tmp_path):
    record = tmp_path / "copy.jsonl"
    record.write_text(json.dumps({"id": "copy", "text": A.read_text(encoding="utf-8")}) + "\n", encoding="utf-8")
    result = runner.invoke(main, ["diff", str(A), str(record), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["b"] == "copy" and document["relation"] == "duplicate"
    # every sentence pairs with itself (quoted ones are labelled `quote` by the library, the rest verbatim)
    kinds = {link["kind"] for link in document["links"]}
    assert "verbatim" in kinds and kinds <= {"verbatim", "quote"}
    assert all(link["a"] == link["b"] for link in document["links"])


def test_batch_picks_articles_by_id_and_fits_weights_on_the_batch(runner, tmp_path):
    batch = tmp_path / "batch"
    shutil.copytree(SEEDS, batch)
    alone = json.loads(runner.invoke(main, ["diff", str(A), str(B), "--format", "json"]).stdout)
    result = runner.invoke(main, ["diff", "--batch", str(batch), A.stem, B.stem, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    in_batch = json.loads(result.stdout)
    assert (in_batch["a"], in_batch["b"]) == (A.stem, B.stem)
    # Document word weights are the background's (dedup.background), so the batch does not move
    # the cosine; sentence weights are still fitted on the batch.
    assert in_batch["cosine"] == alone["cosine"]


def test_batch_from_jsonl(runner, tmp_path):
    batch = tmp_path / "batch.jsonl"
    records = [{"id": p.stem[:3], "text": p.read_text(encoding="utf-8")} for p in sorted(SEEDS.glob("*.txt"))]
    batch.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = runner.invoke(main, ["diff", "--batch", str(batch), "003", "004"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("A 003 vs B 004: ")


def test_missing_file_is_a_one_line_error(runner, tmp_path):
    message = one_line_error(runner.invoke(main, ["diff", str(A), str(tmp_path / "nope.txt")]))
    assert "nope.txt" in message and "no such file" in message


def test_empty_file_is_a_one_line_error(runner, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    message = one_line_error(runner.invoke(main, ["diff", str(empty), str(B)]))
    assert "empty.txt" in message and "empty" in message


@pytest.mark.parametrize("text", ["Advertisement", "By John Smith, PA News", "ISLAMABAD:"])
def test_a_text_of_news_furniture_alone_is_diffed_with_a_warning(runner, tmp_path, text):
    furniture = tmp_path / "furniture.txt"
    furniture.write_text(text + "\n", encoding="utf-8")
    result = runner.invoke(main, ["diff", str(A), str(furniture)])
    assert result.exit_code == 0, result.stderr
    said = "no content word to compare once news furniture (bylines, datelines, sign-offs, agency tags)"
    assert result.stderr == f"dedup: warning: {furniture}: {said} and stop words are set aside\n"
    assert result.stdout.startswith(f"A {A.stem} vs B furniture: unrelated")


def test_a_file_with_several_articles_is_a_one_line_error(runner, tmp_path):
    many = tmp_path / "many.jsonl"
    many.write_text('{"id": "x", "text": "One."}\n{"id": "y", "text": "Two."}\n', encoding="utf-8")
    message = one_line_error(runner.invoke(main, ["diff", str(many), str(B)]))
    assert "many.jsonl" in message and "2 articles" in message and "--batch" in message


def test_unknown_id_in_batch_is_a_one_line_error(runner):
    message = one_line_error(runner.invoke(main, ["diff", "--batch", str(SEEDS), A.stem, "no-such-id"]))
    assert "'no-such-id'" in message and str(SEEDS) in message and A.stem in message


def test_skip_bad_reads_the_good_record_of_a_side(runner, tmp_path):
    side = tmp_path / "side.jsonl"
    side.write_text('not json\n{"id": "good", "text": ' + json.dumps(B.read_text(encoding="utf-8")) + "}\n")
    assert runner.invoke(main, ["diff", str(A), str(side)]).exit_code == 2
    result = runner.invoke(main, ["diff", str(A), str(side), "--skip-bad"])
    assert result.exit_code == 0, result.stderr
    assert "side.jsonl:1" in result.stderr and "warning" in result.stderr
    assert result.stdout.startswith(f"A {A.stem} vs B good: rewrite")


def test_help_describes_the_command(runner):
    result = runner.invoke(main, ["diff", "--help"])
    assert result.exit_code == 0
    for option in ("--format", "--output", "--batch", "--skip-bad", "text|json|html"):
        assert option in result.stdout
    assert "diff" in runner.invoke(main, ["--help"]).stdout


def test_text_and_json_carry_each_sides_metadata(runner, tmp_path):
    batch = tmp_path / "batch.jsonl"
    records = [
        {
            "id": "a",
            "text": A.read_text(encoding="utf-8"),
            "title": "FO rejects US claims",
            "source": "Dawn",
            "published": "2024-12-22T09:00:00Z",
            "url": "https://x.test/a",
        },
        {"id": "b", "text": B.read_text(encoding="utf-8"), "source": "The Nation"},
    ]
    batch.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    text = runner.invoke(main, ["diff", "--batch", str(batch), "a", "b"])
    assert text.exit_code == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("A a vs B b: rewrite")
    assert (
        lines[1]
        == "A: title FO rejects US claims | source Dawn | published 2024-12-22T09:00:00Z | url https://x.test/a"
    )
    assert lines[2] == "B: source The Nation"
    assert lines[3] == ""
    as_json = runner.invoke(main, ["diff", "--batch", str(batch), "a", "b", "--format", "json"])
    assert as_json.exit_code == 0, as_json.stderr
    document = json.loads(as_json.stdout)
    assert document["metadata"] == {
        "a": {
            "title": "FO rejects US claims",
            "source": "Dawn",
            "published": "2024-12-22T09:00:00Z",
            "url": "https://x.test/a",
        },
        "b": {"title": None, "source": "The Nation", "published": None, "url": None},
    }
    assert (document["a"], document["b"], document["relation"]) == ("a", "b", "rewrite")  # fields kept


def test_a_side_without_metadata_has_no_header_line_and_null_fields(runner):
    text = runner.invoke(main, ["diff", str(B), str(SEEDS / "003_1d4e4d9509f8fd29.txt")])
    assert text.exit_code == 0, text.stderr
    assert text.stdout.splitlines()[1] == ""  # neither side says anything of itself
    as_json = json.loads(runner.invoke(main, ["diff", str(A), str(B), "--format", "json"]).stdout)
    assert as_json["metadata"]["a"]["published"] == "2024-12-22"  # 000's date stamp
    assert as_json["metadata"]["b"] == {"title": None, "source": None, "published": None, "url": None}
