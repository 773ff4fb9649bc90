"""Quality floors: the stored lower bounds that every measured figure must stay above.

``floors.json`` (next to this module) holds, per figure (``dataset/metric``), the last measured
value, a margin, and the limit derived from them: a floor (measured - margin) for figures where
higher is better, a ceiling (measured + margin) for errors such as offsets in characters. CI runs
``dedup eval all --check-floors``, which fails when any figure crosses its limit; a change that
improves a figure raises its floor with ``dedup eval all --update-floors``.

The margin absorbs harmless drift (another BLAS, another sklearn release), not regressions: the
figures are deterministic for one environment (fixed seeds, no sampling).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dedup.errors import DedupError
from dedup.eval.loaders import PathLike
from dedup.eval.run import Figure

FLOORS_PATH = Path(__file__).with_name("floors.json")
"""The floors shipped with the repository."""

SCORE_MARGIN = 0.02
"""Margin of figures in [-1, 1] (ARI, accuracy, F1, Pearson r, shares): two points."""

CHARS_MARGIN = 10.0
"""Margin of figures in characters (PAN offset errors): the ceiling is the measured value plus this."""

ABOUT = (
    "Quality floors checked by `dedup eval all --check-floors` (CI). Per figure: the last measured value, "
    f"the margin ({SCORE_MARGIN} for ARI, accuracy, F1, Pearson r and shares; {CHARS_MARGIN:g} characters for "
    "offset errors) and the limit: floor = measured - margin, or, for errors, ceiling = measured + margin. "
    "A change that improves a figure raises its floor: `dedup eval all --cv 10 --update-floors`."
)


@dataclass(frozen=True)
class Floor:
    """The stored guard of one figure.

    `limit` is a floor when `higher_is_better`, else a ceiling; `measured` and `margin` say where
    it came from (``limit = measured -/+ margin``).
    """

    key: str
    measured: float
    margin: float
    limit: float
    higher_is_better: bool = True

    def passes(self, value: float) -> bool:
        """Whether `value` keeps to this floor (or ceiling); NaN never does."""
        if math.isnan(value):
            return False
        return value >= self.limit if self.higher_is_better else value <= self.limit


def margin_for(figure: Figure) -> float:
    """The stated margin of a figure: `CHARS_MARGIN` for character errors, else `SCORE_MARGIN`."""
    return CHARS_MARGIN if figure.unit == "chars" else SCORE_MARGIN


def floor_of(figure: Figure) -> Floor:
    """The floor a measured figure sets: its value minus its margin (plus, for an error)."""
    margin = margin_for(figure)
    limit = figure.value - margin if figure.higher_is_better else figure.value + margin
    return Floor(figure.key, round(figure.value, 4), margin, round(limit, 4), figure.higher_is_better)


def load_floors(path: PathLike = FLOORS_PATH) -> dict[str, Floor]:
    """Read a floors file into ``{key: Floor}``.

    Raises
    ------
    DedupError
        When the file is missing, not JSON, or an entry lacks ``measured``, ``margin`` and exactly
        one of ``floor`` / ``ceiling`` as numbers.
    """
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"{path}: floors file not found"
        raise DedupError(msg) from None
    except json.JSONDecodeError as error:
        msg = f"{path}:{error.lineno}: not valid JSON ({error.msg})"
        raise DedupError(msg) from None
    entries = document.get("figures") if isinstance(document, dict) else None
    if not isinstance(entries, dict):
        msg = f"{path}: expected an object with a 'figures' object"
        raise DedupError(msg)
    floors = {}
    for key, entry in entries.items():
        kinds = [kind for kind in ("floor", "ceiling") if isinstance(entry, dict) and kind in entry]
        values = [entry.get(name) for name in ("measured", "margin", *kinds)] if isinstance(entry, dict) else []
        if len(kinds) != 1 or not all(_is_number(value) for value in values):
            msg = f"{path}: figure {key!r} needs numbers 'measured', 'margin' and one of 'floor' or 'ceiling'"
            raise DedupError(msg)
        measured, margin, limit = (float(value) for value in values)
        floors[key] = Floor(key, measured, margin, limit, higher_is_better=kinds[0] == "floor")
    return floors


def write_floors(floors: Mapping[str, Floor], path: PathLike = FLOORS_PATH) -> None:
    """Write floors as ``floors.json`` does: sorted by key, one entry per figure, with `ABOUT`."""
    entries = {}
    for key in sorted(floors):
        floor = floors[key]
        limit_name = "floor" if floor.higher_is_better else "ceiling"
        entries[key] = {"measured": floor.measured, "margin": floor.margin, limit_name: floor.limit}
    text = json.dumps({"about": ABOUT, "figures": entries}, indent=2) + "\n"
    Path(path).write_text(text, encoding="utf-8")


def check_floors(figures: Iterable[Figure], floors: Mapping[str, Floor], *, datasets: Iterable[str]) -> list[str]:
    """One line per figure that falls below its floor (or above its ceiling); empty when all pass.

    Parameters
    ----------
    figures : iterable of Figure
        What was just measured.
    floors : mapping of str to Floor
        The stored floors (`load_floors`).
    datasets : iterable of str
        The sets that were run. A stored floor of one of them with no measured figure fails too
        (a figure renamed or dropped must take its floor along); floors of sets not run are not
        checked. A measured figure without a stored floor passes (`unguarded` lists them).

    Returns
    -------
    list of str
        E.g. ``"wikiref/story_ari: 0.8012 is below its floor 0.8883 (measured 0.9083 - margin 0.02)"``.
    """
    measured = {figure.key: figure for figure in figures}
    run = set(datasets)
    failures = []
    for key in sorted(floors):
        floor = floors[key]
        if key.split("/", 1)[0] not in run:
            continue
        figure = measured.get(key)
        if figure is None:
            failures.append(f"{key}: not measured, but a floor of {floor.limit:g} is stored for it")
            continue
        if floor.passes(figure.value):
            continue
        if floor.higher_is_better:
            failures.append(
                f"{key}: {figure.value:.4f} is below its floor {floor.limit:g} "
                f"(measured {floor.measured:g} - margin {floor.margin:g})"
            )
        else:
            failures.append(
                f"{key}: {figure.value:.4f} is above its ceiling {floor.limit:g} "
                f"(measured {floor.measured:g} + margin {floor.margin:g})"
            )
    return failures


def unguarded(figures: Iterable[Figure], floors: Mapping[str, Floor]) -> list[str]:
    """Keys of measured figures that have no stored floor (to be added with ``--update-floors``)."""
    return [figure.key for figure in figures if figure.key not in floors]


def updated_floors(figures: Iterable[Figure], floors: Mapping[str, Floor]) -> dict[str, Floor]:
    """The stored floors with each measured figure's floor reset from its new value.

    Floors of figures not measured are kept. A figure whose new floor is lower than the stored
    one lowers it: that is a deliberate act, visible in the diff of ``floors.json``.
    """
    result = dict(floors)
    for figure in figures:
        if math.isnan(figure.value):
            msg = f"{figure.key}: cannot store a floor for a figure that is not a number"
            raise DedupError(msg)
        result[figure.key] = floor_of(figure)
    return result


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
