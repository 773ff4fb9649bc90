"""`FlagConfig`: every parameter of `dedup.pipelines.flag.flag_articles`, in one frozen dataclass."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from dedup.align import NEAR_COPY_SIMILARITY
from dedup.errors import ConfigError


@dataclass(frozen=True)
class FlagConfig:
    """Every parameter of `flag_articles`: candidate search, cheap filter, and the class boundaries.

    Candidate search parameters were set from LSH collision curves (``1 - (1 - J**rows)**bands``)
    and checked on the benchmark corpus and PAN; the class boundaries on examples/seeds, fixtures
    built from real sentences in known proportions, and PAN (see each comment).
    """

    # --- copy grain: MinHash of word 5-gram shingles over passages (windows of words), so that a
    # copied passage inside a long article is found: whole-document Jaccard of a 30% excerpt is
    # under 0.2, which document-level LSH misses. Wire windows do not overlap, article windows
    # overlap by half, so an article window inside a copied passage overlaps some wire window by at
    # least three quarters (5-gram Jaccard about 0.55 for an exact copy).
    shingle_size: int = 5
    passage_words: int = 50
    # 16 bands of 2 rows (32 permutations): a passage pair at Jaccard 0.55 collides with
    # probability 0.99, at 0.3 (a copy with an edit every ten words) 0.78, at 0.1 0.15.
    passage_bands: int = 16
    passage_rows: int = 2
    # --- story grain: each document's most distinctive content terms, as in `dedup cluster`;
    # rewrites share their story's terms while sharing almost no 5-grams (seeds 000/001: 0.01).
    # 64 bands of 2 rows: term Jaccard 0.14 collides with probability 0.72, 0.2 with 0.93.
    story_terms: int = 32
    story_bands: int = 64
    story_rows: int = 2
    # A bucket holding more wire documents than this is boilerplate (a stock paragraph, a term
    # every story has); it gives no candidates, so the candidate count stays linear. Within one set
    # (`CandidateConfig.max_bucket`) such a bucket becomes a star instead; across two sets a star
    # would make its first wire story a source of every article in the bucket.
    max_wire_bucket: int = 200
    # --- cheap filter before alignment, the expensive step.
    # Candidates below this whole-document TF-IDF cosine are not aligned unless a passage matched
    # (RelationConfig.align_min_cosine: a 3-sentence excerpt of a 30-sentence story scores about 0.3).
    min_cosine: float = 0.10
    # ... a passage pair whose signatures agree on this share of slots (estimated 5-gram Jaccard)
    # is a copied passage, aligned whatever the document cosine (PAN: a 500-word copied passage in
    # a 3,000-word document). Unrelated passages agree on about 0.05 (standard error 0.04 at 32
    # slots); two stories retold from one source share almost no 5-grams.
    min_passage_agreement: float = 0.3
    # At most this many wire stories by the larger of cosine and passage agreement, and this many
    # by passage agreement, are aligned with an article: one rarely draws on more than two or three.
    top_k: int = 5
    # --- class boundaries (see `derivation_of`), set on METER dev (19 days of PA wire copy and the
    # newspaper stories written from it, labelled by people): every constant below was chosen by
    # leave-one-day-out cross-validation of macro-F1 over the three labels (`benchmarks/calibrate_flag.py`).
    # Word n-grams of `phrase_containment`: leave-one-day-out macro-F1 with 2-, 3-, 4-, 5-grams
    # 0.594, 0.590, 0.564, 0.555 (derived-or-not 0.796, 0.808, 0.784, 0.768; measured before the
    # no-derived-sentence rule of `derivation_of`): 3-grams, the published reference feature, within
    # noise of 2-grams. With that rule, 3-grams: CV macro-F1 0.601, derived-or-not 0.800. The weights
    # and thresholds are those fitted on all 19 days with 3-grams. Re-measured on 2026-12-05 after
    # quotation marks were paired by direction (`dedup.text.quote_spans`): 2- to 5-grams 0.611,
    # 0.589, 0.575, 0.559 (derived-or-not 0.810, 0.790, 0.788, 0.774), against 0.610, 0.603, 0.579,
    # 0.562 just before; the refit moves `wholly_score` by 0.01 only, so the constants are kept.
    containment_words: int = 3
    derived_weight: float = 0.62
    length_weight: float = 0.20
    partial_score: float = -0.92
    wholly_score: float = -0.16
    # Copied prose sentences that make an article partially derived on their own, however long
    # it is: PAN's copied passages cover a median 3% of their documents (2 sentences: 74% of 200
    # PAN pairs, while 1.2% of 245 same-topic wikiref220 pairs and 1.5% of 196 other-source PAN
    # pairs have as many).
    copied_min_sentences: int = 2
    # ... with at least this many words among them, so that two stock lines ("He declined to
    # comment.") shared by independent reports are not a copied passage.
    copied_min_words: int = 20
    # An edited or rewritten pair this similar counts as copied for that test, and a quotation this
    # similar is copied text when quotations count as copied (`_counted`): the one threshold of
    # `dedup.align.NEAR_COPY_SIMILARITY`, whose comment says how it was set.
    near_copy_similarity: float = NEAR_COPY_SIMILARITY
    # Evidence pairs kept per article, strongest first.
    max_evidence: int = 10

    def __post_init__(self) -> None:
        positive = (
            "shingle_size",
            "passage_words",
            "passage_bands",
            "passage_rows",
            "story_terms",
            "story_bands",
            "story_rows",
            "max_wire_bucket",
            "top_k",
            "containment_words",
            "copied_min_sentences",
            "max_evidence",
        )
        for name in positive:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if isinstance(self.copied_min_words, bool) or not isinstance(self.copied_min_words, int):
            raise ConfigError(f"copied_min_words must be an integer, got {self.copied_min_words!r}")
        for name in (
            "min_cosine",
            "min_passage_agreement",
            "near_copy_similarity",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"{name} must be between 0 and 1, got {value!r}")
        for name in ("derived_weight", "length_weight", "partial_score", "wholly_score"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ConfigError(f"{name} must be a finite number, got {value!r}")
        if self.partial_score > self.wholly_score:
            msg = f"partial_score ({self.partial_score}) must not exceed wholly_score ({self.wholly_score})"
            raise ConfigError(msg)
        if self.passage_words < self.shingle_size:
            raise ConfigError(
                f"passage_words must be at least shingle_size ({self.shingle_size}), got {self.passage_words}"
            )

    def as_dict(self) -> dict:
        """Plain nested dict of every parameter, for reports."""
        return dataclasses.asdict(self)
