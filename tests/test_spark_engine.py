"""The Spark engine gives the local engine's output byte for byte, and the same errors.

Runs on ``local[2]`` with one session for the module (Spark takes about ten seconds to start).
Skipped where pyspark (the ``spark`` extra) or Java is missing.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyspark")
pytest.importorskip("pyarrow")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("the Spark engine needs Java", allow_module_level=True)

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from click.testing import CliRunner  # noqa: E402

import dedup.text  # noqa: E402
from dedup import DedupConfig, DedupError, cluster  # noqa: E402
from dedup.cli import main  # noqa: E402
from dedup.engine.spark import cluster_spark, require_spark, spark_session  # noqa: E402
from dedup.io.readers import read_articles  # noqa: E402
from dedup.io.writers import write_jsonl  # noqa: E402
from dedup.report.records import cluster_records  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "examples" / "seeds"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate, sentence_sources  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    session = spark_session("local[2]")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """2,000 generated articles from the seed sentences alone (so families share sentences and the
    candidate graph has large components), some undated and some from a wire agency, so that
    every canonical rule is used; some with a title and a url, which the output echoes, and a few
    with a date that is not one (a warning)."""
    records = []
    for k, record in enumerate(generate(2000, 11, sentence_sources(None))):
        del record["family"]
        if k % 3 == 0:
            del record["published"]
        if k % 5 == 0:
            record["source"] = "Reuters"
        if k % 4 == 0:
            record["title"] = f"Headline {k}"
            record["url"] = f"https://news.test/{k}"
        if k % 400 == 1:
            record["published"] = "yesterday"
        records.append(record)
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def jsonl(result) -> str:
    stream = io.StringIO()
    write_jsonl(cluster_records(result), stream)
    return stream.getvalue()


def local_output(inputs: list[str]) -> str:
    return jsonl(cluster(list(read_articles(inputs)), config=DedupConfig(seed=1)))


def spark_output(inputs: list[str]) -> str:
    return jsonl(cluster_spark(inputs, config=DedupConfig(seed=1)))


def test_seeds_give_the_local_engines_json_lines_byte_for_byte(spark):
    expected = local_output([str(SEEDS)])
    assert spark_output([str(SEEDS)]) == expected
    assert '"relation": "rewrite"' in expected


def test_a_generated_corpus_gives_the_local_engines_json_lines_byte_for_byte(spark, corpus):
    expected = local_output([str(corpus)])
    groups = [json.loads(line) for line in expected.splitlines()]
    assert len(groups) < 1900  # copies were found, so the comparison covers scoring and grouping
    assert {group["rule"] for group in groups} >= {"only-member", "earliest-published", "wire-source", "longest"}
    assert spark_output([str(corpus)]) == expected
    assert '"of": ' in expected and '"title": "Headline 4"' in expected and '"url": "https://news.test/4"' in expected


def test_warnings_about_dates_are_the_local_engines(spark, corpus):
    local = cluster(list(read_articles([str(corpus)])), config=DedupConfig(seed=1)).warnings
    assert len(local) == 5 and all("published 'yesterday' is not an ISO 8601 date" in w for w in local)
    assert cluster_spark([str(corpus)], config=DedupConfig(seed=1)).warnings == local


def test_parquet_dataset_through_the_cli_equals_the_local_engine_on_json_lines(spark, corpus, tmp_path):
    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()][:600]
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    for part, start in enumerate(range(0, len(records), 250)):
        chunk = records[start : start + 250]
        columns = {name: [r.get(name) for r in chunk] for name in ("id", "text", "published", "source", "title", "url")}
        pq.write_table(pa.table(columns), dataset / f"part-{part:05d}.parquet")
    jsonl_input = tmp_path / "first600.jsonl"
    jsonl_input.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    runner = CliRunner()
    local = runner.invoke(main, ["cluster", str(jsonl_input), "--format", "jsonl"])
    remote = runner.invoke(main, ["cluster", str(dataset), "--engine", "spark", "--format", "jsonl"])
    assert local.exit_code == 0 and remote.exit_code == 0, remote.output
    assert remote.stdout == local.stdout
    out = tmp_path / "out"
    written = runner.invoke(main, ["cluster", str(dataset), "--engine", "spark", "--format", "parquet", "-o", str(out)])
    assert written.exit_code == 0
    rows = pq.read_table(out).to_pylist()
    assert sorted(row["id"] for row in rows) == sorted(r["id"] for r in records)


def bad_inputs(tmp_path: Path) -> dict[str, list[str]]:
    no_text = tmp_path / "no_text.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "body": ["one", "two"]}), no_text)
    malformed = tmp_path / "bad.jsonl"
    malformed.write_text('{"id": "a", "text": "Some text here."}\n{"id": "b", "text": \n', encoding="utf-8")
    empty_text = tmp_path / "empty_text.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "text": ["Some text here.", "  "]}), empty_text)
    duplicate = tmp_path / "dup.parquet"
    pq.write_table(pa.table({"id": ["x"], "text": ["A story about a dog."]}), duplicate)
    first = tmp_path / "first.jsonl"
    first.write_text('{"id": "x", "text": "A story about a cat."}\n', encoding="utf-8")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    return {
        "missing path": [str(tmp_path / "missing")],
        "empty file": [str(empty)],
        "parquet without text": [str(no_text)],
        "malformed json lines": [str(malformed)],
        "empty text in parquet": [str(empty_text)],
        "duplicate id across inputs": [str(first), str(duplicate)],
    }


def test_bad_input_gives_the_local_engines_one_line_error_and_status_2(spark, tmp_path):
    runner = CliRunner()
    for case, inputs in bad_inputs(tmp_path).items():
        local = runner.invoke(main, ["cluster", *inputs])
        remote = runner.invoke(main, ["cluster", *inputs, "--engine", "spark"])
        assert local.exit_code == 2, case
        assert remote.exit_code == 2, case
        assert remote.stderr == local.stderr, case
        assert remote.stderr.count("\n") == 1 and remote.stderr.startswith("dedup: error: "), case
        assert "Traceback" not in remote.output


def test_an_empty_input_beside_others_is_passed_over_as_by_the_local_engine(spark, tmp_path):
    inputs = bad_inputs(tmp_path)
    args = [*inputs["empty file"], str(SEEDS), "--format", "jsonl"]
    runner = CliRunner()
    local = runner.invoke(main, ["cluster", *args])
    remote = runner.invoke(main, ["cluster", *args, "--engine", "spark"])
    assert local.exit_code == 0 and remote.exit_code == 0
    assert remote.stdout == local.stdout and len(remote.stdout.splitlines()) == 4


def test_skip_bad_warns_and_clusters_the_rest_as_the_local_engine_does(spark, tmp_path):
    inputs = bad_inputs(tmp_path)
    args = [*inputs["empty text in parquet"], *inputs["duplicate id across inputs"], "--skip-bad", "--format", "jsonl"]
    runner = CliRunner()
    local = runner.invoke(main, ["cluster", *args])
    remote = runner.invoke(main, ["cluster", *args, "--engine", "spark"])
    assert local.exit_code == 0 and remote.exit_code == 0
    assert remote.stdout == local.stdout
    assert remote.stderr == local.stderr
    assert "empty 'text'" in remote.stderr and "duplicate id 'x'" in remote.stderr


def test_without_pyspark_the_engine_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(DedupError, match=r"pip install 'newsdedup\[spark\]'"):
        require_spark()


def test_dedup_imports_and_clusters_without_pyspark(tmp_path):
    script = (
        "import sys; sys.modules['pyspark'] = None\n"
        "from dedup.cli import main\n"
        "main(['cluster', sys.argv[1], '--format', 'jsonl'])\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(SEEDS)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 4
    spark = subprocess.run(
        [sys.executable, "-c", script.replace("'jsonl'", "'jsonl', '--engine', 'spark'"), str(SEEDS)],
        capture_output=True,
        text=True,
    )
    assert spark.returncode == 2
    assert spark.stderr == "dedup: error: the Spark engine needs pyspark: pip install 'newsdedup[spark]'\n"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # over the character limit
        (" ".join(f"Sentence {k} tells of cranes and tides in port {k % 97}." for k in range(9000)), "characters"),
        # under it, over the sentence limit
        (" ".join(f"Tide {k}." for k in range(dedup.text.MAX_SENTENCES + 10)), "sentences"),
    ],
)
def test_an_article_compared_only_in_part_is_said_as_by_the_local_engine(spark, tmp_path, text, said):
    batch = tmp_path / "long.jsonl"
    batch.write_text(json.dumps({"id": "long", "text": text}) + "\n", encoding="utf-8")
    runner = CliRunner()
    local = runner.invoke(main, ["cluster", str(batch), str(SEEDS), "--format", "jsonl"])
    remote = runner.invoke(main, ["cluster", str(batch), str(SEEDS), "--format", "jsonl", "--engine", "spark"])
    assert local.exit_code == 0 and remote.exit_code == 0
    assert f"{said}; only the first" in local.stderr and remote.stderr == local.stderr
    assert remote.stdout == local.stdout
