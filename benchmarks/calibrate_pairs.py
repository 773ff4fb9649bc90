"""Fit and check the constants of `dedup.pairs.PairsConfig` on the public evaluation sets.

Reproduces the shipped coefficients and prints the figures quoted in their comments:

1. rewritten-or-different: a logistic regression over `SENTENCE_FEATURES` on MSRP train (L2, C=1,
   standardised features), 10-fold stratified cross-validation (shuffled, seed 0) for accuracy and
   F1, then one fit on all of train folded back to raw-feature coefficients; also the accuracy of
   the shipped constants on all of train when the batch (the IDF fit) is cut into chunks;
2. graded similarity: least squares of the same features on STS Benchmark train news pairs
   (score / 5); STS dev news is used only to report Pearson r, never to fit;
3. document pairs: Pearson r of `DocumentPairScore.similarity` (and of alternatives) against
   SemEval-2022 Task 8 Overall (negated: lower Overall = more similar) and Lee 2005 ratings.

Needs ../shared/data (or DEDUP_DATA); prints and asserts nothing about the result.

    .venv/bin/python benchmarks/calibrate_pairs.py            # everything (a few minutes)
    .venv/bin/python benchmarks/calibrate_pairs.py --sentences  # MSRP and STS only
    .venv/bin/python benchmarks/calibrate_pairs.py --semantic   # the same with the embedding model
                                                                # (`make semantic` first; ~15 minutes)
"""

from __future__ import annotations

import argparse
import sys
import time
from itertools import combinations

import numpy as np
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from dedup.eval import accuracy_f1, data_root, load_lee, load_msrp, load_semeval, load_sts, pearson
from dedup.pairs import (
    SEMANTIC_SENTENCE_FEATURES,
    SENTENCE_FEATURES,
    PairsConfig,
    score_sentence_pairs,
    sentence_features,
)
from dedup.pipelines.pairs import score_document_pairs

# Inverse regularisation strength of the logistic regression, on standardised features. On MSRP
# train 10-fold CV accuracy moves by less than 0.005 for C from 0.1 to 10; 1 is sklearn's default.
REGULARISATION_C = 1.0
FOLDS = 10
SEED = 0


def _restates(labels: list[str]) -> np.ndarray:
    """1 where a label says B restates A (verbatim, edited, rewritten), 0 for different."""
    return np.array([label != "different" for label in labels], dtype=int)


def calibrate_rewritten(
    msrp_pairs, gold: np.ndarray, config: PairsConfig, features: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    """Cross-validate and fit the rewritten-or-different regression; return raw (intercept, weights)."""
    if features is None:
        features = sentence_features(msrp_pairs, config=config)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=REGULARISATION_C, max_iter=5000))
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    probability = cross_val_predict(model, features, gold, cv=folds, method="predict_proba")[:, 1]
    regression_only = (probability >= config.rewritten_probability).astype(int)
    ratio = features[:, SENTENCE_FEATURES.index("word_ratio")]
    with_edited = regression_only | (ratio >= config.edited_ratio)
    accuracy, f1 = accuracy_f1(gold, regression_only)
    print(f"MSRP train {FOLDS}-fold CV, regression alone:          accuracy {accuracy:.4f}  F1 {f1:.4f}")
    accuracy, f1 = accuracy_f1(gold, with_edited)
    print(f"MSRP train {FOLDS}-fold CV, labels (edited rule + regression): accuracy {accuracy:.4f}  F1 {f1:.4f}")
    always = accuracy_f1(gold, np.ones_like(gold))
    print(f"  always 'rewritten':                                accuracy {always[0]:.4f}  F1 {always[1]:.4f}")
    cosine = features[:, 0]
    baseline = cross_val_predict(
        LogisticRegression(max_iter=1000), cosine[:, None], gold, cv=folds
    )  # the best single threshold on TF-IDF cosine, found per fold
    accuracy, f1 = accuracy_f1(gold, baseline)
    print(f"  TF-IDF cosine threshold alone:                     accuracy {accuracy:.4f}  F1 {f1:.4f}")
    model.fit(features, gold)
    scaler, regression = model[0], model[1]
    weights = regression.coef_[0] / scaler.scale_
    intercept = float(regression.intercept_[0] - np.sum(regression.coef_[0] * scaler.mean_ / scaler.scale_))
    return intercept, weights


def calibrate_similarity(
    sts_train, config: PairsConfig, features: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    """Least squares of the features on STS train scores / 5; return (intercept, weights)."""
    if features is None:
        features = sentence_features([(p.text1, p.text2) for p in sts_train], config=config)
    target = np.array([p.score / 5.0 for p in sts_train])
    fit = LinearRegression().fit(features, target)
    return float(fit.intercept_), fit.coef_


def config_lines(prefix: str, intercept: float, weights: np.ndarray) -> list[str]:
    lines = [f"    {prefix}_intercept: float = {intercept:.4f}"]
    lines += [f"    {prefix}_{name}: float = {weight:.4f}" for name, weight in zip(SENTENCE_FEATURES, weights)]
    return lines


def fitted_config(rewritten: tuple[float, np.ndarray], similarity: tuple[float, np.ndarray]) -> PairsConfig:
    values = {"rewritten_intercept": rewritten[0], "similarity_intercept": similarity[0]}
    for name, weight in zip(SENTENCE_FEATURES, rewritten[1]):
        values[f"rewritten_{name}"] = float(weight)
    for name, weight in zip(SENTENCE_FEATURES, similarity[1]):
        values[f"similarity_{name}"] = float(weight)
    return PairsConfig(**values)


def check_sentences(root, config: PairsConfig, fitted: PairsConfig) -> None:
    msrp = load_msrp(root / "msrp")
    pairs = [(p.text1, p.text2) for p in msrp]
    gold = np.array([p.label for p in msrp], dtype=int)
    for name, candidate in (("shipped", config), ("just fitted", fitted)):
        for chunk in (len(pairs), 2000, 100, 1):
            start = time.perf_counter()
            labels = [
                s.label
                for i in range(0, len(pairs), chunk)
                for s in score_sentence_pairs(pairs[i : i + chunk], config=candidate)
            ]
            accuracy, f1 = accuracy_f1(gold, _restates(labels))
            seconds = time.perf_counter() - start
            print(
                f"MSRP train, {name} constants, batches of {chunk:>5}: "
                f"accuracy {accuracy:.4f}  F1 {f1:.4f}  ({seconds:.1f} s)"
            )
    counts = {label: labels.count(label) for label in ("verbatim", "edited", "rewritten", "different")}
    print(f"  labels (batches of 1): {counts}")
    dev = load_sts(root / "stsbenchmark", "dev", genre="main-news")
    dev_pairs = [(p.text1, p.text2) for p in dev]
    human = [p.score for p in dev]
    for name, candidate in (("shipped", config), ("just fitted", fitted)):
        scores = score_sentence_pairs(dev_pairs, config=candidate)
        print(
            f"STS-B dev news ({len(dev)} pairs), {name} similarity: "
            f"Pearson r {pearson([s.similarity for s in scores], human):.4f}"
        )
        probability = [s.features["rewritten_probability"] for s in scores]
        print(
            f"  (regression probability instead: {pearson(probability, human):.4f}; TF-IDF cosine: "
            f"{pearson([s.features['cosine'] for s in scores], human):.4f})"
        )


def check_documents(root) -> None:
    semeval = [p for p in load_semeval(root / "semeval2022-task8-en") if p.text1.strip() and p.text2.strip()]
    start = time.perf_counter()
    scores = score_document_pairs([(p.text1, p.text2) for p in semeval])
    seconds = time.perf_counter() - start
    closeness = [-p.score for p in semeval]
    _document_figures(f"SemEval-2022 Task 8 en ({len(semeval)} pairs, -Overall, {seconds:.0f} s)", scores, closeness)
    full = [k for k, p in enumerate(semeval) if p.full_text]
    _document_figures(f"  full-text pairs only ({len(full)})", [scores[k] for k in full], [closeness[k] for k in full])
    documents, ratings = load_lee(root / "lee-2005")
    index_pairs = list(combinations(range(len(documents)), 2))
    start = time.perf_counter()
    scores = score_document_pairs([(documents[i], documents[j]) for i, j in index_pairs])
    seconds = time.perf_counter() - start
    _document_figures(
        f"Lee 2005 ({len(index_pairs)} pairs, {seconds:.0f} s)", scores, [ratings[i, j] for i, j in index_pairs]
    )


def _document_figures(title: str, scores, human) -> None:
    similarity = [s.similarity for s in scores]
    cosine = [s.cosine for s in scores]
    coverage = [max(s.shared_a + s.rewritten_a, s.shared_b + s.rewritten_b) for s in scores]
    blend = [(c + v) / 2 for c, v in zip(cosine, coverage)]
    print(
        f"{title}: Pearson r similarity {pearson(similarity, human):.4f}  cosine {pearson(cosine, human):.4f}  "
        f"coverage {pearson(coverage, human):.4f}  mean(cosine, coverage) {pearson(blend, human):.4f}"
    )
    labels = [s.label for s in scores]
    print(f"  labels: { {label: labels.count(label) for label in dict.fromkeys(labels)} }")


def calibrate_semantic(root, config: PairsConfig) -> None:
    """Fit and check `PairsConfig.semantic_rewritten` and `semantic_similarity` with the embedding model."""
    from dedup.semantic import SentenceEncoder, semantic_features

    encoder = SentenceEncoder()

    def features_of(pairs):
        start = time.perf_counter()
        lexical = sentence_features(pairs, config=config)
        combined = np.hstack([lexical, semantic_features(pairs, encoder)])
        seconds = time.perf_counter() - start
        print(f"  features of {len(pairs)} pairs in {seconds:.0f} s ({len(pairs) / seconds:.1f} pairs/s)")
        return combined

    msrp = load_msrp(root / "msrp")
    msrp_pairs = [(p.text1, p.text2) for p in msrp]
    gold = np.array([p.label for p in msrp], dtype=int)
    rewritten = calibrate_rewritten(msrp_pairs, gold, config, features_of(msrp_pairs))
    sts_train = load_sts(root / "stsbenchmark", "train", genre="main-news")
    sts_features = features_of([(p.text1, p.text2) for p in sts_train])
    similarity = calibrate_similarity(sts_train, config, sts_features)
    print("\nPairsConfig semantic constants (paste into dedup/pairs.py), in SEMANTIC_SENTENCE_FEATURES order:")
    for name, (intercept, weights) in (("SEMANTIC_REWRITTEN", rewritten), ("SEMANTIC_SIMILARITY", similarity)):
        print(f"{name} = ({intercept:.4f}, " + ", ".join(f"{w:.4f}" for w in weights) + ")")
    print("  features:", ", ".join(SEMANTIC_SENTENCE_FEATURES))
    dev = load_sts(root / "stsbenchmark", "dev", genre="main-news")
    dev_features = features_of([(p.text1, p.text2) for p in dev])
    predicted = np.clip(similarity[0] + dev_features @ similarity[1], 0.0, 1.0)
    print(
        f"STS-B dev news ({len(dev)} pairs), fitted similarity: "
        f"Pearson r {pearson(predicted, [p.score for p in dev]):.4f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", action="store_true", help="only the sentence-level fits and checks")
    parser.add_argument("--documents", action="store_true", help="only the document-level checks")
    parser.add_argument("--semantic", action="store_true", help="only the fits with the embedding model")
    args = parser.parse_args(argv)
    root = data_root()
    if root is None:
        print("no evaluation data (../shared/data or DEDUP_DATA); nothing to calibrate", file=sys.stderr)
        return 1
    config = PairsConfig()
    if args.semantic:
        calibrate_semantic(root, config)
        return 0
    if not args.documents:
        msrp = load_msrp(root / "msrp")
        gold = np.array([p.label for p in msrp], dtype=int)
        rewritten = calibrate_rewritten([(p.text1, p.text2) for p in msrp], gold, config)
        similarity = calibrate_similarity(load_sts(root / "stsbenchmark", "train", genre="main-news"), config)
        print("\nPairsConfig constants (paste into dedup/pairs.py):")
        print("\n".join(config_lines("rewritten", *rewritten)))
        print("\n".join(config_lines("similarity", *similarity)))
        print()
        check_sentences(root, config, fitted_config(rewritten, similarity))
    if not args.sentences:
        check_documents(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
