"""`dedup cluster --kept PATH [--keep canonical|all] [--drop-rewrites] [--drop-list PATH]` (#18):
the kept articles' input records, unchanged and in the input's format, and a drop list."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup import ClusterResult, ConfigError, CopyGroup, Member
from dedup.actions import DROP_LIST_FIELDS, keep_plan
from dedup.cli import main

SEEDS = Path(__file__).resolve().parents[1] / "examples" / "seeds"
SOURCE, REWRITE = "000_dcd977f381deb860", "001_9f484aa0f34f7918"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _texts() -> dict[str, str]:
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))}


def _records() -> list[dict]:
    """The seeds, an exact copy of the source and a light edit of it, with extra fields."""
    texts = _texts()
    records = [{"id": key, "text": text, "extra": {"n": k}} for k, (key, text) in enumerate(texts.items())]
    records.append({"id": "copy", "text": texts[SOURCE], "source": "Daily", "extra": "x"})
    records.append({"id": "edit", "text": texts[SOURCE].replace("Pakistan", "Pakistan's government", 1)})
    return records


def _run(runner: CliRunner, *args: str) -> object:
    result = runner.invoke(main, ["cluster", *args])
    assert result.exit_code == 0, result.stderr
    return result


# --- the decision ---------------------------------------------------------------------------------


def _result() -> ClusterResult:
    members = (
        Member("a", "canonical", 1.0, 1.0, 0.0),
        Member("b", "duplicate", 1.0, 1.0, 0.0, of="a"),
        Member("c", "near-duplicate", 0.9, 0.95, 0.0, of="b"),
        Member("d", "rewrite", 0.7, 0.1, 0.6, of="a"),
    )
    return ClusterResult(
        (
            CopyGroup(0, 0, "a", "earliest-published", members),
            CopyGroup(1, 0, "e", "only-member", (Member("e", "canonical", 1.0, 1.0, 0.0),)),
        )
    )


def test_keep_canonical_drops_duplicates_and_near_duplicates_only():
    plan = keep_plan(_result())
    assert plan.kept == {"a", "d", "e"}
    assert [(d.id, d.duplicate_of, d.canonical, d.relation) for d in plan.dropped] == [
        ("b", "a", "a", "duplicate"),
        ("c", "b", "a", "near-duplicate"),
    ]
    assert "copy group kept as a (earliest-published)" in plan.dropped[0].reason
    assert list(plan.dropped[0].as_record()) == list(DROP_LIST_FIELDS)


def test_drop_rewrites_and_keep_all():
    assert keep_plan(_result(), drop_rewrites=True).kept == {"a", "e"}
    everything = keep_plan(_result(), keep="all")
    assert everything.kept == {"a", "b", "c", "d", "e"} and everything.dropped == ()
    with pytest.raises(ConfigError):
        keep_plan(_result(), keep="some")
    with pytest.raises(ConfigError):
        keep_plan(_result(), keep="all", drop_rewrites=True)


# --- JSON Lines ---------------------------------------------------------------------------------


def test_jsonl_kept_lines_are_the_input_lines_unchanged(runner, tmp_path):
    batch = tmp_path / "batch.jsonl"
    lines = [json.dumps(record, ensure_ascii=True) + "\n" for record in _records()]
    lines.insert(2, "\n")  # a blank line: no record
    batch.write_text("".join(lines), encoding="utf-8")
    kept, dropped = tmp_path / "kept.jsonl", tmp_path / "dropped.csv"
    _run(runner, str(batch), "--format", "jsonl", "--kept", str(kept), "--drop-list", str(dropped))
    kept_lines = kept.read_text(encoding="utf-8").splitlines(keepends=True)
    assert set(kept_lines) <= set(lines)
    assert kept_lines == [line for line in lines if line in kept_lines]  # input order
    kept_ids = [json.loads(line)["id"] for line in kept_lines]
    rows = list(csv.DictReader(io.StringIO(dropped.read_text(encoding="utf-8"))))
    assert list(rows[0]) == list(DROP_LIST_FIELDS)
    dropped_ids = {row["id"] for row in rows}
    assert dropped_ids == {"copy", "edit"} or dropped_ids == {SOURCE, "edit"} or len(dropped_ids) == 2
    assert set(kept_ids) | dropped_ids == {r["id"] for r in _records()}
    assert not set(kept_ids) & dropped_ids
    assert {row["relation"] for row in rows} <= {"duplicate", "near-duplicate"}
    assert REWRITE in kept_ids  # a rewrite is kept without --drop-rewrites
    for row in rows:
        assert row["canonical"] in kept_ids


def test_keep_all_keeps_every_record_and_drops_none(runner, tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(r) + "\n" for r in _records()), encoding="utf-8")
    kept, dropped = tmp_path / "kept.jsonl", tmp_path / "dropped.jsonl"
    _run(runner, str(batch), "--kept", str(kept), "--keep", "all", "--drop-list", str(dropped))
    assert kept.read_bytes() == batch.read_bytes()
    assert dropped.read_text(encoding="utf-8") == ""


def test_drop_rewrites_drops_the_rewrite_with_its_relation(runner, tmp_path):
    kept, dropped = tmp_path / "kept", tmp_path / "dropped.jsonl"
    _run(runner, str(SEEDS), "--kept", str(kept), "--drop-rewrites", "--drop-list", str(dropped))
    records = [json.loads(line) for line in dropped.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["duplicate_of"], r["relation"]) for r in records] == [(REWRITE, SOURCE, "rewrite")]
    assert sorted(p.name for p in kept.iterdir()) == sorted(p.name for p in SEEDS.glob("*.txt") if p.stem != REWRITE)
    for path in kept.iterdir():
        assert path.read_bytes() == (SEEDS / path.name).read_bytes()


def test_copies_level_keeps_one_of_each_copy_group(runner, tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(r) + "\n" for r in _records()), encoding="utf-8")
    kept = tmp_path / "kept.jsonl"
    _run(runner, str(batch), "--level", "copies", "--format", "jsonl", "--kept", str(kept))
    kept_ids = [json.loads(line)["id"] for line in kept.read_text(encoding="utf-8").splitlines()]
    assert len(kept_ids) == len(_records()) - 2 and REWRITE in kept_ids


# --- CSV, Parquet, text directories -------------------------------------------------------------


def test_csv_kept_records_keep_their_lines_and_the_header(runner, tmp_path):
    batch = tmp_path / "batch.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["ID", "text", "source"])
    for record in _records():
        writer.writerow([record["id"], record["text"], record.get("source", "")])  # texts span lines
    batch.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    kept = tmp_path / "kept.csv"
    _run(runner, str(batch), "--kept", str(kept))
    written = kept.read_bytes().decode("utf-8")
    assert written.startswith("ID,text,source\r\n")
    rows = list(csv.reader(io.StringIO(written, newline="")))
    originals = {row[0]: row for row in csv.reader(io.StringIO(buffer.getvalue(), newline=""))}
    assert len(rows) == 1 + len(_records()) - 2
    for row in rows[1:]:
        assert row == originals[row[0]]
    original_lines = set(buffer.getvalue().splitlines(keepends=True))
    assert all(line in original_lines for line in written.splitlines(keepends=True))  # byte for byte


def test_csv_kept_finds_the_records_the_reading_kept_past_a_stray_quote(runner, tmp_path):
    texts = _texts()
    batch = tmp_path / "batch.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "text"])
    writer.writerow(["first", texts[SOURCE]])
    buffer.write('stray,"a quote opened and never closed\n')
    writer.writerow(["after", texts[REWRITE]])  # quoted (it holds commas and lines): read again past the stray
    batch.write_text(buffer.getvalue(), encoding="utf-8")
    kept = tmp_path / "kept.csv"
    result = runner.invoke(main, ["cluster", str(batch), "--skip-bad", "--kept", str(kept), "--keep", "all"])
    assert result.exit_code == 0, result.stderr
    assert "malformed CSV record" in result.stderr
    rows = list(csv.reader(io.StringIO(kept.read_text(encoding="utf-8"), newline="")))
    assert rows == [["id", "text"], ["first", texts[SOURCE]], ["after", texts[REWRITE]]]


def test_parquet_kept_rows_are_the_input_rows(runner, tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    records = _records()
    table = pa.table(
        {
            "id": [r["id"] for r in records],
            "text": [r["text"] for r in records],
            "rank": list(range(len(records))),
        }
    )
    batch = tmp_path / "batch.parquet"
    pq.write_table(table, batch)
    kept = tmp_path / "kept.parquet"
    _run(runner, str(batch), "--kept", str(kept))
    written = pq.read_table(kept)
    assert written.schema == table.schema
    assert written.num_rows == len(records) - 2
    by_id = {row["id"]: row for row in table.to_pylist()}
    assert all(row == by_id[row["id"]] for row in written.to_pylist())


def test_text_directory_kept_is_a_directory_of_the_kept_files(runner, tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder / "seeds")
    (folder / "copies").mkdir()
    (folder / "copies" / "copy.txt").write_bytes((SEEDS / f"{SOURCE}.txt").read_bytes())
    kept = tmp_path / "kept"
    _run(runner, str(folder), "--kept", str(kept))
    files = sorted(str(p.relative_to(kept)) for p in kept.rglob("*.txt"))
    assert len(files) == 5 and f"seeds/{REWRITE}.txt" in files
    assert (f"seeds/{SOURCE}.txt" in files) != ("copies/copy.txt" in files)


# --- refusals -----------------------------------------------------------------------------------


def test_refuses_to_write_over_an_input_or_into_an_input_directory(runner, tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(r) + "\n" for r in _records()), encoding="utf-8")
    before = batch.read_bytes()
    for args in (["--kept", str(batch)], ["--drop-list", str(batch)], ["--manifest", str(batch)]):
        result = runner.invoke(main, ["cluster", str(batch), *args])
        assert result.exit_code == 2
        assert f"the output is one of the inputs; give {args[0]} another path" in result.stderr
    assert batch.read_bytes() == before
    folder = tmp_path / "texts"
    shutil.copytree(SEEDS, folder)
    result = runner.invoke(main, ["cluster", str(folder), "--kept", str(folder / "kept")])
    assert result.exit_code == 2 and "inside the input directory" in result.stderr
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x")
    result = runner.invoke(main, ["cluster", str(SEEDS), "--kept", str(tmp_path / "full")])
    assert result.exit_code == 2 and "new or empty directory" in result.stderr


def test_refuses_stdin_mixed_formats_and_options_without_an_output(runner, tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(r) + "\n" for r in _records()), encoding="utf-8")
    result = runner.invoke(main, ["cluster", "-", "--kept", str(tmp_path / "k.jsonl")], input=batch.read_text())
    assert result.exit_code == 2 and "standard input" in result.stderr
    result = runner.invoke(main, ["cluster", str(batch), str(SEEDS), "--kept", str(tmp_path / "k.jsonl")])
    assert result.exit_code == 2 and "mix jsonl and text" in result.stderr
    result = runner.invoke(main, ["cluster", str(batch), "--drop-rewrites"])
    assert result.exit_code == 2 and "need --kept PATH or --drop-list PATH" in result.stderr
    result = runner.invoke(main, ["cluster", str(batch), "--keep", "all", "--drop-rewrites", "--kept", "k.jsonl"])
    assert result.exit_code == 2 and "--drop-rewrites needs --keep canonical" in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    "options",
    [
        ("--kept", "{x}", "--drop-list", "{x}"),
        ("-o", "{x}", "--kept", "{x}"),
        ("-o", "{x}", "--drop-list", "{x}"),
        ("-o", "{x}", "--manifest", "{x}"),
        ("-o", "{x}", "--kept", "{x}.manifest.json"),
    ],
)
def test_two_outputs_of_one_path_are_refused_before_any_work(runner, tmp_path, options):
    batch = tmp_path / "in.jsonl"
    batch.write_text("".join(json.dumps(r) + "\n" for r in _records()), encoding="utf-8")
    target = str(tmp_path / "x")
    args = [option.format(x=target) for option in options]
    result = runner.invoke(main, ["cluster", str(batch), *args])
    assert result.exit_code == 2 and "each output needs a path of its own" in result.stderr, result.output
    assert not list(tmp_path.glob("x*"))  # nothing written
