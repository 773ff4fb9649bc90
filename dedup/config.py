"""All knobs in one place: the per-stage configs composed into one `DedupConfig`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from dedup.align import RelationConfig
from dedup.group import GroupConfig
from dedup.score import ScoreConfig


@dataclass(frozen=True)
class CandidateConfig:
    """MinHash/LSH parameters of the two candidate grains.

    Copy grain: word 5-gram shingles, 32 bands of 4 rows (128 permutations); a pair at 5-gram
    Jaccard 0.5 becomes a candidate with probability 0.98, one at 0.2 with 0.05.
    Story grain: each article's `story_terms` most distinctive stems (TF-IDF weight over the
    batch), 64 bands of 2 rows; pairs sharing a quarter of those terms (Jaccard 0.14) are found with
    probability 0.72, a third (0.2) with 0.93. Rewrites share their story's terms while sharing
    almost no 5-grams (seeds 000/001: 5-gram Jaccard 0.01).
    """

    shingle_size: int = 5
    copy_bands: int = 32
    copy_rows: int = 4
    story_terms: int = 32
    story_bands: int = 64
    story_rows: int = 2
    # A bucket larger than this is a term every article shares (boilerplate); its members are
    # joined in a star, not all pairs, to keep the candidate count linear.
    max_bucket: int = 200

    def __post_init__(self) -> None:
        for name in (
            "shingle_size",
            "copy_bands",
            "copy_rows",
            "story_terms",
            "story_bands",
            "story_rows",
            "max_bucket",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")


@dataclass(frozen=True)
class DedupConfig:
    """Every parameter of a run; reports record it with the package version and the seed."""

    seed: int = 1
    candidates: CandidateConfig = field(default_factory=CandidateConfig)
    score: ScoreConfig = field(default_factory=ScoreConfig)
    relation: RelationConfig = field(default_factory=RelationConfig)
    group: GroupConfig = field(default_factory=GroupConfig)

    def as_dict(self) -> dict:
        """Plain nested dict of every parameter, for reports."""
        return asdict(self)
