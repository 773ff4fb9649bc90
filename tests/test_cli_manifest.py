"""Every output can say what made it: the manifest (dedup version, command, inputs, every setting)
written beside an `-o` output or to `--manifest PATH`, with the output's own fields unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup import DedupConfig, __version__
from dedup.cli import main
from dedup.report.manifest import DATASET_MANIFEST, MANIFEST_SUFFIX

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "examples" / "seeds"
WIRE = SEEDS / "000_dcd977f381deb860.txt"
REWRITE = SEEDS / "001_9f484aa0f34f7918.txt"


def _as_json(config: DedupConfig) -> dict:
    """The config as a manifest holds it (JSON: tuples become lists)."""
    return json.loads(json.dumps(config.as_dict()))


def _run(args: list[str]):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result


def test_cluster_output_gets_a_manifest_beside_it_with_version_and_the_whole_config(tmp_path):
    out = tmp_path / "groups.jsonl"
    _run(["cluster", str(SEEDS), "--format", "jsonl", "--seed", "7", "-o", str(out)])
    manifest = json.loads((tmp_path / ("groups.jsonl" + MANIFEST_SUFFIX)).read_text(encoding="utf-8"))
    assert manifest["dedup"] == __version__
    assert manifest["command"].endswith(" cluster")
    assert manifest["format"] == "jsonl"
    assert manifest["inputs"] == [str(SEEDS)]
    assert manifest["config"] == _as_json(DedupConfig(seed=7))
    # The output itself is unchanged: one group record per line, no manifest line in it.
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert all("members" in record for record in records)


def test_the_same_run_writes_the_same_manifest(tmp_path):
    texts = []
    for name in ("a.csv", "b.csv"):
        _run(["cluster", str(SEEDS), "--format", "csv", "-o", str(tmp_path / name)])
        texts.append((tmp_path / (name + MANIFEST_SUFFIX)).read_text(encoding="utf-8").replace(name, "X"))
    assert texts[0] == texts[1]


def test_manifest_option_records_a_run_written_to_standard_output(tmp_path):
    target = tmp_path / "run.json"
    result = _run(["flag", str(SEEDS), "--format", "jsonl", "--seed", "3", "--manifest", str(target)])
    assert result.stdout.strip()  # the flags still go to standard output
    manifest = json.loads(target.read_text(encoding="utf-8"))
    assert manifest["config"] == _as_json(DedupConfig(seed=3))
    assert manifest["config"]["flag"] == _as_json(DedupConfig())["flag"]


def test_standard_output_without_manifest_option_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _run(["cluster", str(SEEDS)])
    assert list(tmp_path.iterdir()) == []


def test_diff_and_pairs_outputs_get_manifests(tmp_path):
    _run(["diff", str(WIRE), str(REWRITE), "--format", "json", "-o", str(tmp_path / "d.json")])
    assert json.loads((tmp_path / ("d.json" + MANIFEST_SUFFIX)).read_text(encoding="utf-8"))["format"] == "json"
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"text1": "Rain is expected.", "text2": "Rain is expected today."}) + "\n")
    _run(["pairs", str(pairs), "-o", str(tmp_path / "scored.jsonl")])
    manifest = json.loads((tmp_path / ("scored.jsonl" + MANIFEST_SUFFIX)).read_text(encoding="utf-8"))
    assert manifest["config"] == _as_json(DedupConfig())


def test_parquet_dataset_holds_its_manifest_under_a_name_readers_skip(tmp_path):
    pytest.importorskip("pyarrow")
    out = tmp_path / "dataset"
    _run(["cluster", str(SEEDS), "--format", "parquet", "-o", str(out)])
    manifest = json.loads((out / DATASET_MANIFEST).read_text(encoding="utf-8"))
    assert manifest["format"] == "parquet"
    import pyarrow.dataset as ds

    assert ds.dataset(str(out), format="parquet").to_table().num_rows == 5


def test_a_parquet_dataset_can_be_written_again_over_its_own_files(tmp_path):
    pytest.importorskip("pyarrow")
    out = tmp_path / "dataset"
    _run(["cluster", str(SEEDS), "--format", "parquet", "-o", str(out)])
    _run(["cluster", str(SEEDS), "--format", "parquet", "-o", str(out)])  # part file and manifest replaced
    assert sorted(path.name for path in out.iterdir()) == [DATASET_MANIFEST, "part-00000.parquet"]
    (out / "notes.txt").write_text("mine")
    refused = CliRunner().invoke(main, ["cluster", str(SEEDS), "--format", "parquet", "-o", str(out)])
    assert refused.exit_code == 2 and "notes.txt" in refused.stderr


def test_a_manifest_path_that_is_an_input_is_refused(tmp_path):
    data = tmp_path / "batch.jsonl"
    data.write_text(json.dumps({"id": "a", "text": "One short article about rain."}) + "\n")
    result = CliRunner().invoke(main, ["cluster", str(data), "--manifest", str(data)])
    assert result.exit_code == 2
    assert "one of the inputs" in result.stderr
    assert data.read_text().startswith("{")


def test_an_output_to_a_device_gets_no_manifest_beside_it(tmp_path):
    """`-o /dev/null` writes no /dev/null.manifest.json; --manifest still writes one where asked."""
    _run(["cluster", str(SEEDS), "-o", "/dev/null"])
    assert not Path("/dev/null" + MANIFEST_SUFFIX).exists()
    _run(["cluster", str(SEEDS), "-o", "/dev/null", "--manifest", str(tmp_path / "m.json")])
    assert (tmp_path / "m.json").is_file()


def test_a_manifest_that_cannot_be_written_is_refused_before_the_output_is(tmp_path):
    out = tmp_path / "out.jsonl"
    missing = tmp_path / "no" / "such" / "m.json"
    result = CliRunner().invoke(main, ["cluster", str(SEEDS), "-o", str(out), "--manifest", str(missing)])
    assert result.exit_code == 2 and "no such directory to write the manifest in" in result.stderr
    assert not out.exists()  # a failed run leaves no output
