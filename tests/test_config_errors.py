"""Every config check raises `ConfigError` (a `DedupError` and a `ValueError`), so a bad setting on
the command line is one line on stderr and exit status 2, never a traceback (#16)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from dedup import ConfigError, DedupConfig, DedupError
from dedup.align import RelationConfig
from dedup.cli import main
from dedup.config import CandidateConfig, CopyLevelConfig
from dedup.flag import FlagConfig
from dedup.group import GroupConfig
from dedup.minhash import MinHasher
from dedup.pairs import PairsConfig
from dedup.score import ScoreConfig
from dedup.shingles import shingle_hashes

SEEDS = "examples/seeds"


def test_config_error_is_both_a_dedup_error_and_a_value_error():
    assert issubclass(ConfigError, DedupError) and issubclass(ConfigError, ValueError)


@pytest.mark.parametrize(
    "make",
    [
        lambda: DedupConfig(seed=-1),
        lambda: DedupConfig(seed=2**32),
        lambda: DedupConfig(seed=True),
        lambda: CandidateConfig(copy_bands=0),
        lambda: CopyLevelConfig(min_cosine=2.0),
        lambda: ScoreConfig(edited_min_words=0),
        lambda: RelationConfig(near_duplicate_shared=1.5),
        lambda: GroupConfig(story_linkage=-0.1),
        lambda: FlagConfig(top_k=0),
        lambda: PairsConfig(rewritten_cosine=float("nan")),
        lambda: CandidateConfig(shingle_size=True),
        lambda: shingle_hashes(["a", "b"], 0),
        lambda: MinHasher(num_perm=16, seed=-3),
    ],
)
def test_each_config_check_raises_config_error(make):
    with pytest.raises(ConfigError):
        make()


@pytest.mark.parametrize("command", ["cluster", "flag"])
@pytest.mark.parametrize("seed", ["-1", "4294967296"])
def test_a_bad_seed_is_one_line_and_exit_2(command, seed):
    result = CliRunner().invoke(main, [command, SEEDS, "--seed", seed])
    assert result.exit_code == 2
    assert result.stderr == f"dedup: error: --seed: seed must be an integer in [0, 2**32), got {int(seed)}\n"
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_a_bad_seed_at_the_copy_level_is_one_line_and_exit_2():
    result = CliRunner().invoke(main, ["cluster", SEEDS, "--level", "copies", "--seed", "-5"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["dedup: error: --seed: seed must be an integer in [0, 2**32), got -5"]
