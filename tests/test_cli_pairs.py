"""`dedup pairs` through click's CliRunner: exit codes, stdout and stderr apart, order and fields kept."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import main
from dedup.cli.pairs import DOCUMENT_COLUMNS, SENTENCE_COLUMNS

SEEDS = Path(__file__).resolve().parents[1] / "examples" / "seeds"

SOURCE = "The central bank raised interest rates by half a point on Tuesday, its third increase this year."
REWORDED = "On Tuesday the central bank lifted its interest rate by half a point, the third increase of the year."
ROWS = [
    {"id": "p1", "text1": SOURCE, "text2": SOURCE, "gold": 1},
    {"id": "p2", "text1": SOURCE, "text2": SOURCE.replace("Tuesday", "Wednesday"), "gold": 1},
    {
        "id": "p3",
        "text1": SOURCE,
        "text2": REWORDED,
        "gold": 1,
    },
    {
        "id": "p4",
        "text1": SOURCE,
        "text2": "Heavy snow closed schools and roads across the northern provinces.",
        "gold": 0,
    },
]
EXPECTED_LABELS = ["verbatim", "edited", "rewritten", "different"]


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture()
def pairs_file(tmp_path) -> Path:
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    return path


def test_jsonl_output_has_one_row_per_pair_in_input_order(runner, pairs_file):
    result = runner.invoke(main, ["pairs", str(pairs_file)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["p1", "p2", "p3", "p4"]
    assert [r["label"] for r in records] == EXPECTED_LABELS
    assert list(records[0]) == ["id", "gold", *SENTENCE_COLUMNS]
    assert "text1" not in records[0] and "text2" not in records[0]
    assert records[0]["similarity"] == 1.0 > records[3]["similarity"]


def test_csv_output_has_a_header_and_the_copied_fields(runner, pairs_file):
    result = runner.invoke(main, ["pairs", str(pairs_file), "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["id", "gold", *SENTENCE_COLUMNS]
    assert [(row["id"], row["gold"], row["label"]) for row in rows] == [
        (row["id"], str(row["gold"]), label) for row, label in zip(ROWS, EXPECTED_LABELS)
    ]


def test_small_chunks_keep_order_and_every_row(runner, pairs_file):
    result = runner.invoke(main, ["pairs", str(pairs_file), "--chunk-size", "3"])
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["p1", "p2", "p3", "p4"]
    assert [r["label"] for r in records][:2] == ["verbatim", "edited"]
    assert records[3]["label"] == "different"


def test_tsv_input_and_output_file(runner, tmp_path):
    source = tmp_path / "pairs.tsv"
    lines = ["pair\ttext1\ttext2"] + [f"{row['id']}\t{row['text1']}\t{row['text2']}" for row in ROWS]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["pairs", str(source), "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [(r["pair"], r["label"]) for r in records] == list(zip(["p1", "p2", "p3", "p4"], EXPECTED_LABELS))


def test_jsonl_on_stdin(runner):
    stdin = "".join(json.dumps(row) + "\n" for row in ROWS)
    result = runner.invoke(main, ["pairs", "-"], input=stdin)
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["label"] for line in result.stdout.splitlines()] == EXPECTED_LABELS


def test_jsonl_on_stdin_that_is_not_utf8_is_read_as_cp1252_with_a_warning(runner):
    piped = b'{"text1": "The caf\xe9 opened.", "text2": "The caf\xe9 opened."}\n'
    result = runner.invoke(main, ["pairs", "-"], input=piped)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (
        "dedup: warning: <stdin>:1: not UTF-8, read as cp1252 (as is any later line that is not UTF-8)\n"
    )
    assert json.loads(result.stdout)["label"] == "verbatim"


def test_an_input_field_named_like_an_output_column_is_kept_apart(runner, tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text(json.dumps({"label": "gold-yes", "text1": SOURCE, "text2": SOURCE}) + "\n", encoding="utf-8")
    result = runner.invoke(main, ["pairs", str(path)])
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["input_label"] == "gold-yes"
    assert record["label"] == "verbatim"


def test_document_level_on_the_seeds(runner, tmp_path):
    texts = {path.name[:3]: path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))}
    path = tmp_path / "docs.jsonl"
    pairs = [("000", "000"), ("000", "001"), ("000", "002")]
    path.write_text(
        "".join(json.dumps({"a": a, "b": b, "text1": texts[a], "text2": texts[b]}) + "\n" for a, b in pairs),
        encoding="utf-8",
    )
    result = runner.invoke(main, ["pairs", str(path), "--level", "document", "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["a", "b", *DOCUMENT_COLUMNS]
    assert [row["label"] for row in rows][:2] == ["duplicate", "rewrite"]
    assert rows[2]["label"] in ("same-story", "unrelated")
    assert float(rows[0]["similarity"]) > float(rows[1]["similarity"]) > float(rows[2]["similarity"])


def test_missing_file_is_one_line_on_stderr_and_exit_2(runner, tmp_path):
    result = runner.invoke(main, ["pairs", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"dedup: error: {tmp_path / 'nope.jsonl'}: no such file or directory\n"


def test_a_malformed_record_stops_the_run_naming_its_line(runner, pairs_file, tmp_path):
    with pairs_file.open("a", encoding="utf-8") as stream:
        stream.write('{"text1": "only one side"}\n')
    target = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["pairs", str(pairs_file), "-o", str(target)])
    assert result.exit_code == 2
    assert result.stderr == f"dedup: error: {pairs_file}:5: record has no 'text2'\n"


def test_a_bad_first_record_leaves_no_output_file(runner, tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text("{not json}\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["pairs", str(path), "-o", str(target)])
    assert result.exit_code == 2
    assert f"{path}:1: malformed JSON Lines record" in result.stderr
    assert not target.exists()


def test_skip_bad_warns_and_scores_the_rest(runner, tmp_path):
    path = tmp_path / "pairs.jsonl"
    lines = [json.dumps(ROWS[0]), "not json", json.dumps({"id": "x", "text1": "a", "text2": ""}), json.dumps(ROWS[3])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(main, ["pairs", str(path), "--skip-bad"])
    assert result.exit_code == 0
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["p1", "p4"]
    warnings = result.stderr.splitlines()
    assert len(warnings) == 2
    assert warnings[0].startswith(f"dedup: warning: {path}:2: malformed JSON Lines record")
    assert warnings[1] == f"dedup: warning: {path}:3: empty 'text2'"


def test_csv_warns_about_fields_the_header_lacks(runner, tmp_path):
    path = tmp_path / "pairs.jsonl"
    rows = [{"id": 1, "text1": "a b", "text2": "a b"}, {"id": 2, "extra": "z", "text1": "c d", "text2": "c d"}]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    result = runner.invoke(main, ["pairs", str(path), "--format", "csv"])
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 3
    assert "extra" in result.stderr and "--format jsonl" in result.stderr


def test_help_names_the_options(runner):
    result = runner.invoke(main, ["pairs", "--help"])
    assert result.exit_code == 0
    for option in ("--level", "--format", "--output", "--chunk-size", "--skip-bad"):
        assert option in result.stdout
