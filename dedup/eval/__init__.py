"""Loaders for the public evaluation sets and the metrics used to score `dedup` against them.

The sets themselves are research-use copies kept outside the project (``../shared/data``);
`data_root` finds them at run time and the loaders read them from there.
"""

from __future__ import annotations

import os
from pathlib import Path

from dedup.eval.loaders import (
    DocPair,
    LabelledArticle,
    PanPair,
    Passage,
    SentencePair,
    STSPair,
    load_lee,
    load_msrp,
    load_pan,
    load_semeval,
    load_sts,
    load_wikiref,
)
from dedup.eval.metrics import accuracy_f1, adjusted_rand, pairwise_prf, pearson, span_overlap

DATA_ENV = "DEDUP_DATA"
"""Environment variable that points at the evaluation data folder, overriding the search."""

__all__ = [
    "DATA_ENV",
    "DocPair",
    "LabelledArticle",
    "PanPair",
    "Passage",
    "STSPair",
    "SentencePair",
    "accuracy_f1",
    "adjusted_rand",
    "data_root",
    "load_lee",
    "load_msrp",
    "load_pan",
    "load_semeval",
    "load_sts",
    "load_wikiref",
    "pairwise_prf",
    "pearson",
    "span_overlap",
]


def data_root() -> Path | None:
    """Find the folder that holds the evaluation sets (``msrp/``, ``stsbenchmark/``, ...).

    Call it before loading a real set, and skip the evaluation when it returns None.

    Returns
    -------
    pathlib.Path or None
        The first existing folder of, in order: the path in the ``DEDUP_DATA`` environment
        variable; ``../shared/data`` relative to the current working directory; ``../shared/data``
        next to the repository checkout this package was imported from. When ``DEDUP_DATA`` is set
        but is not a folder, the result is None (an explicit choice is not second-guessed).
        None when no candidate exists.
    """
    override = os.environ.get(DATA_ENV)
    if override:
        chosen = Path(override).expanduser()
        return chosen.resolve() if chosen.is_dir() else None
    repo_checkout = Path(__file__).resolve().parents[2]
    for candidate in (Path.cwd().parent / "shared" / "data", repo_checkout.parent / "shared" / "data"):
        if candidate.is_dir():
            return candidate.resolve()
    return None
