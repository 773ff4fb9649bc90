"""Scores for comparing `dedup`'s output with the gold labels of the evaluation sets.

Pure functions over sequences of labels, scores or spans; nothing here reads files.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from dedup.errors import DedupError


def adjusted_rand(labels_true: ArrayLike, labels_pred: ArrayLike) -> float:
    """Adjusted Rand index between a gold clustering and a predicted one.

    Use it to score story clusters (e.g. on WikiRef220): 1.0 is a perfect match, about 0.0 is
    what random grouping scores, and it can go negative.

    Parameters
    ----------
    labels_true, labels_pred : array-like of hashable, shape (n,)
        Cluster label of each item; only which items share a label matters.

    Returns
    -------
    float
    """
    truth, predicted = _paired_labels(labels_true, labels_pred)
    from sklearn.metrics import adjusted_rand_score  # here: importing scikit-learn takes 1.3 s

    return float(adjusted_rand_score(truth, predicted))


def pairwise_prf(labels_true: ArrayLike, labels_pred: ArrayLike) -> tuple[float, float, float]:
    """Precision, recall and F1 over the pairs of items that a clustering puts together.

    A pair counts as predicted when both items share a predicted label, and as correct when they
    also share a gold label. This says which way a clustering errs (merging too much lowers
    precision, splitting lowers recall), which the adjusted Rand index does not. Computed from the
    contingency table, so it is linear in the number of items.

    Parameters
    ----------
    labels_true, labels_pred : array-like of hashable, shape (n,)
        Cluster label of each item.

    Returns
    -------
    precision, recall, f1 : float
        Precision is 1.0 when no pair is predicted (nothing claimed, nothing wrong) and recall is
        1.0 when the gold clustering has no pair; F1 is 0.0 when both precision and recall are 0.
    """
    truth, predicted = _paired_labels(labels_true, labels_pred)
    from sklearn.metrics.cluster import contingency_matrix

    table = contingency_matrix(truth, predicted, sparse=True)
    together_both = _pair_count(table.data)
    together_true = _pair_count(np.asarray(table.sum(axis=1)).ravel())
    together_pred = _pair_count(np.asarray(table.sum(axis=0)).ravel())
    precision = together_both / together_pred if together_pred else 1.0
    recall = together_both / together_true if together_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return float(precision), float(recall), float(f1)


def pearson(x: ArrayLike, y: ArrayLike) -> float:
    """Pearson correlation between two score sequences (the official STS and SemEval metric).

    Parameters
    ----------
    x, y : array-like of float, shape (n,)
        Paired scores, n >= 2.

    Returns
    -------
    float
        r in [-1, 1]; NaN when either sequence is constant, since r is then undefined.
    """
    first = _float_vector(x, "x")
    second = _float_vector(y, "y")
    if first.shape != second.shape:
        msg = f"x and y must have the same length, got {first.size} and {second.size}"
        raise DedupError(msg)
    if first.size < 2:
        msg = f"pearson needs at least 2 paired values, got {first.size}"
        raise DedupError(msg)
    first = first - first.mean()
    second = second - second.mean()
    spread = np.sqrt(np.dot(first, first) * np.dot(second, second))
    if spread == 0.0:
        return float("nan")
    return float(np.clip(np.dot(first, second) / spread, -1.0, 1.0))


def accuracy_f1(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[float, float]:
    """Accuracy and F1 of the positive class for binary decisions (the MSRP metrics).

    Parameters
    ----------
    y_true, y_pred : array-like of {0, 1} (bool or number), shape (n,)
        Gold and predicted decisions, 1 meaning positive (e.g. paraphrase).

    Returns
    -------
    accuracy, f1 : float
        F1 is 0.0 when there are no true positives (including when neither side has a positive).
    """
    truth = _binary_vector(y_true, "y_true")
    predicted = _binary_vector(y_pred, "y_pred")
    if truth.shape != predicted.shape:
        msg = f"y_true and y_pred must have the same length, got {truth.size} and {predicted.size}"
        raise DedupError(msg)
    if truth.size == 0:
        msg = "y_true and y_pred are empty"
        raise DedupError(msg)
    accuracy = float(np.mean(truth == predicted))
    true_positives = int(np.sum(truth & predicted))
    claimed = int(truth.sum() + predicted.sum())
    f1 = 2 * true_positives / claimed if true_positives else 0.0
    return accuracy, float(f1)


def span_overlap(found: tuple[int, int], gold: tuple[int, int], tolerance: int) -> bool:
    """Whether a found character span counts as finding a gold span.

    Spans are half-open ``(start, end)`` character offsets. The rule: the found span matches when
    its start and its end are each within `tolerance` characters of the gold span's, OR when the
    two spans overlap by at least half of the gold span's length (and by at least one character).
    The tolerance absorbs small offset drift (as in the damaged PAN copy); the overlap clause
    accepts a detection that is longer or shorter than the gold passage but covers most of it.

    Parameters
    ----------
    found, gold : tuple of int
        ``(start, end)`` with ``0 <= start <= end``.
    tolerance : int
        Allowed distance, in characters, for each boundary; >= 0.

    Returns
    -------
    bool
    """
    if tolerance < 0:
        msg = f"tolerance must be >= 0, got {tolerance}"
        raise DedupError(msg)
    for name, (start, end) in (("found", found), ("gold", gold)):
        if not 0 <= start <= end:
            msg = f"{name} span must be (start, end) with 0 <= start <= end, got {(start, end)}"
            raise DedupError(msg)
    if abs(found[0] - gold[0]) <= tolerance and abs(found[1] - gold[1]) <= tolerance:
        return True
    overlap = min(found[1], gold[1]) - max(found[0], gold[0])
    return overlap > 0 and 2 * overlap >= gold[1] - gold[0]


def _pair_count(sizes: ArrayLike) -> int:
    """Number of unordered pairs within groups of the given sizes."""
    counts = np.asarray(sizes, dtype=np.int64)
    return int(np.sum(counts * (counts - 1) // 2))


def _paired_labels(labels_true: ArrayLike, labels_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Check that two labelings cover the same non-empty list of items."""
    truth = np.asarray(labels_true)
    predicted = np.asarray(labels_pred)
    if truth.ndim != 1 or predicted.ndim != 1:
        msg = f"labels must be 1-D sequences, got shapes {truth.shape} and {predicted.shape}"
        raise DedupError(msg)
    if truth.size != predicted.size:
        msg = f"labels_true and labels_pred must have the same length, got {truth.size} and {predicted.size}"
        raise DedupError(msg)
    if truth.size == 0:
        msg = "labels_true and labels_pred are empty"
        raise DedupError(msg)
    return truth, predicted


def _float_vector(values: ArrayLike, name: str) -> np.ndarray:
    """A 1-D float array of finite values, or a DedupError naming the argument."""
    try:
        vector = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        msg = f"{name} must be a sequence of numbers"
        raise DedupError(msg) from None
    if vector.ndim != 1 or not np.all(np.isfinite(vector)):
        msg = f"{name} must be a 1-D sequence of finite numbers, got shape {vector.shape}"
        raise DedupError(msg)
    return vector


def _binary_vector(values: ArrayLike, name: str) -> np.ndarray:
    """A 1-D bool array from 0/1 values, or a DedupError naming the argument."""
    vector = _float_vector(values, name)
    if not np.all((vector == 0.0) | (vector == 1.0)):
        msg = f"{name} must hold only 0 and 1"
        raise DedupError(msg)
    return vector == 1.0
