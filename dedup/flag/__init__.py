"""Derivation against a wire set: which articles are wholly, partially or not derived from wire copy.

For every input article, the flag pipeline (`dedup.pipelines.flag.flag_articles`) finds the wire
stories it may draw on (MinHash/LSH at two grains, then a cheap filter on document cosine and
passage agreement: never all pairs), aligns the article with a bounded number of them, and reads a
METER label (Gaizauskas et al. 2001) off what the alignments cover:

- ``wholly-derived``: the article is essentially wire copy, verbatim, edited or rewritten;
- ``partially-derived``: a clear part of it comes from wire (copied passages, or a run of
  rewritten sentences), the rest is its own;
- ``non-derived``: it may report the same event and quote the same people, but does not reuse wire text.

Without a wire set the batch is its own wire: each article is compared with earlier articles (by
`published`) and the earliest one it derives from is its presumed source.

What only flag does, one module each, over plain data: `features` (prepare, passage signatures,
stems) -> `candidates` (LSH across the two sets, over the stage library's banding; cosine, top-k)
-> `alignments` (align each article with its candidates) -> `judge` (per-sentence classes,
coverage, derivation); `order` says which article may be whose source. `config` holds
`FlagConfig`, `result` what the pipeline returns; this module gathers them.
"""

from __future__ import annotations

from dedup.flag.alignments import judge_all
from dedup.flag.candidates import Candidates, select_candidates
from dedup.flag.config import FlagConfig
from dedup.flag.features import Features, document_features, window_starts
from dedup.flag.judge import derivation_of, derivation_score, judge, phrase_containment, sentence_links
from dedup.flag.order import same_articles, time_ranks
from dedup.flag.result import (
    DERIVATIONS,
    DERIVED_CLASSES,
    ArticleFlag,
    Evidence,
    FlagResult,
    SharedQuotes,
    Shares,
    Source,
)

__all__ = [
    "DERIVATIONS",
    "DERIVED_CLASSES",
    "ArticleFlag",
    "Candidates",
    "Evidence",
    "Features",
    "FlagConfig",
    "FlagResult",
    "SharedQuotes",
    "Shares",
    "Source",
    "derivation_of",
    "derivation_score",
    "document_features",
    "judge",
    "judge_all",
    "same_articles",
    "phrase_containment",
    "select_candidates",
    "sentence_links",
    "time_ranks",
    "window_starts",
]
