"""All knobs in one place: the per-stage configs, each defined beside its stage, composed into one
`DedupConfig`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from dedup.align import RelationConfig
from dedup.flag import FlagConfig
from dedup.group import GroupConfig
from dedup.minhash import check_seed
from dedup.pairs import PairsConfig
from dedup.score import ScoreConfig
from dedup.stages.candidates import CandidateConfig
from dedup.stages.sketch import CopyLevelConfig


@dataclass(frozen=True)
class DedupConfig:
    """Every parameter of a run, one stage config per field and one seed for all of them; reports
    record it with the package version.

    `cluster` reads `candidates`, `score`, `relation` and `group`; `cluster_copies` reads `copies`
    and `candidates.max_bucket`; `flag` reads `flag` and `score` (its sentence classes are
    `cluster`'s); `pairs` reads `pairs`, and `score` and `relation` so that a pair gets the relation
    `cluster` would give it and a sentence is `edited` at the same word ratio.
    """

    seed: int = 1
    candidates: CandidateConfig = field(default_factory=CandidateConfig)
    score: ScoreConfig = field(default_factory=ScoreConfig)
    relation: RelationConfig = field(default_factory=RelationConfig)
    group: GroupConfig = field(default_factory=GroupConfig)
    copies: CopyLevelConfig = field(default_factory=CopyLevelConfig)
    flag: FlagConfig = field(default_factory=FlagConfig)
    pairs: PairsConfig = field(default_factory=PairsConfig)

    def __post_init__(self) -> None:
        check_seed(self.seed)

    def as_dict(self) -> dict:
        """Plain nested dict of every parameter, for reports."""
        return asdict(self)
