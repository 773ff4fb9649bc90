"""`dedup index add|stats|remove|prune` and `dedup check` through click's CliRunner."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import main
from dedup.cli.index import parse_duration

SEEDS = Path(__file__).resolve().parents[1] / "examples" / "seeds"
WIRE = SEEDS / "000_dcd977f381deb860.txt"
REWRITE = "001_9f484aa0f34f7918"


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture()
def index(tmp_path, runner) -> str:
    """An index holding the first seed as wire copy."""
    path = str(tmp_path / "wire.db")
    result = runner.invoke(main, ["index", "add", "--index", path, "--wire", str(WIRE)])
    assert result.exit_code == 0, result.stderr
    assert "added 1 wire article" in result.stdout
    return path


def others() -> list[str]:
    return [str(path) for path in sorted(SEEDS.glob("*.txt")) if path != WIRE]


def test_check_table_names_the_rewrite_and_its_derivation(runner, index):
    result = runner.invoke(main, ["check", "--index", index, *others()])
    assert result.exit_code == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith(REWRITE))
    assert "rewrite" in row and WIRE.stem in row and "derived" in row
    assert "4 articles checked against 1 archived (1 wire)" in result.stdout


def test_check_jsonl_and_html(runner, index, tmp_path):
    result = runner.invoke(main, ["check", "--index", index, "--format", "jsonl", *others()])
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["verdict"] for r in records] == ["rewrite", "new", "new", "new"]
    assert records[0]["matches"][0]["id"] == WIRE.stem and records[0]["earliest"] == WIRE.stem
    assert records[0]["derivation"]["label"] in ("partially-derived", "wholly-derived")
    page = tmp_path / "check.html"
    result = runner.invoke(main, ["check", "--index", index, "--format", "html", "-o", str(page), *others()])
    assert result.exit_code == 0, result.stderr
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<script" not in text and REWRITE in text


def test_check_adds_only_with_add(runner, index):
    runner.invoke(main, ["check", "--index", index, *others()])
    stats = runner.invoke(main, ["index", "stats", "--index", index, "--format", "jsonl"])
    assert json.loads(stats.stdout)["articles"] == 1
    result = runner.invoke(main, ["check", "--index", index, "--add", *others()])
    assert result.exit_code == 0, result.stderr
    stats = runner.invoke(main, ["index", "stats", "--index", index, "--format", "jsonl"])
    assert json.loads(stats.stdout)["articles"] == 5 and json.loads(stats.stdout)["wire"] == 1
    # Checked again, each is marked as in the index and never matched with itself.
    again = runner.invoke(main, ["check", "--index", index, "--format", "jsonl", str(SEEDS / f"{REWRITE}.txt")])
    record = json.loads(again.stdout)
    assert record["in_index"] and [m["id"] for m in record["matches"]] == [WIRE.stem]


def test_an_id_archived_with_another_text_is_marked_and_not_replaced(runner, index, tmp_path):
    changed = tmp_path / WIRE.name
    changed.write_text((SEEDS / f"{REWRITE}.txt").read_text(encoding="utf-8"), encoding="utf-8")
    table = runner.invoke(main, ["check", "--index", index, str(changed)])
    assert table.exit_code == 0, table.stderr
    assert f"{WIRE.stem} (in index, other text)" in table.stdout
    same = runner.invoke(main, ["check", "--index", index, str(WIRE)])
    assert f"{WIRE.stem} (in index)  " in same.stdout
    record = json.loads(runner.invoke(main, ["check", "--index", index, "--format", "jsonl", str(changed)]).stdout)
    assert record["in_index"] and record["archived_text_differs"]
    added = runner.invoke(main, ["index", "add", "--index", index, str(changed)])
    assert added.exit_code == 0, added.stderr
    assert "1 article already in the index was skipped" in added.stderr
    assert f"under another text was not added: {WIRE.stem}" in added.stderr
    checked = runner.invoke(main, ["check", "--index", index, "--add", str(changed)])
    assert "under another text was not added" in checked.stderr


def test_check_add_whose_output_cannot_be_written_adds_nothing(runner, index, tmp_path):
    result = runner.invoke(main, ["check", "--index", index, "--add", "-o", str(tmp_path / "no" / "x.txt"), *others()])
    assert result.exit_code == 2 and "cannot write: No such file or directory" in result.stderr
    stats = runner.invoke(main, ["index", "stats", "--index", index, "--format", "jsonl"])
    assert json.loads(stats.stdout)["articles"] == 1


def test_an_add_that_fails_before_adding_anything_leaves_no_new_index(runner, tmp_path, index):
    bad = tmp_path / "dup.jsonl"
    bad.write_text('{"id": "x", "text": "The council approved it."}\n{"id": "x", "text": "Other."}\n', encoding="utf-8")
    fresh = tmp_path / "fresh.db"
    result = runner.invoke(main, ["index", "add", "--index", str(fresh), str(bad)])
    assert result.exit_code == 2 and "duplicate id 'x'" in result.stderr
    assert not list(tmp_path.glob("fresh.db*"))
    # An index that was there before is left as it was.
    result = runner.invoke(main, ["index", "add", "--index", index, str(bad)])
    assert result.exit_code == 2 and Path(index).exists()
    stats = runner.invoke(main, ["index", "stats", "--index", index, "--format", "jsonl"])
    assert json.loads(stats.stdout)["articles"] == 1


def test_add_and_check_warn_of_an_article_with_nothing_to_compare(runner, index, tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"id": "byline", "text": "By John Smith, PA News\\n\\nend"}\n', encoding="utf-8")
    for command in (["check", "--index", index, str(batch)], ["index", "add", "--index", index, str(batch)]):
        result = runner.invoke(main, command)
        assert result.exit_code == 0, result.stderr
        assert "byline: no content word to compare" in result.stderr, command


def test_wire_without_add_is_refused(runner, index):
    result = runner.invoke(main, ["check", "--index", index, "--wire", *others()])
    assert result.exit_code == 2 and "--wire marks added articles" in result.stderr


def test_stats_remove_prune(runner, index):
    runner.invoke(main, ["index", "add", "--index", index, *others()])
    stats = runner.invoke(main, ["index", "stats", "--index", index])
    assert stats.exit_code == 0 and "articles       5 (1 wire, 3 undated)" in stats.stdout
    removed = runner.invoke(main, ["index", "remove", "--index", index, REWRITE, "nope"])
    assert (
        removed.exit_code == 0 and "removed 1 article " in removed.stdout and "nope: not in the index" in removed.stderr
    )
    pruned = runner.invoke(main, ["index", "prune", "--index", index, "--older-than", "7d"])
    # 000 and 002 are dated December 2024 by their date stamps; the undated were added just now
    assert pruned.exit_code == 0 and "removed 2 articles" in pruned.stdout
    pruned = runner.invoke(main, ["index", "prune", "--index", index, "--older-than", "0s", "--by", "added"])
    assert pruned.exit_code == 0 and "it holds 0" in pruned.stdout
    bad = runner.invoke(main, ["index", "prune", "--index", index, "--older-than", "a week"])
    assert bad.exit_code == 2 and "expected a number and a unit" in bad.stderr
    for age in ("1000000000d", "99999999999999w"):  # beyond what a timedelta holds
        too_long = runner.invoke(main, ["index", "prune", "--index", index, "--older-than", age])
        assert too_long.exit_code == 2 and "at most 3652500d" in too_long.stderr, too_long.output
    longest = runner.invoke(main, ["index", "prune", "--index", index, "--older-than", "3652500d"])
    assert longest.exit_code == 0 and "removed 0 articles" in longest.stdout


def test_adding_again_skips_with_a_warning(runner, index):
    result = runner.invoke(main, ["index", "add", "--index", index, str(WIRE)])
    assert result.exit_code == 0 and "added 0 articles" in result.stdout
    assert "1 article already in the index was skipped" in result.stderr


@pytest.mark.parametrize("command", [["check"], ["index", "stats"], ["index", "add"]])
def test_a_bad_index_file_is_one_line_and_exit_2(runner, tmp_path, command):
    path = tmp_path / "notes.db"
    path.write_text("not a database\n", encoding="utf-8")
    args = [*command, "--index", str(path)] + ([str(WIRE)] if command != ["index", "stats"] else [])
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "not a dedup index" in result.stderr
    assert path.read_text(encoding="utf-8") == "not a database\n"


def test_a_newer_schema_is_one_line_and_exit_2(runner, index):
    connection = sqlite3.connect(index)
    connection.execute("PRAGMA user_version = 7")
    connection.commit()
    connection.close()
    result = runner.invoke(main, ["check", "--index", index, str(WIRE)])
    assert result.exit_code == 2 and "schema version 7 is newer" in result.stderr


def test_check_without_an_index_is_an_error(runner, tmp_path):
    result = runner.invoke(main, ["check", "--index", str(tmp_path / "none.db"), str(WIRE)])
    assert result.exit_code == 2 and "no index here" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_skip_bad_in_add(runner, index, tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"id": "a", "text": "One sentence here."}\n{"id": "b"}\n', encoding="utf-8")
    failed = runner.invoke(main, ["index", "add", "--index", index, str(batch)])
    assert failed.exit_code == 2
    skipped = runner.invoke(main, ["index", "add", "--index", index, "--skip-bad", str(batch)])
    assert skipped.exit_code == 0 and "added 1 article " in skipped.stdout


def test_every_index_command_has_help(runner):
    for args in (["index"], ["index", "add"], ["index", "stats"], ["index", "remove"], ["index", "prune"], ["check"]):
        result = runner.invoke(main, [*args, "--help"])
        assert result.exit_code == 0, args


def test_parse_duration():
    assert parse_duration("7d").total_seconds() == 7 * 86400
    assert parse_duration("12h").total_seconds() == 12 * 3600


def test_an_index_this_process_may_not_write_is_one_error_not_a_traceback(runner, index, monkeypatch):
    """As for a read-only index file (a test run as root cannot make one with chmod): SQLite opened
    read-only refuses every write, and each writing command says so in one line, exit 2."""
    import dedup.index.schema as schema

    connect = sqlite3.connect

    def read_only(path, **options):
        return connect(f"file:{path}?mode=ro", uri=True, **options)

    monkeypatch.setattr(schema.sqlite3, "connect", read_only)
    rewrite = str(SEEDS / f"{REWRITE}.txt")
    for args in (
        ["index", "add", "--index", index, rewrite],
        ["index", "remove", "--index", index, "000_dcd977f381deb860"],
        ["index", "prune", "--index", index, "--older-than", "0s", "--by", "added"],
        ["check", "--index", index, "--add", rewrite],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert "cannot write to the index" in result.stderr and "Traceback" not in result.output, result.stderr
    stats = runner.invoke(main, ["index", "stats", "--index", index])  # reading needs no write
    assert stats.exit_code == 0 and "articles       1" in stats.stdout, stats.output
