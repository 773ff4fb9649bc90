"""``python -m dedup.cli``: the `dedup` command, as ``python -m dedup`` runs it."""

from __future__ import annotations

from dedup.cli import main

main(prog_name="dedup")
