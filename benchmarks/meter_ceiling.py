"""How far lexical features can take `flag` and `diff` on METER dev: classifiers fitted on the
features dedup already computes, scored leave-one-day-out, beside the shipped rules.

- flag: per newspaper article, its flag's phrase containment, derivation score, verbatim / edited /
  rewritten shares (characters and sentences), copied quotations, length and best source cosine;
  gradient boosting, a random forest and a balanced logistic regression, grouped by day.
- diff: per annotated newspaper sentence (gold as `dedup eval meter` reads it), the diff's link
  class and similarity and the sentence's word 1-, 2- and 3-gram coverage by the PA copy (whole and
  linked sentence); the same models, grouped by day; and a linear regression of each article's
  derived share on those features averaged per article, scored by Pearson r; and, for the
  sentence's best similarity to any PA sentence (the alignment's lexical similarity, and with
  `--semantic` the cosine of all-mpnet-base-v2 sentence embeddings), the best macro-F1 that two
  thresholds on that one score reach in-sample (Verbatim above the first, Rewrite above the
  second): an upper bound for any rule on that score.

    .venv/bin/python benchmarks/meter_ceiling.py [--semantic]   (--semantic: after `make semantic`)

If the fitted models do not beat the shipped rules, the targets need other evidence than these
features (meaning, or the annotators' article-level judgement), not other thresholds.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import GroupKFold, cross_val_predict  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from dedup import diff  # noqa: E402
from dedup.eval import data_root  # noqa: E402
from dedup.eval.loaders import load_meter  # noqa: E402
from dedup.eval.run import (  # noqa: E402
    METER_DERIVATION_LABELS,
    _macro_f1,
    meter_gold_share,
    meter_scored_sentences,
    meter_sentence_labels,
)
from dedup.model import Article  # noqa: E402
from dedup.pipelines.flag import flag_articles  # noqa: E402
from dedup.score import pair_space  # noqa: E402
from dedup.text import prepare  # noqa: E402

KINDS = ("verbatim", "edited", "quote", "rewritten", "only-in-B")


def models() -> list:
    return [
        GradientBoostingClassifier(max_depth=2, random_state=0),
        RandomForestClassifier(300, min_samples_leaf=5, random_state=0),
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000, class_weight="balanced")),
    ]


def flag_ceiling(texts) -> None:
    days = defaultdict(list)
    for text in texts:
        days[text.day].append(text)
    rows, gold, day_of, shipped = [], [], [], []
    for day, batch in sorted(days.items()):
        wire = [Article(id=t.id, text=t.text) for t in batch if t.kind == "pa"]
        papers = [t for t in batch if t.kind == "newspaper"]
        if not wire or not papers:
            continue
        for text, flag in zip(papers, flag_articles([Article(id=t.id, text=t.text) for t in papers], wire=wire).flags):
            c, s = flag.characters, flag.sentences
            rows.append(
                [flag.containment, flag.score, c.verbatim, c.edited, c.rewritten, s.verbatim, s.edited, s.rewritten]
                + [flag.quotes.copied_characters, np.log1p(flag.sentence_count)]
                + [max((source.cosine for source in flag.sources), default=0.0), len(flag.sources)]
            )
            gold.append(METER_DERIVATION_LABELS[text.derivation])
            day_of.append(day)
            shipped.append(flag.derivation)
    features, labels = np.array(rows), np.array(gold)
    print(f"flag, {len(labels)} articles: shipped rules macro-F1 {f1_score(labels, shipped, average='macro'):.3f}")
    for model in models():
        predicted = cross_val_predict(model, features, labels, groups=day_of, cv=GroupKFold(len(set(day_of))))
        derived = np.mean((labels != "non-derived") == (predicted != "non-derived"))
        name = type(model).__name__ if not hasattr(model, "steps") else "LogisticRegression"
        print(
            f"  {name}: leave-one-day-out macro-F1 {f1_score(labels, predicted, average='macro'):.3f}, "
            f"derived-or-not {derived:.3f}"
        )


def _covered(words: list[str], grams: set[tuple[str, ...]], n: int) -> float:
    hit = [False] * len(words)
    for i in range(len(words) - n + 1):
        if tuple(words[i : i + n]) in grams:
            hit[i : i + n] = [True] * n
    return sum(hit) / max(1, len(words))


def _grams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def best_two_thresholds(score: np.ndarray, labels: np.ndarray) -> tuple[float, float, float]:
    """The best sentence macro-F1 of "Verbatim at `score` >= high, Rewrite at >= low, else New",
    over thresholds at 60 quantiles of `score` (in-sample), with those two thresholds."""
    classes = ("Verbatim", "Rewrite", "New")
    cuts = np.quantile(score, np.linspace(0.05, 0.98, 60))
    best = (0.0, 0.0, 0.0)
    for k, high in enumerate(cuts):
        for low in cuts[:k]:
            guess = np.where(score >= high, "Verbatim", np.where(score >= low, "Rewrite", "New"))
            value = _macro_f1(list(labels), list(guess), classes)
            if value > best[0]:
                best = (value, float(high), float(low))
    return best


def best_match_scores(pairs: list[tuple[object, object]], kept_of: list[list[int]], encoder=None) -> dict:
    """Per kept B sentence (in order), its best similarity to any sentence of A: `lexical` (the
    alignment's sentence similarity) and, given the `semantic` extra's `encoder`, `embedding`
    (all-mpnet-base-v2 cosine)."""
    scores: dict[str, list[float]] = {"lexical": []}
    for (a, b), kept in zip(pairs, kept_of):
        similarity = pair_space(a, b).similarity(a, b)
        scores["lexical"] += [float(similarity[:, j].max(initial=0.0)) for j in kept]
    if encoder is not None:
        texts = sorted({s.text for a, b in pairs for s in (*a.sentences, *b.sentences)})
        vectors = dict(zip(texts, (e.embedding for e in encoder.encode(texts))))
        scores["embedding"] = []
        for (a, b), kept in zip(pairs, kept_of):
            block = np.array([vectors[s.text] for s in a.sentences]).reshape(len(a.sentences), -1)
            scores["embedding"] += [float((block @ vectors[b.sentences[j].text]).max(initial=0.0)) for j in kept]
    return scores


def diff_ceiling(texts, annotations, encoder=None) -> None:
    pa_of = defaultdict(list)
    for text in texts:
        if text.kind == "pa":
            pa_of[text.story].append(text.text)
    rows, gold, shipped, day_of, article_of = [], [], [], [], []
    share_gold, share_shipped, pairs, kept_of = [], [], [], []
    for number, annotation in enumerate(annotations):
        source = Article(id=f"{number}_pa", text="\n\n".join(pa_of.get(annotation.story, [])))
        paper = Article(id=f"{number}_{annotation.id}", text=annotation.text)
        result = diff(source, paper)
        labels, predicted, derived_share = meter_sentence_labels(annotation, result)
        share_gold.append(meter_gold_share(annotation))
        share_shipped.append(derived_share)
        alignment = result.alignment
        a_words = [w for s in alignment.a_sentences for w in s.words]
        a_grams = {n: _grams(a_words, n) for n in (1, 2, 3)}
        link_of = {j: link for link in alignment.links if link.a for j in link.b}
        kept = [sentence for sentence, _ in meter_scored_sentences(annotation, result)]
        pairs.append((prepare(source), prepare(paper)))
        kept_of.append([sentence.index for sentence in kept])
        for sentence, label, guess in zip(kept, labels, predicted):
            words = list(sentence.words)
            link = link_of.get(sentence.index)
            linked = [w for i in (link.a if link else ()) for w in alignment.a_sentences[i].words]
            rows.append(
                [link.similarity if link else 0.0, len(words), sentence.quote_share]
                + [_covered(words, a_grams[n], n) for n in (1, 2, 3)]
                + [_covered(words, _grams(linked, 3), 3), _covered(words, set((w,) for w in linked), 1)]
                + [float((link.kind if link else "only-in-B") == kind) for kind in KINDS]
            )
            gold.append(label)
            shipped.append(guess)
            day_of.append(annotation.story.split("/")[1])
            article_of.append(number)
    features, labels = np.array(rows), np.array(gold)
    classes = ("Verbatim", "Rewrite", "New")
    print(
        f"diff, {len(labels)} sentences: shipped macro-F1 {_macro_f1(list(labels), shipped, classes):.3f}, "
        f"derived-share r {np.corrcoef(share_gold, share_shipped)[0, 1]:.3f}"
    )
    for model in models():
        predicted = cross_val_predict(model, features, labels, groups=day_of, cv=GroupKFold(5))
        name = type(model).__name__ if not hasattr(model, "steps") else "LogisticRegression"
        print(f"  {name}: leave-days-out (5 folds) macro-F1 {_macro_f1(list(labels), list(predicted), classes):.3f}")
    per_article = defaultdict(list)
    for row, article in zip(features, article_of):
        per_article[article].append(row)
    articles = sorted(per_article)
    means = np.array([np.mean(per_article[a], axis=0) for a in articles])
    target = np.array([share_gold[a] for a in articles])
    groups = [annotations[a].story.split("/")[1] for a in articles]
    fitted = cross_val_predict(LinearRegression(), means, target, groups=groups, cv=GroupKFold(5))
    print(f"  LinearRegression of the derived share: leave-days-out r {np.corrcoef(target, fitted)[0, 1]:.3f}")
    for name, score in best_match_scores(pairs, kept_of, encoder).items():
        score = np.array(score)
        spread = "; ".join(
            f"{label} median {np.median(score[labels == label]):.2f} "
            f"(10-90%: {np.percentile(score[labels == label], 10):.2f}-{np.percentile(score[labels == label], 90):.2f})"
            for label in classes
        )
        value, high, low = best_two_thresholds(score, labels)
        print(f"  best {name} similarity to a PA sentence: {spread}")
        print(f"    two thresholds, in-sample: macro-F1 {value:.3f} (Verbatim >= {high:.2f}, Rewrite >= {low:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--semantic", action="store_true", help="add the embedding model's similarity (make semantic)")
    args = parser.parse_args()
    root = data_root()
    if root is None:
        raise SystemExit("../shared/data not found (set DEDUP_DATA)")
    encoder = None
    if args.semantic:  # loaded first: a missing extra is said at once, not after the flag figures
        from dedup import DedupError
        from dedup.semantic import SentenceEncoder

        try:
            encoder = SentenceEncoder(batch_size=64)
        except DedupError as error:
            raise SystemExit(str(error)) from None
    texts, annotations = load_meter(root / "meter-dev")
    flag_ceiling(texts)
    diff_ceiling(texts, annotations, encoder)


if __name__ == "__main__":
    main()
