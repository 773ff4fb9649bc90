"""The diff's derived share of each annotated METER dev article beside the annotators', by the
article's derivation label: how much the people's share varies inside each class, how well the
diff follows it there, how well plain word n-gram coverage by the PA copy does, and the articles it
misses most.

The share is `dedup eval meter`'s: for the diff (A = the PA copy of the article's catchline, B = the
article), B's characters outside only-in-B sentences; for the annotators, the Verbatim and Rewrite
characters of the article.

    .venv/bin/python benchmarks/meter_shares.py [--worst 10]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict

import numpy as np

from dedup import diff
from dedup.eval import data_root
from dedup.eval.loaders import load_meter
from dedup.eval.run import meter_gold_share, meter_sentence_labels
from dedup.model import Article
from dedup.text import TextCache

_WORD = re.compile(r"[a-z0-9]+")


def _trigrams(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[k : k + 3]) for k in range(len(words) - 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worst", type=int, default=10, help="articles furthest from the fitted line to list")
    args = parser.parse_args()
    root = data_root()
    if root is None:
        raise SystemExit("../shared/data not found (set DEDUP_DATA)")
    texts, annotations = load_meter(root / "meter-dev")
    derivation = {text.id.rsplit("/", 1)[-1]: text.derivation for text in texts if text.kind == "newspaper"}
    pa_of: dict[str, list[str]] = defaultdict(list)
    for text in texts:
        if text.kind == "pa":
            pa_of[text.story].append(text.text)
    rows = []
    cache = TextCache()
    for number, annotation in enumerate(annotations):
        source = Article(id=f"{number}_pa", text="\n\n".join(pa_of[annotation.story]))
        result = diff(source, Article(id=f"{number}_{annotation.id}", text=annotation.text), cache=cache)
        _, _, predicted = meter_sentence_labels(annotation, result)
        gold = meter_gold_share(annotation)
        kinds = Counter(link.kind for link in result.alignment.links if link.a and link.b)
        rows.append((annotation.id, derivation.get(annotation.id, "?"), gold, predicted, dict(kinds)))
    gold = np.array([row[2] for row in rows])
    predicted = np.array([row[3] for row in rows])
    r = np.corrcoef(gold, predicted)[0, 1]
    print(f"{len(rows)} annotated articles: diff share vs annotators' share, r {r:.3f}")
    # The simplest lexical alternative: the share of the article's words inside a word n-gram
    # found in the PA copy (words as ../shared/tools/meter_eval.py reads them).
    covered = {n: [] for n in range(1, 6)}
    for annotation in annotations:
        copy = _WORD.findall(" ".join(pa_of[annotation.story]).lower())
        words = _WORD.findall(annotation.text.lower())
        for n, shares in covered.items():
            grams = {tuple(copy[k : k + n]) for k in range(len(copy) - n + 1)}
            inside = np.zeros(len(words), dtype=bool)
            for k in range(len(words) - n + 1):
                if tuple(words[k : k + n]) in grams:
                    inside[k : k + n] = True
            shares.append(inside.mean() if len(words) else 0.0)
    print(
        "  words inside a word n-gram of the PA copy vs annotators' share, r: "
        + ", ".join(f"n={n} {np.corrcoef(gold, shares)[0, 1]:.3f}" for n, shares in covered.items())
    )
    for label in ("non", "partially", "wholly"):
        inside = np.array([row[1] == label for row in rows])
        quantiles = np.percentile(gold[inside], [10, 50, 90])
        print(
            f"  {label:9s} {inside.sum():3d} articles: annotators' share median {quantiles[1]:.2f} "
            f"(10-90%: {quantiles[0]:.2f}-{quantiles[2]:.2f}), diff's median {np.median(predicted[inside]):.2f}, "
            f"r inside the class {np.corrcoef(gold[inside], predicted[inside])[0, 1]:.2f}"
        )
    # How literal the annotators' Verbatim is: the share of its word 3-grams (within each marked
    # span, words as ../shared/tools/meter_eval.py reads them) found anywhere in the PA copy.
    found = []
    for annotation in annotations:
        copy = _trigrams(_WORD.findall(" ".join(pa_of[annotation.story]).lower()))
        marked = [
            _trigrams(_WORD.findall(annotation.text[start:end].lower()))
            for start, end, label in annotation.spans
            if label == "Verbatim"
        ]
        total = sum(len(grams) for grams in marked)
        if total >= 10:
            found.append(sum(len(grams & copy) for grams in marked) / total)
    quantiles = np.percentile(found, [10, 25, 50])
    print(
        f"annotators' Verbatim 3-grams found in the PA copy ({len(found)} articles with 10 or more): median "
        f"{quantiles[2]:.2f}, quartile {quantiles[1]:.2f}, tenth percentile {quantiles[0]:.2f}; under half in "
        f"{sum(share < 0.5 for share in found)}"
    )
    slope, intercept = np.polyfit(predicted, gold, 1)
    residual = gold - (slope * predicted + intercept)
    print(f"furthest from the fitted line (gold = {slope:.2f} * diff + {intercept:.2f}):")
    for k in np.argsort(-np.abs(residual))[: args.worst].tolist():
        name, label, people, ours, kinds = rows[k]
        print(f"  {name:28s} {label:9s} annotators {people:.2f}  diff {ours:.2f}  links {kinds}")


if __name__ == "__main__":
    main()
