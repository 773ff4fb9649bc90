"""All knobs in one place: the per-stage configs composed into one `DedupConfig`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from dedup.align import RelationConfig
from dedup.errors import ConfigError
from dedup.flag import FlagConfig
from dedup.group import GroupConfig
from dedup.minhash import check_seed
from dedup.pairs import PairsConfig
from dedup.score import ScoreConfig


@dataclass(frozen=True)
class CandidateConfig:
    """MinHash/LSH parameters of the two candidate grains.

    Copy grain: word 5-gram shingles, 32 bands of 4 rows (128 permutations); a pair at 5-gram
    Jaccard 0.5 becomes a candidate with probability 0.98, one at 0.2 with 0.05.
    Story grain: each article's `story_terms` most distinctive stems (TF-IDF weight), 32 bands of
    one row, so a pair sharing 5% of those terms (Jaccard 0.05) is found with probability 0.81 and
    one sharing 10% with 0.97. Rewrites share their story's terms while sharing almost no 5-grams
    (seeds 000/001: 5-gram Jaccard 0.01). Every pair at the story linkage's cosine must be proposed
    for average linkage to be exact: with 64 bands of 2 rows only 65% of same-event pairs of DUC 2004
    dev (71% of those at cosine >= 0.15) were candidates and its stories split (ARI 0.870, 36 stories
    for 25 events); with 32 of 1, 96% (98%), ARI 0.931. ECB+ dev 0.783 -> 0.785, METER dev per-day
    0.978 -> 0.977, for 7x the candidates on DUC (25% of all pairs), most below the alignment cosine.
    (Measured with the story linkage then at 0.15. At today's 0.10, `dedup.group.GroupConfig`, 94%
    of DUC dev's pairs at cosine >= 0.10 and 96% of ECB+ dev's are candidates, against 96% and 98%
    at >= 0.15; the grouping's figures are measured with these candidates.)
    """

    # 5-word shingles: the usual choice for near-duplicate web and news text (Broder 1997 used
    # word windows of this size); one edited word then changes at most 5 shingles.
    shingle_size: int = 5
    copy_bands: int = 32
    copy_rows: int = 4
    story_terms: int = 32
    story_bands: int = 32
    story_rows: int = 1
    # A bucket larger than this is a term every article shares (boilerplate); its members are
    # joined in a star, not all pairs, to keep the candidate count linear. The copy level's buckets
    # (CopyLevelConfig) are cut the same way. (`FlagConfig.max_wire_bucket` is another rule: across two
    # sets an oversized wire bucket is dropped, since a star would make its first wire story a
    # source of every article in the bucket.)
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
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")


@dataclass(frozen=True)
class CopyLevelConfig:
    """Parameters of the copy level (`dedup.cluster_copies`, ``dedup cluster --level copies``):
    copies found by word 5-gram MinHash/LSH and verified by TF-IDF cosine, without sentences.

    Candidates: 128 permutations in 64 bands of 2 rows, so a pair at 5-gram Jaccard 0.2 becomes
    a candidate with probability 0.93 and one at 0.1 with 0.47: two copies of one wire story that
    each dropped and edited different sentences share little of their 5-grams while sharing most
    of their words. On the generated 10k corpus (benchmarks/run.py) the families' ARI is 0.984
    with 32 bands of 4 rows, 0.997 with 42 of 3 and 0.999 with 64 of 2, for 10,831, 11,986 and
    13,027 candidate pairs; every remaining error is a family split, none a merge.
    A candidate is a copy when its whole-document TF-IDF cosine reaches `min_cosine`: 0.5, the
    value a hand-written datasketch pipeline uses (benchmarks/reference.py); 0.4 changes the
    ARI above by less than 0.001.
    """

    shingle_size: int = 5
    num_perm: int = 128
    bands: int = 64
    rows: int = 2
    min_cosine: float = 0.5
    # Words are hashed into 2**22 TF-IDF columns, 4x scikit-learn's HashingVectorizer default:
    # with a vocabulary of 400,000 words a word shares its column with another about one time in
    # ten, nearly always a rare word with a rare word, which moves a cosine very little.
    feature_bits: int = 22
    # Articles sketched by a worker at once: about 0.5 MB of text and 10 MB of working arrays,
    # which stay in cache; 1,000 was slower on two workers (benchmarks/run.py, 10k corpus).
    chunk_size: int = 250

    def __post_init__(self) -> None:
        for name in ("shingle_size", "num_perm", "bands", "rows", "chunk_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if self.bands * self.rows > self.num_perm:
            msg = f"bands * rows must be at most num_perm ({self.num_perm}), got {self.bands} * {self.rows}"
            raise ConfigError(msg)
        if not 0.0 <= self.min_cosine <= 1.0:
            raise ConfigError(f"min_cosine must be between 0 and 1, got {self.min_cosine!r}")
        if (
            isinstance(self.feature_bits, bool)
            or not isinstance(self.feature_bits, int)
            or not 8 <= self.feature_bits <= 30
        ):
            raise ConfigError(f"feature_bits must be an integer from 8 to 30, got {self.feature_bits!r}")


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
