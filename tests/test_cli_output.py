"""Where every command writes: `-o` never one of the inputs, an output file there in full or not at
all, and a closed standard input or output a one-line error."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import main
from dedup.errors import DedupError
from dedup.io.writers import open_output, refuse_input_as_output

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "examples" / "seeds"
WIRE = SEEDS / "000_dcd977f381deb860.txt"
REWRITE = SEEDS / "001_9f484aa0f34f7918.txt"
PAIRS = [
    {"id": "p1", "text1": "The council approved the budget on Monday.", "text2": "The council approved the budget."},
    {"id": "p2", "text1": "Rain is expected tomorrow.", "text2": "Tomorrow will bring rain."},
    {"id": "p3", "text1": "Shares fell by 3%.", "text2": "The bridge reopened."},
]


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def one_line_error(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dedup: error: "), result.stderr
    return lines[0]


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.endswith(".partial"))


def pairs_file(path: Path) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in PAIRS), encoding="utf-8")
    return path


# --- an output that is one of the inputs ---------------------------------------------------------


def test_pairs_refuses_to_write_over_its_own_input(runner, tmp_path):
    source = pairs_file(tmp_path / "pairs.jsonl")
    before = source.read_bytes()

    message = one_line_error(runner.invoke(main, ["pairs", str(source), "-o", str(source)]))

    assert message == f"dedup: error: {source}: the output is one of the inputs; give -o another path"
    assert source.read_bytes() == before


@pytest.mark.parametrize("command", ["cluster", "flag", "diff"])
def test_every_article_command_refuses_an_output_that_is_an_input_even_through_a_link(runner, tmp_path, command):
    wire, rewrite = tmp_path / "wire.txt", tmp_path / "rewrite.txt"
    shutil.copy(WIRE, wire)
    shutil.copy(REWRITE, rewrite)
    link = tmp_path / "link.txt"
    link.symlink_to(rewrite)
    arguments = {
        "cluster": ["cluster", str(wire), str(rewrite)],
        "flag": ["flag", "--wire", str(wire), str(rewrite)],
        "diff": ["diff", str(wire), str(rewrite)],
    }[command]

    message = one_line_error(runner.invoke(main, [*arguments, "-o", str(link)]))

    assert message == f"dedup: error: {link}: the output is one of the inputs ({rewrite}); give -o another path"
    assert rewrite.read_bytes() == REWRITE.read_bytes() and link.is_symlink()


def test_an_output_that_is_an_article_of_an_input_directory_is_refused(runner, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    article = corpus / WIRE.name

    message = one_line_error(runner.invoke(main, ["cluster", str(corpus), "-o", str(article)]))

    assert message == (
        f"dedup: error: {article}: the output is a file read from the input directory {corpus}; give -o another path"
    )
    assert article.read_bytes() == WIRE.read_bytes()
    beside = runner.invoke(main, ["cluster", str(corpus), "-o", str(corpus / "report.csv"), "--format", "csv"])
    assert beside.exit_code == 0, beside.stderr  # a file the walk does not read may go there


@pytest.mark.parametrize(
    ("relative", "refused"),
    [
        ("_drafts/a.txt", True),
        ("sub/b.MD", True),
        (".hidden/c.txt", False),
        ("d.csv", False),
        ("_part/e.parquet", False),
    ],
)
def test_a_file_under_an_input_directory_is_an_input_when_its_walk_reads_it(tmp_path, relative, refused):
    corpus = tmp_path / "corpus"
    (corpus / relative).parent.mkdir(parents=True)
    (corpus / relative).write_text("An article.", encoding="utf-8")

    if refused:
        with pytest.raises(DedupError, match="the output is a file read from the input directory"):
            refuse_input_as_output(str(corpus / relative), [str(corpus)])
    else:
        refuse_input_as_output(str(corpus / relative), [str(corpus)])


def test_diff_with_a_batch_refuses_to_write_over_the_batch(runner, tmp_path):
    batch = tmp_path / "batch.jsonl"
    records = [{"id": path.stem, "text": path.read_text(encoding="utf-8")} for path in (WIRE, REWRITE)]
    batch.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")

    arguments = ["diff", "--batch", str(batch), WIRE.stem, REWRITE.stem, "-o", str(batch)]
    message = one_line_error(runner.invoke(main, arguments))

    assert "the output is one of the inputs" in message


def test_cluster_refuses_a_parquet_output_directory_that_is_its_input(runner, tmp_path):
    pytest.importorskip("pyarrow")
    dataset = tmp_path / "dataset"
    written = runner.invoke(main, ["cluster", str(SEEDS), "--format", "parquet", "-o", str(dataset)])
    assert written.exit_code == 0, written.stderr
    before = sorted((path.name, path.read_bytes()) for path in dataset.iterdir())

    arguments = ["cluster", str(dataset), "--format", "parquet", "-o", str(dataset) + "/"]
    message = one_line_error(runner.invoke(main, arguments))

    assert "the output is one of the inputs" in message
    assert sorted((path.name, path.read_bytes()) for path in dataset.iterdir()) == before


# --- output files appear only when complete ------------------------------------------------------


def test_pairs_failing_part_way_leaves_no_output_and_an_earlier_output_as_it_was(runner, tmp_path, monkeypatch):
    source = pairs_file(tmp_path / "pairs.jsonl")
    target = tmp_path / "scores.jsonl"
    target.write_text("an earlier run's output\n", encoding="utf-8")
    import dedup.cli.pairs as pairs_command

    real_score = pairs_command.score_sentence_pairs
    chunks_scored = []

    def fail_on_the_third_chunk(pairs, **options):
        chunks_scored.append(len(pairs))
        if len(chunks_scored) == 3:
            raise DedupError("scoring failed part-way")
        return real_score(pairs, **options)

    monkeypatch.setattr(pairs_command, "score_sentence_pairs", fail_on_the_third_chunk)

    result = runner.invoke(main, ["pairs", str(source), "-o", str(target), "--chunk-size", "1"])

    assert one_line_error(result) == "dedup: error: scoring failed part-way"
    assert chunks_scored == [1, 1, 1]  # two rows were written before the failure
    assert target.read_text(encoding="utf-8") == "an earlier run's output\n"
    assert leftovers(tmp_path) == []


def test_an_output_file_is_renamed_into_place_when_complete_keeping_its_permissions(tmp_path):
    target = tmp_path / "report.txt"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)

    with open_output(str(target)) as stream:
        stream.write("new\n")
        assert target.read_text(encoding="utf-8") == "old\n"  # not there until complete
        assert len(leftovers(tmp_path)) == 1

    assert target.read_text(encoding="utf-8") == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("interruption", [RuntimeError("crash"), KeyboardInterrupt()])
def test_an_output_file_interrupted_part_way_is_not_written(tmp_path, interruption):
    target = tmp_path / "report.txt"

    with pytest.raises(type(interruption)):
        with open_output(str(target)) as stream:
            stream.write("half a report\n")
            raise interruption

    assert not target.exists()
    assert leftovers(tmp_path) == []


def test_an_output_through_a_symbolic_link_replaces_the_file_it_points_to(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(real)

    with open_output(str(link)) as stream:
        stream.write("new\n")

    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new\n"


def test_an_output_that_is_a_pipe_is_written_directly(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()

    with open_output(str(fifo)) as stream:
        stream.write("through the pipe\n")
    reader.join(timeout=30)

    assert received == ["through the pipe\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode) and leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("path", "reason"),
    [("a_directory", "is a directory, expected a file to write"), ("no/such/out.txt", "cannot write: No such file")],
)
def test_an_output_that_cannot_be_a_file_is_a_one_line_error(runner, tmp_path, path, reason):
    (tmp_path / "a_directory").mkdir()
    message = one_line_error(runner.invoke(main, ["cluster", str(SEEDS), "-o", str(tmp_path / path)]))
    assert message.startswith(f"dedup: error: {tmp_path / path}: {reason}")


# --- closed standard input and output (a real process: CliRunner always gives both) --------------


def run_with_closed(descriptor: int, *arguments: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-c", "from dedup.cli import main; main()", *arguments],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if descriptor != 1 else None,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        preexec_fn=lambda: os.close(descriptor),
        timeout=120,
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["cluster", "-"], "dedup: error: <stdin>: standard input is closed; give a file or pipe JSON Lines in"),
        (["pairs", "-"], "dedup: error: <stdin>: standard input is closed; give a file or pipe JSON Lines in"),
    ],
)
def test_a_closed_standard_input_is_a_one_line_error(arguments, message):
    result = run_with_closed(0, *arguments)
    assert (result.returncode, result.stderr) == (2, message + "\n")


def test_a_closed_standard_output_is_a_one_line_error(tmp_path):
    result = run_with_closed(1, "cluster", str(SEEDS))
    assert (result.returncode, result.stderr) == (
        2,
        "dedup: error: standard output is closed; give -o FILE to write the result\n",
    )
    written = run_with_closed(1, "cluster", str(SEEDS), "-o", str(tmp_path / "out.txt"))
    assert written.returncode == 0, written.stderr
    assert "5 articles" in (tmp_path / "out.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("arguments", [["cluster", str(SEEDS), "--level", "copies"], ["pairs", "PAIRS"]])
def test_a_closed_standard_error_leaves_the_result_as_it_was(tmp_path, arguments):
    source = str(pairs_file(tmp_path / "pairs.jsonl"))
    arguments = [source if argument == "PAIRS" else argument for argument in arguments]
    result = run_with_closed(2, *arguments)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.strip()
