"""``python -m dedup``: the `dedup` command, for an environment whose scripts are not on PATH."""

from __future__ import annotations

from dedup.cli import main

main(prog_name="dedup")
