"""Reading articles in and writing results out: the boundary where user files meet `dedup`."""

from __future__ import annotations

from dedup.io.readers import read_articles
from dedup.io.writers import write_csv, write_jsonl

__all__ = ["read_articles", "write_csv", "write_jsonl"]
