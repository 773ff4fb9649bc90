"""Choose `dedup flag`'s class boundaries on METER dev by leave-one-day-out cross-validation.

For every (domain, date) day of ../shared/data/meter-dev, the day's PA copy is the wire set and its
newspaper stories the input, as `dedup eval meter` and ../shared/tools/meter_eval.py run it. From
each article's flag the script takes the features of `dedup.flag.derivation_score` (phrase
containment, derived share, length in words) and whether the copied-passage rule fires on its own,
then, with one day held out at a time, fits the score's weights (least squares on the label as
0 non / 1 partially / 2 wholly, weights scaled so that containment's is 1) and the two thresholds
(the pair that maximises macro-F1 on the other days), and labels the held-out day. It prints the
cross-validated macro-F1 and derived-or-not accuracy for each n-gram size of the containment, and
the constants fitted on all days for the size given (3 by default: 2- and 3-grams score within
0.01 of each other, and 3-grams are the published reference feature): those are what `FlagConfig`
ships.

    .venv/bin/python benchmarks/calibrate_flag.py [--words 3] [--only]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import math
from collections import defaultdict

import numpy as np

from dedup.eval import data_root
from dedup.eval.loaders import load_meter
from dedup.flag import FlagConfig
from dedup.model import Article
from dedup.pipelines.flag import flag_articles
from dedup.text import prepare

LABELS = {"wholly": 2, "partially": 1, "non": 0}


def features(config: FlagConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per newspaper story: (containment, derived share, ln(words + 1)), copied-passage rule, label, day."""
    texts, _ = load_meter(data_root() / "meter-dev")
    days: dict[str, list] = defaultdict(list)
    for text in texts:
        days[text.day].append(text)
    never = dataclasses.replace(config, partial_score=1e9, wholly_score=1e9)
    rows, passages, labels, day_of = [], [], [], []
    for day, batch in sorted(days.items()):
        wire = [Article(id=t.id, text=t.text) for t in batch if t.kind == "pa"]
        papers = [t for t in batch if t.kind == "newspaper"]
        if not wire or not papers:
            continue
        articles = [Article(id=t.id, text=t.text) for t in papers]
        flags = flag_articles(articles, wire=wire, config=config).flags
        by_passage = flag_articles(articles, wire=wire, config=never).flags
        for text, flag, passage in zip(papers, flags, by_passage):
            words = sum(len(s.words) for s in prepare(Article(id=text.id, text=text.text)).sentences)
            # the derived share `derivation_of` weighs: quotations counted as copied left out
            derived = flag.characters.derived - flag.quotes.copied_characters
            rows.append((flag.containment, derived, math.log(words + 1)))
            # the copied-passage rule on its own, and whether any sentence is derived (without one,
            # an article is non-derived whatever its score: `dedup.flag.derivation_of`)
            passages.append(
                (
                    passage.derivation != "non-derived",
                    passage.evidence_total > 0
                    and any(item.kind in ("verbatim", "edited", "rewritten") for item in passage.evidence),
                )
            )
            labels.append(LABELS[text.derivation])
            day_of.append(day)
    return np.array(rows), np.array(passages), np.array(labels), np.array(day_of)


def macro_f1(gold: np.ndarray, predicted: np.ndarray) -> float:
    scores = []
    for label in (0, 1, 2):
        tp = np.sum((gold == label) & (predicted == label))
        fp = np.sum((gold != label) & (predicted == label))
        fn = np.sum((gold == label) & (predicted != label))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(scores))


def label(score: np.ndarray, passage: np.ndarray, partial: float, wholly: float) -> np.ndarray:
    """`derivation_of`'s decision: `passage` holds (copied-passage rule, any derived sentence)."""
    rule, derived_any = passage[:, 0], passage[:, 1]
    return np.where(~derived_any, 0, np.where(score >= wholly, 2, np.where((score >= partial) | rule, 1, 0)))


def fit(rows: np.ndarray, passage: np.ndarray, gold: np.ndarray) -> tuple[float, float, float, float]:
    """(derived_weight, length_weight, partial_score, wholly_score) fitted on these articles."""
    design = np.column_stack([rows, np.ones(len(rows))])
    coef, *_ = np.linalg.lstsq(design, gold.astype(float), rcond=None)
    derived_weight, length_weight = coef[1] / coef[0], -coef[2] / coef[0]
    score = rows[:, 0] + derived_weight * rows[:, 1] - length_weight * rows[:, 2]
    candidates = np.quantile(score, np.linspace(0.01, 0.99, 99))
    best = max(
        ((macro_f1(gold, label(score, passage, lo, hi)), lo, hi) for lo, hi in itertools.combinations(candidates, 2)),
        key=lambda item: item[0],
    )
    return float(derived_weight), float(length_weight), float(best[1]), float(best[2])


def cross_validate(rows, passage, gold, days) -> tuple[float, float]:
    predicted = np.zeros_like(gold)
    for day in sorted(set(days)):
        train = days != day
        derived_weight, length_weight, partial, wholly = fit(rows[train], passage[train], gold[train])
        held = ~train
        score = rows[held, 0] + derived_weight * rows[held, 1] - length_weight * rows[held, 2]
        predicted[held] = label(score, passage[held], partial, wholly)
    return macro_f1(gold, predicted), float(np.mean((gold > 0) == (predicted > 0)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=3, help="n-gram size whose constants are fitted (default 3)")
    parser.add_argument("--only", action="store_true", help="measure that size only")
    args = parser.parse_args()
    if data_root() is None:
        raise SystemExit("../shared/data not found (set DEDUP_DATA)")
    results = {}
    for n in (args.words,) if args.only else (2, 3, 4, 5):
        rows, passage, gold, days = features(FlagConfig(containment_words=n))
        results[n] = (rows, passage, gold, days)
        f1, accuracy = cross_validate(rows, passage, gold, days)
        print(f"containment of word {n}-grams: leave-one-day-out macro-F1 {f1:.3f}, derived-or-not {accuracy:.3f}")
    rows, passage, gold, _ = results[args.words]
    derived_weight, length_weight, partial, wholly = fit(rows, passage, gold)
    print(
        f"FlagConfig(containment_words={args.words}, derived_weight={derived_weight:.2f}, "
        f"length_weight={length_weight:.2f}, partial_score={partial:.2f}, wholly_score={wholly:.2f})"
    )


if __name__ == "__main__":
    main()
