"""`dedup cluster` through click's CliRunner, and --help of every command."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import main

SEEDS = Path(__file__).resolve().parents[1] / "examples" / "seeds"


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def test_cluster_table_on_the_seeds(runner):
    result = runner.invoke(main, ["cluster", str(SEEDS)])
    assert result.exit_code == 0, result.stderr
    assert "rewrite" in result.stdout
    assert "5 articles, 1 story" in result.stdout


def test_cluster_jsonl_has_one_object_per_group_and_every_article_once(runner):
    result = runner.invoke(main, ["cluster", str(SEEDS), "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"story", "group", "canonical", "rule", "members"} <= set(records[0])
    members = [m["id"] for r in records for m in r["members"]]
    assert sorted(members) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    rewrite = next(r for r in records if len(r["members"]) == 2)
    assert [m["relation"] for m in rewrite["members"]] == ["canonical", "rewrite"]
    fields = ["id", "relation", "cosine", "shared", "rewritten", "of", "title", "source", "published", "url"]
    assert list(rewrite["members"][1]) == fields  # the fields of 0.1 first, as they were
    assert rewrite["members"][1]["of"] == rewrite["canonical"] and rewrite["members"][0]["of"] is None


def test_cluster_jsonl_is_byte_identical_across_runs(runner, tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for path in (first, second):
        result = runner.invoke(main, ["cluster", str(SEEDS), "--format", "jsonl", "--seed", "3", "-o", str(path)])
        assert result.exit_code == 0 and result.stdout == ""
    assert first.read_bytes() == second.read_bytes() != b""


def test_cluster_csv_has_one_row_per_article(runner):
    result = runner.invoke(main, ["cluster", str(SEEDS), "--format", "csv"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "story,group,canonical,rule,id,relation,cosine,shared,rewritten,of,title,source,published,url"
    assert len(lines) == 1 + 5


def test_cluster_reads_jsonl_from_stdin(runner):
    records = [{"id": p.stem, "text": p.read_text(encoding="utf-8")} for p in sorted(SEEDS.glob("*.txt"))]
    stdin = "\n".join(json.dumps(r) for r in records) + "\n"
    result = runner.invoke(main, ["cluster", "-", "--format", "jsonl"], input=stdin)
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 4


def test_cluster_reads_stdin_that_is_not_utf8_as_cp1252_with_a_warning(runner):
    piped = b'{"id": "x", "text": "caf\xe9 au lait"}\n'
    for level in ("stories", "copies"):
        result = runner.invoke(main, ["cluster", "-", "--format", "jsonl", "--level", level], input=piped)
        assert result.exit_code == 0, result.stderr
        assert result.stderr == (
            "dedup: warning: <stdin>:1: not UTF-8, read as cp1252 (as is any later line that is not UTF-8)\n"
        )
        assert json.loads(result.stdout)["canonical"] == "x"


def one_line_error(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dedup: error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


def test_missing_path_is_a_one_line_error(runner, tmp_path):
    message = one_line_error(runner.invoke(main, ["cluster", str(tmp_path / "nope")]))
    assert "nope" in message


def test_empty_directory_is_a_one_line_error(runner, tmp_path):
    message = one_line_error(runner.invoke(main, ["cluster", str(tmp_path)]))
    assert str(tmp_path) in message


def test_binary_file_is_a_one_line_error(runner, tmp_path):
    (tmp_path / "photo.txt").write_bytes(b"\x89PNG\r\n\x00\x00binary")
    message = one_line_error(runner.invoke(main, ["cluster", str(tmp_path)]))
    assert "photo.txt" in message


def test_malformed_jsonl_names_file_and_line(runner, tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"id": "a", "text": "fine"}\n{"id": "b", "text": \n', encoding="utf-8")
    message = one_line_error(runner.invoke(main, ["cluster", str(batch)]))
    assert "batch.jsonl:2" in message


def test_csv_without_text_column_is_a_one_line_error(runner, tmp_path):
    batch = tmp_path / "batch.csv"
    batch.write_text("id,body\n1,hello\n", encoding="utf-8")
    message = one_line_error(runner.invoke(main, ["cluster", str(batch)]))
    assert "batch.csv" in message and "text" in message


def test_skip_bad_warns_and_keeps_the_rest(runner, tmp_path):
    for path in sorted(SEEDS.glob("*.txt")):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "broken.txt").write_bytes(b"\x00\x01\x02")
    batch = tmp_path / "more.jsonl"
    batch.write_text('{"id": "x", "text": "A short note about the weather today."}\nnot json\n', encoding="utf-8")
    result = runner.invoke(main, ["cluster", str(tmp_path), str(batch), "--skip-bad", "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    assert "broken.txt" in result.stderr and "more.jsonl:2" in result.stderr
    members = [m["id"] for line in result.stdout.splitlines() for m in json.loads(line)["members"]]
    assert len(members) == 6 and "x" in members


def test_output_into_a_missing_directory_is_a_one_line_error(runner, tmp_path):
    one_line_error(runner.invoke(main, ["cluster", str(SEEDS), "-o", str(tmp_path / "no" / "such" / "out.txt")]))


@pytest.mark.parametrize("module", ["dedup", "dedup.cli"])
def test_python_dash_m_runs_the_command(module):
    done = subprocess.run(
        [sys.executable, "-m", module, "cluster", str(SEEDS), "--format", "jsonl"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert {json.loads(line)["canonical"] for line in done.stdout.splitlines()} >= {"000_dcd977f381deb860"}
    bad = [sys.executable, "-m", module, "cluster", "--seed", "-1", str(SEEDS)]
    refused = subprocess.run(bad, capture_output=True, text=True)
    assert refused.returncode == 2
    assert refused.stderr.startswith("dedup: error: --seed:")


def test_every_command_has_help(runner):
    assert runner.invoke(main, ["--help"]).exit_code == 0
    for name in main.commands:
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Usage:" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--spark-master", "local[2]"], "--spark-master and --spark-conf need --engine spark"),
        (["--spark-conf", "spark.driver.memory=2g"], "--spark-master and --spark-conf need --engine spark"),
        (["--engine", "spark", "--spark-conf", "nonsense"], "--spark-conf 'nonsense': expected KEY=VALUE"),
        (["--format", "parquet"], "--format parquet writes a directory: give it with -o DIR"),
        (["--level", "copies", "--engine", "spark"], "--level copies runs on the local engine only"),
    ],
)
def test_cluster_rejects_inconsistent_engine_and_output_options_in_one_line(runner, args, message):
    result = runner.invoke(main, ["cluster", str(SEEDS), *args])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"dedup: error: {message}")
    assert result.stderr.count("\n") == 1


def test_cluster_parquet_output_holds_one_row_per_article(runner, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    result = runner.invoke(main, ["cluster", str(SEEDS), "--format", "parquet", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    rows = pq.read_table(tmp_path / "out").to_pylist()
    assert sorted(row["id"] for row in rows) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert {row["relation"] for row in rows} >= {"canonical", "rewrite"}


def _copy_batch(path: Path, extra_lines: list[str] = ()) -> Path:
    wire = (SEEDS / sorted(p.name for p in SEEDS.glob("*.txt"))[0]).read_text(encoding="utf-8")
    other = (SEEDS / sorted(p.name for p in SEEDS.glob("*.txt"))[2]).read_text(encoding="utf-8")
    records = [
        {"id": "wire", "text": wire, "published": "2024-05-01T08:00:00Z", "source": "AP"},
        {"id": "copy", "text": wire, "published": "2024-05-01T09:00:00Z"},
        {"id": "edit", "text": wire.replace("the", "a", 3), "published": "2024-05-01T10:00:00Z"},
        {"id": "other", "text": other, "published": "2024-05-01T07:00:00Z"},
    ]
    path.write_text("\n".join([json.dumps(r) for r in records] + list(extra_lines)) + "\n", encoding="utf-8")
    return path


def test_cluster_copies_level_writes_copy_groups_as_csv_and_jsonl(runner, tmp_path):
    batch = _copy_batch(tmp_path / "batch.jsonl")
    result = runner.invoke(main, ["cluster", "--level", "copies", str(batch), "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = {row.split(",")[4]: row.split(",") for row in result.stdout.splitlines()[1:]}
    assert rows["copy"][2] == "wire" and rows["copy"][5] == "duplicate"
    assert rows["edit"][2] == "wire" and rows["edit"][5] == "near-duplicate"
    assert rows["other"][2] == "other" and rows["other"][5] == "canonical"
    again = runner.invoke(main, ["cluster", "--level", "copies", str(batch), "--format", "jsonl"])
    records = [json.loads(line) for line in again.stdout.splitlines()]
    assert [[m["id"] for m in r["members"]] for r in records] == [["wire", "copy", "edit"], ["other"]]
    table = runner.invoke(main, ["cluster", "--level", "copies", str(batch)])
    assert "4 articles, 2 stories, 2 copy groups, 2 copies or rewrites" in table.stdout


def test_cluster_copies_level_reports_bad_input_in_one_line_or_skips_it(runner, tmp_path):
    batch = _copy_batch(tmp_path / "batch.jsonl", ['{"id": "broken", "text": ""}'])
    result = runner.invoke(main, ["cluster", "--level", "copies", str(batch)])
    assert result.exit_code == 2
    assert result.stderr == f"dedup: error: {batch}:5: empty 'text'\n"
    skipped = runner.invoke(main, ["cluster", "--level", "copies", "--skip-bad", str(batch), "--format", "csv"])
    assert skipped.exit_code == 0
    assert f"{batch}:5: empty 'text'" in skipped.stderr
    assert len(skipped.stdout.splitlines()) == 1 + 4
    missing = runner.invoke(main, ["cluster", "--level", "copies", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and missing.stderr.count("\n") == 1


def test_cluster_copies_level_reads_json_lines_from_stdin_like_a_file(runner, tmp_path):
    batch = _copy_batch(tmp_path / "batch.jsonl")
    from_file = runner.invoke(main, ["cluster", "--level", "copies", str(batch), "--format", "jsonl"])
    from_stdin = runner.invoke(
        main, ["cluster", "--level", "copies", "-", "--format", "jsonl"], input=batch.read_text(encoding="utf-8")
    )
    assert from_stdin.exit_code == 0, from_stdin.stderr
    assert from_stdin.stdout == from_file.stdout
    broken = runner.invoke(main, ["cluster", "--level", "copies", "-"], input='{"id": "x"}\n')
    assert broken.exit_code == 2 and broken.stderr == "dedup: error: <stdin>:1: record has no 'text'\n"


def test_cluster_copies_level_gives_the_same_groups_from_csv_and_from_json_lines(runner, tmp_path):
    import csv

    batch = _copy_batch(tmp_path / "batch.jsonl")
    records = [json.loads(line) for line in batch.read_text(encoding="utf-8").splitlines()]
    table = tmp_path / "batch.csv"
    with open(table, "w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=["id", "text", "published", "source"])
        writer.writeheader()
        writer.writerows(records)
    from_jsonl = runner.invoke(main, ["cluster", "--level", "copies", str(batch), "--format", "jsonl"])
    from_csv = runner.invoke(main, ["cluster", "--level", "copies", str(table), "--format", "jsonl"])
    assert from_csv.exit_code == 0, from_csv.stderr
    assert from_csv.stdout == from_jsonl.stdout


def test_cluster_table_says_copy_of_which_article_and_shows_first_words(runner):
    result = runner.invoke(main, ["cluster", str(SEEDS)])
    lines = result.stdout.splitlines()
    assert lines[0].split()[:8] == ["story", "group", "article", "relation", "copy", "of", "cosine", "shared"]
    row = next(line for line in lines if "001_9f484aa0f34f7918" in line)
    assert row.split()[:3] == ["001_9f484aa0f34f7918", "rewrite", "000_dcd977f381deb860"]
    assert "\"Pakistan rejects 'unfounded' US claims" in row
    canonical = next(line for line in lines if "000_dcd977f381deb860  canonical" in line)
    assert '"FO spokesperson says US allegations' in canonical  # the body's words: the date stamp is furniture


def _metadata_batch(path: Path) -> Path:
    wire = (SEEDS / "000_dcd977f381deb860.txt").read_text(encoding="utf-8")
    other = (SEEDS / "002_07622d912d257890.txt").read_text(encoding="utf-8")
    records = [
        {"id": "copy", "text": wire, "published": "2024-12-22T10:00:00Z", "source": "Daily Post"},
        {
            "id": "wire",
            "text": wire,
            "published": "2024-12-22T14:00:00+05:00",
            "source": "APP",
            "title": "FO rejects US claims",
            "url": "https://example.test/wire",
        },
        {"id": "other", "text": other, "published": "2024-12-21", "title": "War of words"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_cluster_table_and_records_echo_title_source_and_date(runner, tmp_path):
    batch = _metadata_batch(tmp_path / "batch.jsonl")
    table = runner.invoke(main, ["cluster", str(batch)])
    assert table.exit_code == 0, table.stderr
    lines = table.stdout.splitlines()
    assert "published" in lines[0] and "source" in lines[0]
    # 14:00+05:00 is 09:00 UTC, before the copy's 10:00 UTC: the wire story is the original.
    wire = next(line for line in lines if line.split()[2:3] == ["wire"])
    assert "canonical (earliest-published)" in wire and "2024-12-22T14:00:00+05:00" in wire
    assert re.search(r"  APP +FO rejects US claims$", wire)
    copy = next(line for line in lines if line.lstrip().startswith("copy "))
    assert copy.split()[:3] == ["copy", "duplicate", "wire"] and "Daily Post" in copy
    records = [
        json.loads(line)
        for line in runner.invoke(main, ["cluster", str(batch), "--format", "jsonl"]).stdout.splitlines()
    ]
    members = {m["id"]: m for r in records for m in r["members"]}
    assert members["wire"] == {
        "id": "wire",
        "relation": "canonical",
        "cosine": 1.0,
        "shared": 1.0,
        "rewritten": 0.0,
        "of": None,
        "title": "FO rejects US claims",
        "source": "APP",
        "published": "2024-12-22T14:00:00+05:00",
        "url": "https://example.test/wire",
    }
    assert members["copy"]["of"] == "wire" and members["copy"]["title"] is None
    rows = runner.invoke(main, ["cluster", str(batch), "--format", "csv"]).stdout.splitlines()
    assert rows[0].endswith(",of,title,source,published,url")
    assert any(row.endswith(",wire,,Daily Post,2024-12-22T10:00:00Z,") for row in rows)


def test_cluster_stories_come_largest_first_then_earliest(runner, tmp_path):
    batch = _metadata_batch(tmp_path / "batch.jsonl")
    records = [
        json.loads(line)
        for line in runner.invoke(main, ["cluster", str(batch), "--format", "jsonl"]).stdout.splitlines()
    ]
    assert [r["canonical"] for r in records] == ["wire", "other"]  # the pair first, though "other" is older


def test_cluster_parquet_output_has_the_new_columns(runner, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    batch = _metadata_batch(tmp_path / "batch.jsonl")
    result = runner.invoke(main, ["cluster", str(batch), "--format", "parquet", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in pq.read_table(tmp_path / "out").to_pylist()}
    assert (rows["copy"]["of"], rows["wire"]["of"], rows["wire"]["title"]) == ("wire", None, "FO rejects US claims")


def test_cluster_warns_about_a_published_that_is_not_a_date_and_goes_on(runner, tmp_path):
    batch = tmp_path / "batch.jsonl"
    text = (SEEDS / "002_07622d912d257890.txt").read_text(encoding="utf-8")
    batch.write_text(json.dumps({"id": "a", "text": text, "published": "yesterday"}) + "\n", encoding="utf-8")
    result = runner.invoke(main, ["cluster", str(batch), "--format", "jsonl"])
    assert result.exit_code == 0
    assert result.stderr == (
        f"dedup: warning: {batch}:1: published 'yesterday' is not an ISO 8601 date "
        "(e.g. 2024-12-22 or 2024-12-22T09:30:00Z); the article is taken as undated\n"
    )


HOSTILE = "\x1b]0;owned\x07"


def test_terminal_control_characters_are_escaped_in_the_cluster_table(runner, tmp_path):
    batch = tmp_path / "batch.jsonl"
    text = (SEEDS / "002_07622d912d257890.txt").read_text(encoding="utf-8")
    record = {
        "id": "a",
        "text": f"{HOSTILE} {text}",
        "source": f"src{HOSTILE}",
        "published": f"2024{HOSTILE}",
    }
    batch.write_text(json.dumps(record) + "\n" + json.dumps(record | {"id": "b", "title": f"t\u202e{HOSTILE}"}) + "\n")
    for level in ("stories", "copies"):
        result = runner.invoke(main, ["cluster", "--level", level, str(batch)])
        assert result.exit_code == 0
        assert "\x1b" not in result.output and "\x07" not in result.output and "\u202e" not in result.output
        assert "src\\x1b]0;owned\\x07" in result.stdout
        assert "t\\u202e\\x1b]0;owned\\x07" in result.stdout
        assert "\\x1b]0;owned\\x07" in result.stderr  # the warning about the date names it escaped too
    # An id is one line of printable text: one holding ESC is refused, and named escaped.
    batch.write_text(json.dumps(record | {"id": f"id{HOSTILE}"}) + "\n")
    result = runner.invoke(main, ["cluster", str(batch)])
    assert result.exit_code == 2 and "\x1b" not in result.output
    assert "'id' holds \\x1b at character 2, a control character" in result.stderr


def test_terminal_control_characters_are_escaped_in_the_flag_table(runner, tmp_path):
    wire = (SEEDS / "000_dcd977f381deb860.txt").read_text(encoding="utf-8")
    wire_file = tmp_path / "wire.jsonl"
    wire_file.write_text(json.dumps({"id": "w", "text": wire, "title": f"w{HOSTILE}"}) + "\n", encoding="utf-8")
    batch = tmp_path / "batch.jsonl"
    record = {"id": "a", "text": wire.replace(".", f". {HOSTILE}", 3), "title": f"a{HOSTILE}"}
    batch.write_text(json.dumps(record) + "\n")
    result = runner.invoke(main, ["flag", "--wire", str(wire_file), str(batch)])
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert result.stdout.startswith("article") and "<- w#" in result.stdout


def test_the_table_in_examples_readme_is_what_the_seeds_give(runner):
    readme = (SEEDS.parent / "README.md").read_text(encoding="utf-8")
    result = runner.invoke(main, ["cluster", str(SEEDS)])
    assert result.exit_code == 0
    assert f"```\n{result.stdout}```" in readme


def test_cluster_says_which_articles_hold_nothing_to_compare(runner, tmp_path):
    batch = tmp_path / "batch.jsonl"
    records = [
        {"id": "byline", "text": "By John Smith, PA News"},
        {"id": "story", "text": (SEEDS / "000_dcd977f381deb860.txt").read_text(encoding="utf-8")},
        {"id": "advert", "text": "Advertisement"},
    ]
    batch.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = runner.invoke(main, ["cluster", str(batch), "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if "no content word to compare" in line]
    assert [line.split(": ")[2] for line in warned] == [f"{batch}:1", f"{batch}:3"]
    # ... and they are in the output all the same
    assert sorted(m["id"] for line in result.stdout.splitlines() for m in json.loads(line)["members"]) == [
        "advert",
        "byline",
        "story",
    ]


def test_an_input_given_twice_is_read_once_with_a_warning(runner, tmp_path):
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    again = tmp_path / "seeds" / ".." / "seeds"  # the same directory, spelled otherwise
    result = runner.invoke(main, ["cluster", str(folder), str(again), "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"dedup: warning: {again}: given more than once as an input (as {folder}); read once\n"
    alone = runner.invoke(main, ["cluster", str(folder), "--format", "jsonl"])
    assert result.stdout == alone.stdout
