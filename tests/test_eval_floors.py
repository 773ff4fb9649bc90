"""Quality floors: a figure pushed below its stored floor fails the check (and `dedup eval`, with exit 1)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import main
from dedup.errors import DedupError
from dedup.eval import data_root
from dedup.eval.floors import (
    CHARS_MARGIN,
    FLOORS_PATH,
    SCORE_MARGIN,
    Floor,
    check_floors,
    floor_of,
    load_floors,
    updated_floors,
    write_floors,
)
from dedup.eval.run import EVAL_SETS, EvalSet, Figure

MEASURED = [
    Figure("wikiref", "story_ari", 0.90, 220, "story ARI"),
    Figure("wikiref", "pair_f1", 0.92, 220, "pairs F1"),
    Figure("pan", "passages_found", 0.45, 624, "passages found"),
    Figure("pan", "median_start_error", 20.0, 280, "start error", higher_is_better=False, unit="chars"),
]


def _stored(tmp_path: Path, figures=MEASURED) -> dict[str, Floor]:
    """Floors set from `figures`, written to and read back from a file as CI reads them."""
    path = tmp_path / "floors.json"
    write_floors(updated_floors(figures, {}), path)
    return load_floors(path)


def _with(figures: list[Figure], key: str, value: float) -> list[Figure]:
    return [
        Figure(f.dataset, f.metric, value, f.count, f.description, f.higher_is_better, f.unit) if f.key == key else f
        for f in figures
    ]


def test_a_floor_is_the_measured_figure_minus_its_stated_margin(tmp_path: Path) -> None:
    floors = _stored(tmp_path)
    assert floors["wikiref/story_ari"].limit == pytest.approx(0.90 - SCORE_MARGIN)
    assert floors["wikiref/story_ari"].measured == pytest.approx(0.90)
    # an error in characters is guarded by a ceiling above it
    assert floors["pan/median_start_error"].limit == pytest.approx(20.0 + CHARS_MARGIN)
    assert floors["pan/median_start_error"].higher_is_better is False
    stored = json.loads((tmp_path / "floors.json").read_text(encoding="utf-8"))
    assert stored["figures"]["pan/median_start_error"] == {"measured": 20.0, "margin": CHARS_MARGIN, "ceiling": 30.0}
    assert "margin" in stored["about"]


def test_the_measured_figures_pass_their_own_floors(tmp_path: Path) -> None:
    assert check_floors(MEASURED, _stored(tmp_path), datasets=["wikiref", "pan"]) == []


def test_a_worsened_figure_fails_with_one_line_naming_it(tmp_path: Path) -> None:
    floors = _stored(tmp_path)
    worse = _with(MEASURED, "wikiref/story_ari", 0.85)
    assert check_floors(worse, floors, datasets=["wikiref", "pan"]) == [
        "wikiref/story_ari: 0.8500 is below its floor 0.88 (measured 0.9 - margin 0.02)"
    ]
    # within the margin is not a regression
    assert check_floors(_with(MEASURED, "wikiref/story_ari", 0.885), floors, datasets=["wikiref"]) == []


def test_an_error_above_its_ceiling_fails(tmp_path: Path) -> None:
    floors = _stored(tmp_path)
    failures = check_floors(_with(MEASURED, "pan/median_start_error", 31.0), floors, datasets=["pan"])
    assert failures == ["pan/median_start_error: 31.0000 is above its ceiling 30 (measured 20 + margin 10)"]
    assert check_floors(_with(MEASURED, "pan/median_start_error", 5.0), floors, datasets=["pan"]) == []


def test_a_dropped_or_undefined_figure_fails_but_sets_not_run_are_not_checked(tmp_path: Path) -> None:
    floors = _stored(tmp_path)
    without_f1 = [f for f in MEASURED if f.key != "wikiref/pair_f1"]
    assert check_floors(without_f1, floors, datasets=["wikiref", "pan"]) == [
        "wikiref/pair_f1: not measured, but a floor of 0.9 is stored for it"
    ]
    only_pan = [f for f in MEASURED if f.dataset == "pan"]
    assert check_floors(only_pan, floors, datasets=["pan"]) == []
    undefined = _with(MEASURED, "pan/passages_found", math.nan)
    assert len(check_floors(undefined, floors, datasets=["pan"])) == 1


def test_updating_raises_a_floor_and_keeps_the_others(tmp_path: Path) -> None:
    floors = _stored(tmp_path)
    better = updated_floors([Figure("wikiref", "story_ari", 0.95, 220, "story ARI")], floors)
    assert better["wikiref/story_ari"].limit == pytest.approx(0.93)
    assert better["pan/passages_found"] == floors["pan/passages_found"]
    with pytest.raises(DedupError, match="not a number"):
        updated_floors(_with(MEASURED, "wikiref/pair_f1", math.nan), floors)


def test_a_broken_floors_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "floors.json"
    path.write_text('{"figures": {"wikiref/story_ari": {"measured": 0.9, "margin": 0.02}}}', encoding="utf-8")
    with pytest.raises(DedupError, match=r"floors.json: figure 'wikiref/story_ari' needs numbers"):
        load_floors(path)
    with pytest.raises(DedupError, match="floors file not found"):
        load_floors(tmp_path / "missing.json")


def test_the_shipped_floors_cover_every_set() -> None:
    floors = load_floors(FLOORS_PATH)
    assert {key.split("/")[0] for key in floors} == set(EVAL_SETS)
    assert floor_of(MEASURED[0]).key == "wikiref/story_ari"


# --- through the command ----------------------------------------------------------------------------


@pytest.fixture
def fake_wikiref(monkeypatch: pytest.MonkeyPatch):
    """Make `dedup eval wikiref` report whatever figures a test sets, without data."""
    figures: list[Figure] = list(MEASURED[:2])

    def runner(folder):
        return list(figures)

    monkeypatch.setitem(EVAL_SETS, "wikiref", EvalSet("wikiref", "wikiref220", runner, "WikiRef220: fake"))
    return figures


def test_dedup_eval_check_floors_exits_1_when_a_figure_is_pushed_below_its_floor(
    tmp_path: Path, fake_wikiref: list[Figure]
) -> None:
    runner = CliRunner()
    floors = tmp_path / "floors.json"
    args = ["eval", "wikiref", str(tmp_path), "--floors", str(floors)]
    stored = runner.invoke(main, [*args, "--update-floors"])
    assert stored.exit_code == 0, stored.output
    assert set(load_floors(floors)) == {"wikiref/story_ari", "wikiref/pair_f1"}
    assert runner.invoke(main, [*args, "--check-floors"]).exit_code == 0
    fake_wikiref[0] = _with(fake_wikiref, "wikiref/story_ari", 0.70)[0]
    failed = runner.invoke(main, [*args, "--check-floors"])
    assert failed.exit_code == 1
    assert failed.stderr.splitlines() == [
        "dedup: below floor: wikiref/story_ari: 0.7000 is below its floor 0.88 (measured 0.9 - margin 0.02)"
    ]
    assert "0.700" in failed.stdout  # the table still shows what was measured
    assert ">= 0.880" in failed.stdout


def test_dedup_eval_refuses_to_check_and_update_at_once(tmp_path: Path, fake_wikiref: list[Figure]) -> None:
    result = CliRunner().invoke(main, ["eval", "wikiref", str(tmp_path), "--check-floors", "--update-floors"])
    assert result.exit_code == 2
    assert "not both" in result.stderr


def test_real_wikiref_keeps_its_shipped_floors() -> None:
    root = data_root()
    if root is None or not (root / "wikiref220").is_dir():
        pytest.skip("evaluation data (../shared/data/wikiref220) not present")
    result = CliRunner().invoke(main, ["eval", "wikiref", "--check-floors"])
    assert result.stderr.count("below floor") == 0, result.stderr
    assert result.exit_code == 0
