"""Warnings that repeat per file are said once, with a count; --verbose says each."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import main
from dedup.cli.notices import WarningLog

NOTICE = "not UTF-8, read as cp1252"
STORY = "The council met on Tuesday and agreed the budget for the town\u2019s schools, after a long debate."


def test_per_file_notices_are_gathered_into_one_line_at_the_end():
    printed: list[str] = []
    log = WarningLog(printed.append)
    for name in ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt"]:
        log.warn(f"{name}: {NOTICE}")
    log.warn("x.jsonl:3: empty 'text'")
    assert printed == ["x.jsonl:3: empty 'text'"]  # other warnings print as they come
    log.flush()
    assert printed[1:] == [f"5 files {NOTICE}: a.txt, b.txt, c.txt and 2 more (--verbose lists every one)"]
    log.flush()
    assert len(printed) == 2  # said once


def test_one_or_a_few_files_are_named_in_full():
    printed: list[str] = []
    log = WarningLog(printed.append)
    log.warn(f"only.txt: {NOTICE}")
    log.flush()
    log.warn(f"a.txt: {NOTICE}")
    log.warn(f"b.txt: {NOTICE}")
    log.flush()
    assert printed == [f"only.txt: {NOTICE}", f"2 files {NOTICE}: a.txt, b.txt"]


def test_verbose_prints_every_notice_as_it_comes():
    printed: list[str] = []
    log = WarningLog(printed.append, verbose=True)
    for name in ["a.txt", "b.txt", "c.txt", "d.txt"]:
        log.warn(f"{name}: {NOTICE}")
    log.flush()
    assert printed == [f"{name}: {NOTICE}" for name in ["a.txt", "b.txt", "c.txt", "d.txt"]]


@pytest.fixture()
def cp1252_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "batch"
    folder.mkdir()
    for number in range(6):
        (folder / f"story{number}.txt").write_bytes(STORY.encode("cp1252") + f" Item {number}.".encode())
    return folder


def warning_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("dedup: warning:")]


def test_cluster_says_once_that_six_files_were_read_as_cp1252(cp1252_folder):
    result = CliRunner().invoke(main, ["cluster", str(cp1252_folder), "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 7
    first = ", ".join(str(cp1252_folder / f"story{number}.txt") for number in range(3))
    assert warning_lines(result.stderr) == [
        f"dedup: warning: 6 files {NOTICE}: {first} and 3 more (--verbose lists every one)"
    ]


def test_verbose_lists_every_file(cp1252_folder):
    result = CliRunner().invoke(main, ["cluster", str(cp1252_folder), "--format", "csv", "--verbose"])
    assert result.exit_code == 0, result.stderr
    assert warning_lines(result.stderr) == [
        f"dedup: warning: {cp1252_folder / f'story{number}.txt'}: {NOTICE}" for number in range(6)
    ]


def test_the_summary_comes_before_an_error_line(cp1252_folder):
    (cp1252_folder / "zz_empty.txt").write_text("  \n", encoding="utf-8")
    result = CliRunner().invoke(main, ["cluster", str(cp1252_folder)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"dedup: warning: 6 files {NOTICE}: ")
    assert lines[1] == f"dedup: error: {cp1252_folder / 'zz_empty.txt'}: empty file, no article text"
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["cluster", "flag", "diff", "pairs", "eval"])
def test_every_command_takes_verbose(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "--verbose" in result.stdout
