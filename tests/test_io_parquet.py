"""Tests for `dedup.io.parquet`: Parquet files and datasets in, cluster rows out, and what goes wrong."""

from __future__ import annotations

import datetime
import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from dedup.errors import DedupError
from dedup.io import read_articles
from dedup.io.parquet import PART_FILE, article_from_row, check_parquet_columns, parquet_part_files, write_parquet
from dedup.model import Article
from dedup.report.records import CLUSTER_CSV_FIELDS

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def read(*inputs: Path | str, **options) -> list[Article]:
    return list(read_articles([str(name) for name in inputs], **options))


def parquet(path: Path, columns: dict, **options) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path, **options)
    return path


# --- reading ----------------------------------------------------------------------------------


def test_single_file_with_optional_columns_and_origins(tmp_path):
    path = parquet(
        tmp_path / "articles.parquet",
        {
            "id": ["w1", "w2"],
            "text": ["Wire copy.", "Second story."],
            "title": [" Title ", ""],
            "source": ["AP", None],
            "url": ["https://example.org/w1", None],
            "section": ["world", "sport"],  # not an article field: ignored
        },
    )

    first, second = read(path)

    assert first == Article(
        id="w1",
        text="Wire copy.",
        title="Title",
        source="AP",
        url="https://example.org/w1",
        origin=f"{path}:row 1",
    )
    assert second == Article(id="w2", text="Second story.", origin=f"{path}:row 2")


def test_only_id_and_text_are_needed_and_numeric_ids_become_text(tmp_path):
    path = parquet(tmp_path / "numbers.parquet", {"id": [17, 3], "text": ["One.", "Two."]})
    decimals = parquet(
        tmp_path / "decimals.parquet", {"id": pa.array([Decimal("42")], pa.decimal128(5, 0)), "text": ["Three."]}
    )

    articles = read(path, decimals)

    assert [a.id for a in articles] == ["17", "3", "42"]
    assert [a.title for a in articles] == [None, None, None]


def test_timestamp_and_date_published_become_iso_text(tmp_path):
    moment = datetime.datetime(2024, 5, 1, 10, 30, tzinfo=datetime.timezone.utc)
    stamped = parquet(
        tmp_path / "stamped.parquet",
        {
            "id": ["a", "b"],
            "text": ["One.", "Two."],
            "published": pa.array([moment, None], pa.timestamp("us", tz="UTC")),
        },
    )
    naive = parquet(
        tmp_path / "naive.parquet",
        {
            "id": ["c"],
            "text": ["Three."],
            "published": pa.array([datetime.datetime(2024, 5, 2, 8, 0)], pa.timestamp("ns")),
        },
    )
    dated = parquet(
        tmp_path / "dated.parquet",
        {"id": ["d"], "text": ["Four."], "published": pa.array([datetime.date(2024, 5, 3)], pa.date32())},
    )

    articles = read(stamped, naive, dated)

    assert [a.published for a in articles] == ["2024-05-01T10:30:00+00:00", None, "2024-05-02T08:00:00", "2024-05-03"]


def test_dataset_directory_reads_parts_in_order_and_ignores_spark_furniture(tmp_path):
    dataset = tmp_path / "out.parquet"  # Spark names dataset directories like files
    parquet(dataset / "part-00000-3f2a-c000.snappy.parquet", {"id": ["a1", "a2"], "text": ["A one.", "A two."]})
    parquet(dataset / "part-00001-3f2a-c000.snappy.parquet", {"id": ["b1"], "text": ["B one."]})
    parquet(dataset / "part-00002-3f2a-c000.snappy.parquet", {"id": ["c1", "c2"], "text": ["C one.", "C two."]})
    (dataset / "_SUCCESS").write_text("")
    (dataset / ".part-00000-3f2a-c000.snappy.parquet.crc").write_bytes(b"\x00crc")
    parquet(dataset / "_temporary" / "0" / "part-00009.parquet", {"id": ["unfinished"], "text": ["Half written."]})
    parquet(dataset / ".hidden.parquet", {"id": ["hidden"], "text": ["Not part of it."]})

    articles = read(dataset)

    assert [a.id for a in articles] == ["a1", "a2", "b1", "c1", "c2"]
    assert articles[2].origin == f"{dataset / 'part-00001-3f2a-c000.snappy.parquet'}:row 1"
    assert articles[4].origin == f"{dataset / 'part-00002-3f2a-c000.snappy.parquet'}:row 2"


def test_unpadded_part_numbers_are_read_in_numeric_order(tmp_path):
    for number in (10, 2, 1, 0):  # as pyarrow's write_dataset names them: part-0, part-1, ...
        parquet(tmp_path / "ds" / f"part-{number}.parquet", {"id": [f"p{number}"], "text": [f"Part {number}."]})

    assert [a.id for a in read(tmp_path / "ds")] == ["p0", "p1", "p2", "p10"]
    assert [Path(p).name for p in parquet_part_files(str(tmp_path / "ds"))] == [
        "part-0.parquet",
        "part-1.parquet",
        "part-2.parquet",
        "part-10.parquet",
    ]


def test_rows_stream_across_row_groups_in_file_order(tmp_path):
    count = 2500
    path = parquet(
        tmp_path / "many.parquet",
        {"id": [f"n{i}" for i in range(count)], "text": [f"Story number {i}." for i in range(count)]},
        row_group_size=700,
    )

    articles = read_articles([str(path)])
    first = next(articles)
    rest = list(articles)

    assert first.id == "n0"
    assert [a.id for a in rest] == [f"n{i}" for i in range(1, count)]
    assert rest[-1].origin == f"{path}:row {count}"


def test_parquet_mixes_with_other_inputs_and_ids_stay_unique(tmp_path):
    path = parquet(tmp_path / "a.parquet", {"id": ["x"], "text": ["From Parquet."]})
    lines = tmp_path / "b.jsonl"
    lines.write_text('{"id": "x", "text": "From JSON Lines."}\n', encoding="utf-8")

    with pytest.raises(DedupError, match=re.escape(f"{lines}:1: duplicate id 'x' (first seen at {path}:row 1)")):
        read(path, lines)


# --- problems ---------------------------------------------------------------------------------


def test_missing_text_column_names_file_and_columns(tmp_path):
    path = parquet(tmp_path / "body.parquet", {"id": ["a"], "body": ["Text under the wrong name."]})

    with pytest.raises(DedupError) as caught:
        read(path)

    assert str(caught.value) == f"{path}: no 'text' column (columns: id, body)"


def test_missing_id_column_in_one_part_names_that_part(tmp_path):
    parquet(tmp_path / "ds" / "part-00000.parquet", {"id": ["a"], "text": ["Fine."]})
    bad = parquet(tmp_path / "ds" / "part-00001.parquet", {"key": ["b"], "text": ["No id column."]})

    with pytest.raises(DedupError) as caught:
        read(tmp_path / "ds")

    assert str(caught.value) == f"{bad}: no 'id' column (columns: key, text)"


def test_empty_text_is_an_error_or_with_skip_bad_a_warning(tmp_path):
    path = parquet(tmp_path / "a.parquet", {"id": ["a", "b", "c", "d"], "text": ["One.", "   ", None, "Four."]})

    with pytest.raises(DedupError, match=re.escape(f"{path}:row 2: empty 'text'")):
        read(path)

    warnings: list[str] = []
    articles = read(path, skip_bad=True, warn=warnings.append)

    assert [a.id for a in articles] == ["a", "d"]
    assert warnings == [f"{path}:row 2: empty 'text'", f"{path}:row 3: record has no 'text'"]


def test_not_a_parquet_file_is_one_line_error_and_skippable(tmp_path):
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"id,text\na,not parquet at all\n")
    good = parquet(tmp_path / "good.parquet", {"id": ["a"] * 10, "text": ["Body."] * 10})
    truncated = tmp_path / "truncated.parquet"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    good = parquet(good, {"id": ["g"], "text": ["Good one."]})

    for broken in (garbage, truncated):
        with pytest.raises(DedupError) as caught:
            read(broken)
        message = str(caught.value)
        assert message.startswith(f"{broken}: not a Parquet file (")
        assert "\n" not in message

    warnings: list[str] = []
    assert [a.id for a in read(garbage, good, skip_bad=True, warn=warnings.append)] == ["g"]
    assert len(warnings) == 1 and warnings[0].startswith(f"{garbage}: not a Parquet file (")


def test_damaged_data_pages_are_one_line_error_not_a_traceback(tmp_path):
    path = parquet(
        tmp_path / "damaged.parquet",
        {"id": [f"n{i}" for i in range(3000)], "text": [f"Story {i} " * 20 for i in range(3000)]},
        row_group_size=1000,
        compression="snappy",
    )
    content = bytearray(path.read_bytes())
    middle = len(content) // 2
    for offset in range(middle, middle + 2000):
        content[offset] ^= 0x5A
    path.write_bytes(bytes(content))

    with pytest.raises(DedupError) as caught:
        read(path)

    assert str(caught.value).startswith(f"{path}: cannot read Parquet data")
    assert "\n" not in str(caught.value)


def test_missing_path_and_empty_dataset(tmp_path):
    missing = tmp_path / "nowhere.parquet"

    with pytest.raises(DedupError, match=re.escape(f"{missing}: no such file or directory")):
        read(missing)
    with pytest.raises(DedupError, match=re.escape(f"{missing}: no such file or directory")):
        parquet_part_files(str(missing))

    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "_SUCCESS").write_text("")
    with pytest.raises(DedupError, match=re.escape(f"{tmp_path / 'empty'}: no .parquet files in directory")):
        parquet_part_files(str(tmp_path / "empty"))


def test_directory_with_both_parquet_and_text_articles_is_an_error(tmp_path):
    mixed = tmp_path / "mixed"
    part = parquet(mixed / "part-00000.parquet", {"id": ["a"], "text": ["Row."]})
    (mixed / "notes").mkdir()
    (mixed / "notes" / "story.txt").write_text("A text article.", encoding="utf-8")
    article = mixed / "notes" / "story.txt"
    expected = f"{mixed}: holds both Parquet files and .txt/.md articles (e.g. {part} and {article})"

    with pytest.raises(DedupError) as caught:
        read(mixed)
    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)

    with pytest.raises(DedupError, match=re.escape(expected)):
        parquet_part_files(str(mixed))

    other = parquet(tmp_path / "other.parquet", {"id": ["b"], "text": ["Elsewhere."]})
    warnings: list[str] = []
    assert [a.id for a in read(mixed, other, skip_bad=True, warn=warnings.append)] == ["b"]
    assert [w[: len(expected)] for w in warnings] == [expected]


def test_directory_of_text_articles_is_still_read_as_articles(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text("Plain article.", encoding="utf-8")
    (tmp_path / "corpus" / "data.parquet.crc").write_bytes(b"not a part file")

    assert [a.id for a in read(tmp_path / "corpus")] == ["a"]


def test_without_pyarrow_parquet_input_and_output_say_how_to_install(tmp_path, monkeypatch):
    path = parquet(tmp_path / "a.parquet", {"id": ["a"], "text": ["One."]})
    parquet(tmp_path / "ds" / "part-00000.parquet", {"id": ["b"], "text": ["Two."]})
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)

    for given in (path, tmp_path / "ds"):
        with pytest.raises(DedupError) as caught:
            read(given, skip_bad=True)  # not a bad record: skipping cannot help
        assert str(caught.value) == f"{given}: reading Parquet needs pyarrow: pip install 'newsdedup[spark]'"

    with pytest.raises(DedupError) as caught:
        write_parquet([], str(tmp_path / "out"), ["id"])
    assert str(caught.value) == f"{tmp_path / 'out'}: writing Parquet needs pyarrow: pip install 'newsdedup[spark]'"
    assert not (tmp_path / "out").exists()


# --- helpers for the Spark engine --------------------------------------------------------------


def test_check_parquet_columns_checks_every_part(tmp_path):
    parquet(tmp_path / "ds" / "part-00000.parquet", {"id": ["a"], "text": ["One."], "title": ["T"]})
    second = parquet(tmp_path / "ds" / "part-00001.parquet", {"id": ["b"], "text": ["Two."]})

    check_parquet_columns(str(tmp_path / "ds"), ["id", "text"])
    with pytest.raises(DedupError) as caught:
        check_parquet_columns(str(tmp_path / "ds"), ["id", "title"])
    assert str(caught.value) == f"{second}: no 'title' column (columns: id, text)"


def test_article_from_row_converts_and_validates_like_the_reader():
    moment = datetime.datetime(2024, 5, 1, 10, 30)

    article = article_from_row({"id": 7, "text": "Body.", "published": moment, "source": " AP "}, "p.parquet:row 3")

    assert article == Article(
        id="7", text="Body.", source="AP", published="2024-05-01T10:30:00", origin="p.parquet:row 3"
    )
    with pytest.raises(DedupError, match=re.escape("p.parquet:row 4: empty 'id'")):
        article_from_row({"id": " ", "text": "Body."}, "p.parquet:row 4")
    with pytest.raises(DedupError, match=re.escape("p.parquet:row 5: 'text' must be a string")):
        article_from_row({"id": "x", "text": 5}, "p.parquet:row 5")


# --- writing ----------------------------------------------------------------------------------

CLUSTER_ROWS = [
    {
        "story": 1,
        "group": 1,
        "canonical": "w1",
        "rule": "earliest",
        "id": "w1",
        "relation": "canonical",
        "cosine": 1.0,
        "shared": 1.0,
        "rewritten": 0.0,
        "of": None,
        "title": "Rates up",
        "source": "AP",
        "published": "2024-01-01T10:00:00+05:00",
        "url": "https://news.test/w1",
    },
    {
        "story": 1,
        "group": 1,
        "canonical": "w1",
        "rule": "earliest",
        "id": "r2",
        "relation": "rewrite",
        "cosine": 0.7312,
        "shared": 0.25,
        "rewritten": 0.5,
        "of": "w1",
        "title": None,
        "source": None,
        "published": None,
        "url": None,
    },
    {
        "story": 2,
        "group": 3,
        "canonical": "solo",
        "rule": "only",
        "id": "solo",
        "relation": None,
        "cosine": 1,
        "shared": 1,
        "rewritten": 0,
        "of": None,
        "title": None,
        "source": None,
        "published": None,
        "url": None,
    },
]


def test_write_parquet_round_trips_cluster_rows_with_typed_columns(tmp_path):
    out = tmp_path / "result" / "clusters"

    write_parquet(iter(CLUSTER_ROWS), str(out), CLUSTER_CSV_FIELDS)

    assert sorted(p.name for p in out.iterdir()) == [PART_FILE]
    table = pq.read_table(out / PART_FILE)
    assert table.schema.names == list(CLUSTER_CSV_FIELDS)
    assert table.schema.field("story").type == pa.int64()
    assert table.schema.field("cosine").type == pa.float64()
    assert table.schema.field("canonical").type == pa.string()
    assert table.to_pylist() == [
        {**row, "cosine": float(row["cosine"]), "shared": float(row["shared"]), "rewritten": float(row["rewritten"])}
        for row in CLUSTER_ROWS
    ]
    assert parquet_part_files(str(out)) == [str(out / PART_FILE)]


def test_write_parquet_streams_many_rows_and_replaces_its_own_output(tmp_path):
    out = tmp_path / "out"
    write_parquet(CLUSTER_ROWS, str(out), CLUSTER_CSV_FIELDS)
    many = ({"story": i, "id": f"a{i}", "extra": "dropped"} for i in range(5000))

    write_parquet(many, str(out), ["story", "id"])

    table = pq.read_table(out / PART_FILE)
    assert table.num_rows == 5000
    assert table.column("id").to_pylist()[-1] == "a4999"
    assert table.schema.names == ["story", "id"]
    assert sorted(p.name for p in out.iterdir()) == [PART_FILE]


def test_write_parquet_writes_articles_that_read_back(tmp_path):
    rows = [{"id": "a", "text": "First body.", "published": "2024-05-01"}, {"id": "b", "text": "Second body."}]

    write_parquet(rows, str(tmp_path / "articles"), ["id", "text", "published"])

    part = tmp_path / "articles" / PART_FILE
    assert read(tmp_path / "articles") == [
        Article(id="a", text="First body.", published="2024-05-01", origin=f"{part}:row 1"),
        Article(id="b", text="Second body.", origin=f"{part}:row 2"),
    ]


def test_write_parquet_refuses_a_directory_it_did_not_write(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.csv").write_text("precious", encoding="utf-8")

    with pytest.raises(
        DedupError,
        match=re.escape(f"{out}: directory is not empty and holds files dedup did not write (e.g. report.csv)"),
    ):
        write_parquet(CLUSTER_ROWS, str(out), CLUSTER_CSV_FIELDS)
    assert sorted(p.name for p in out.iterdir()) == ["report.csv"]

    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(DedupError, match=re.escape(f"{a_file}: exists and is not a directory")):
        write_parquet(CLUSTER_ROWS, str(a_file), CLUSTER_CSV_FIELDS)


def test_write_parquet_bad_value_keeps_the_earlier_output(tmp_path):
    out = tmp_path / "out"
    write_parquet(CLUSTER_ROWS, str(out), CLUSTER_CSV_FIELDS)
    bad = [*CLUSTER_ROWS, {"story": 1.5, "id": "x"}]

    with pytest.raises(DedupError, match=re.escape(f"{out}: row 4: column 'story' is int64, got 1.5")):
        write_parquet(bad, str(out), CLUSTER_CSV_FIELDS)

    assert sorted(p.name for p in out.iterdir()) == [PART_FILE]
    assert pq.read_table(out / PART_FILE).num_rows == len(CLUSTER_ROWS)


def test_write_parquet_types_given_by_caller(tmp_path):
    rows = [{"id": "a", "score": 2, "tags": ["x", "y"]}]

    write_parquet(rows, str(tmp_path / "out"), ["id", "score", "tags"], types={"score": "float64"})

    table = pq.read_table(tmp_path / "out" / PART_FILE)
    assert table.schema.field("score").type == pa.float64()
    assert table.to_pylist() == [{"id": "a", "score": 2.0, "tags": "x;y"}]
    with pytest.raises(DedupError, match="unknown type 'decimal' for column 'score'"):
        write_parquet(rows, str(tmp_path / "other"), ["id", "score"], types={"score": "decimal"})
