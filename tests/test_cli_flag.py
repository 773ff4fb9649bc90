"""`dedup flag` through click's CliRunner: formats, output file, errors, --skip-bad, empty wire set."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import main
from dedup.report.flag_records import FLAG_CSV_FIELDS

SEEDS = Path(__file__).resolve().parents[1] / "examples" / "seeds"
WIRE = SEEDS / "000_dcd977f381deb860.txt"
REWRITE = "001_9f484aa0f34f7918"


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture()
def inputs() -> list[str]:
    """The four seeds other than the wire story."""
    return [str(path) for path in sorted(SEEDS.glob("*.txt")) if path != WIRE]


def test_table_shows_001_derived_from_000_with_its_evidence(runner, inputs):
    result = runner.invoke(main, ["flag", "--wire", str(WIRE), *inputs])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    row = next(line for line in lines if line.startswith(REWRITE))
    assert "partially-derived" in row or "wholly-derived" in row
    assert WIRE.stem in row
    evidence = [line for line in lines if line.strip().startswith(f"<- {WIRE.stem}#")]
    assert len(evidence) >= 8
    assert "4 articles: 0 wholly derived, 1 partially derived, 3 non-derived; against 1 wire story" in result.stdout


def test_jsonl_has_one_record_per_article_with_coverage_quotes_and_evidence(runner, inputs):
    result = runner.invoke(main, ["flag", "--wire", str(WIRE), *inputs, "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == [Path(p).stem for p in inputs]
    rewrite = records[0]
    assert rewrite["derivation"] in ("partially-derived", "wholly-derived")
    assert [s["id"] for s in rewrite["sources"]] == [WIRE.stem]
    assert set(rewrite["coverage"]) == {"sentences", "characters"}
    assert set(rewrite["coverage"]["characters"]) == {"verbatim", "edited", "rewritten"}
    assert rewrite["coverage"]["characters"]["rewritten"] > 0.5
    assert set(rewrite["quotes"]) == {"sentences", "characters", "copied_sentences", "copied_characters"}
    first = rewrite["evidence"][0]
    assert set(first) == {
        "article_index",
        "article_sentence",
        "source",
        "source_index",
        "source_sentence",
        "kind",
        "similarity",
    }
    assert all(r["derivation"] == "non-derived" and r["sources"] == [] for r in records[1:])


def test_csv_has_a_header_and_one_row_per_article(runner, inputs):
    result = runner.invoke(main, ["flag", "--wire", str(WIRE), *inputs, "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == FLAG_CSV_FIELDS
    assert [row["id"] for row in rows] == [Path(p).stem for p in inputs]
    assert rows[0]["sources"] == WIRE.stem
    assert f">{WIRE.stem}#" in rows[0]["evidence"]


def test_output_file_gets_the_report_and_stdout_stays_empty(runner, inputs, tmp_path):
    target = tmp_path / "flags.jsonl"
    result = runner.invoke(main, ["flag", "--wire", str(WIRE), *inputs, "--format", "jsonl", "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert len(target.read_text(encoding="utf-8").splitlines()) == 4


def test_output_is_identical_across_runs(runner, inputs, tmp_path):
    outputs = []
    for name in ("a.jsonl", "b.jsonl"):
        target = tmp_path / name
        runner.invoke(main, ["flag", "--wire", str(WIRE), *inputs, "--format", "jsonl", "-o", str(target)])
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1] != b""


def test_without_wire_sources_are_sought_inside_the_batch(runner):
    result = runner.invoke(main, ["flag", str(SEEDS), "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    records = {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}
    # 000 and 002 are dated by their leading date stamps (2024-12-22, 2024-12-23): the undated 001
    # is compared with both, and derives mostly from 000
    sources = records[REWRITE]["sources"]
    assert sources[0]["id"] == WIRE.stem and sources[0]["derived"] > 0.5
    assert all(source["derived"] < 0.1 for source in sources[1:])
    assert records[WIRE.stem]["derivation"] == "non-derived"  # the earliest dated, so nothing is earlier


def test_the_wire_option_can_be_repeated(runner, tmp_path, inputs):
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"id": "other", "text": "A story about football and nothing else."}) + "\n")
    result = runner.invoke(main, ["flag", "--wire", str(WIRE), "--wire", str(other), *inputs, "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    assert f",{WIRE.stem}," in result.stdout


def test_a_missing_input_is_a_one_line_error_with_exit_2(runner, tmp_path):
    result = runner.invoke(main, ["flag", "--wire", str(WIRE), str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("dedup: error: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "missing.jsonl" in result.stderr


@pytest.mark.parametrize("skip_bad", [[], ["--skip-bad"]])
def test_an_empty_wire_set_is_an_error_not_an_empty_report(runner, tmp_path, inputs, skip_bad):
    empty = tmp_path / "wire.jsonl"
    empty.write_text("\n")
    result = runner.invoke(main, ["flag", "--wire", str(empty), *inputs, *skip_bad])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"dedup: error: --wire: no articles read from: {empty}\n"


def test_an_empty_wire_directory_is_an_error(runner, tmp_path, inputs):
    empty = tmp_path / "wire"
    empty.mkdir()
    result = runner.invoke(main, ["flag", "--wire", str(empty), *inputs])
    assert result.exit_code == 2
    assert result.stderr.startswith("dedup: error: --wire: ") and "wire" in result.stderr


def test_a_bad_record_stops_the_run_unless_skip_bad(runner, tmp_path):
    batch = tmp_path / "batch.jsonl"
    good = {"id": "rewrite", "text": (SEEDS / f"{REWRITE}.txt").read_text(encoding="utf-8")}
    batch.write_text(json.dumps(good) + "\n" + '{"id": "broken", "text": \n')
    stopped = runner.invoke(main, ["flag", "--wire", str(WIRE), str(batch)])
    assert stopped.exit_code == 2
    assert "batch.jsonl:2" in stopped.stderr and len(stopped.stderr.strip().splitlines()) == 1

    skipped = runner.invoke(main, ["flag", "--wire", str(WIRE), str(batch), "--skip-bad", "--format", "jsonl"])
    assert skipped.exit_code == 0, skipped.stderr
    assert skipped.stderr.startswith("dedup: warning: ") and "batch.jsonl:2" in skipped.stderr
    records = [json.loads(line) for line in skipped.stdout.splitlines()]
    assert [r["id"] for r in records] == ["rewrite"]
    assert records[0]["derivation"] != "non-derived"


def test_a_bad_wire_record_is_named_as_wire(runner, tmp_path, inputs):
    wire = tmp_path / "wire.jsonl"
    wire.write_text('{"text": "no id"}\n')
    result = runner.invoke(main, ["flag", "--wire", str(wire), *inputs])
    assert result.exit_code == 2
    assert result.stderr.startswith("dedup: error: --wire: ") and "wire.jsonl:1" in result.stderr


def test_a_wire_directory_walk_error_is_a_wire_warning_with_skip_bad(runner, tmp_path, inputs):
    wire = tmp_path / "wire"
    wire.mkdir()
    (wire / WIRE.name).write_text(WIRE.read_text(encoding="utf-8"), encoding="utf-8")
    (wire / "l1").symlink_to("l2")
    (wire / "l2").symlink_to("l1")

    stopped = runner.invoke(main, ["flag", "--wire", str(wire), *inputs])
    assert stopped.exit_code == 2 and stopped.stdout == ""
    assert stopped.stderr == f"dedup: error: --wire: {wire / 'l1'}: cannot read: Too many levels of symbolic links\n"

    skipped = runner.invoke(main, ["flag", "--wire", str(wire), *inputs, "--skip-bad", "--format", "jsonl"])
    assert skipped.exit_code == 0, skipped.stderr
    loop = "cannot read: Too many levels of symbolic links"
    assert skipped.stderr.splitlines() == [f"dedup: warning: --wire: {wire / name}: {loop}" for name in ("l1", "l2")]
    records = [json.loads(line) for line in skipped.stdout.splitlines()]
    assert next(r for r in records if r["id"] == REWRITE)["derivation"] != "non-derived"


def test_a_published_value_that_is_not_a_date_is_a_warning_in_batch_mode(runner, tmp_path):
    batch = tmp_path / "batch.jsonl"
    records = [
        {"id": "a", "text": "One sentence here. Another sentence there.", "published": "last Tuesday"},
        {"id": "b", "text": "A different text entirely. With two sentences."},
    ]
    batch.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = runner.invoke(main, ["flag", str(batch), "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"dedup: warning: {batch}:1: published 'last Tuesday' is not an ISO 8601 date "
        "(e.g. 2024-12-22 or 2024-12-22T09:30:00Z); the article is taken as undated"
    ]
    flagged = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in flagged] == ["a", "b"]
    assert flagged[0]["published"] == "last Tuesday"  # echoed as given


def test_an_article_with_an_unreadable_date_is_never_a_source(runner, tmp_path):
    seeds = sorted(SEEDS.glob("*.txt"))
    source, rewrite = (path.read_text(encoding="utf-8") for path in seeds[:2])
    batch = tmp_path / "batch.jsonl"
    records = [
        {"id": "source", "text": source, "published": "the day before"},
        {"id": "rewrite", "text": rewrite, "published": "2024-12-22"},
    ]
    batch.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = runner.invoke(main, ["flag", str(batch), "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    assert "taken as undated" in result.stderr
    flagged = {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert flagged["rewrite"]["derivation"] == "non-derived"  # its only candidate source is undated


def test_help_names_the_options(runner):
    result = runner.invoke(main, ["flag", "--help"])
    assert result.exit_code == 0
    for option in ("--wire", "--format", "--output", "--skip-bad", "--seed"):
        assert option in result.stdout


def test_jsonl_and_csv_echo_what_the_input_said_of_each_article(runner, tmp_path):
    text = (SEEDS / f"{REWRITE}.txt").read_text(encoding="utf-8")
    (tmp_path / "a.md").write_text(
        "---\ntitle: Pakistan rejects claims\nsource: The Nation\npublished: 2024-12-23\nurl: https://x.test/a\n---\n"
        + text,
        encoding="utf-8",
    )
    (tmp_path / "b.txt").write_text((SEEDS / "003_1d4e4d9509f8fd29.txt").read_text(encoding="utf-8"), encoding="utf-8")
    result = runner.invoke(main, ["flag", "--wire", str(WIRE), str(tmp_path), "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert list(first)[-4:] == ["title", "source", "published", "url"]
    assert (first["title"], first["source"], first["published"], first["url"]) == (
        "Pakistan rejects claims",
        "The Nation",
        "2024-12-23",
        "https://x.test/a",
    )
    assert second["title"] is None and second["id"] == "b"
    rows = list(
        csv.DictReader(
            io.StringIO(runner.invoke(main, ["flag", "--wire", str(WIRE), str(tmp_path), "--format", "csv"]).stdout)
        )
    )
    assert (rows[0]["title"], rows[0]["source"], rows[1]["title"]) == ("Pakistan rejects claims", "The Nation", "")


def test_the_wire_story_among_the_inputs_is_not_derived_from_itself(runner):
    wire = SEEDS / "000_dcd977f381deb860.txt"
    result = runner.invoke(main, ["flag", "--wire", str(wire), str(SEEDS), "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    records = {record["id"]: record for record in map(json.loads, result.stdout.splitlines())}
    assert records[wire.stem]["derivation"] == "non-derived"
    assert "also in the wire set" in result.stderr and "not compared with itself" in result.stderr
