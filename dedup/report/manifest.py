"""The manifest of an output: which version of dedup, which command and which settings made it.

Every output written with ``-o`` gets one beside it (``FILE.manifest.json``, or
``DIR/_dedup_manifest.json`` for a Parquet dataset directory, a name Parquet readers skip), and
``--manifest PATH`` writes it anywhere, e.g. when the output goes to standard output. The output
files themselves keep their fields as they are, so a program reading them is not disturbed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence

from dedup.io.parquet import DATASET_MANIFEST

MANIFEST_SUFFIX = ".manifest.json"
"""Added to an output file's name to name its manifest."""


def manifest_record(
    command: str, *, version: str, config: Mapping, inputs: Sequence[str], output_format: str | None = None
) -> dict:
    """The manifest of one run: ``dedup`` (the version), ``command``, ``format``, ``inputs`` (as
    given on the command line) and ``config`` (every parameter, `DedupConfig.as_dict`).

    It holds no time and no host, so the same command on the same input writes the same manifest.
    """
    return {
        "dedup": version,
        "command": command,
        "format": output_format,
        "inputs": list(inputs),
        "config": dict(config),
    }


def manifest_lines(record: Mapping) -> Iterator[str]:
    """The manifest as indented JSON text (one chunk, without its final newline), for a person to
    read as well as a program."""
    yield json.dumps(record, ensure_ascii=False, indent=2)


def manifest_path_for(output_path: str) -> str | None:
    """Where the manifest of `output_path` goes: inside it when it is a directory (a Parquet dataset),
    beside it with `MANIFEST_SUFFIX` added when it is a file, and nowhere when it is a device or a
    pipe (``-o /dev/null``), which has no folder of its own to hold a manifest."""
    if os.path.isdir(output_path):
        return os.path.join(output_path, DATASET_MANIFEST)
    if os.path.exists(output_path) and not os.path.isfile(output_path):
        return None
    return output_path + MANIFEST_SUFFIX
