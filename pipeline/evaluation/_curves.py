"""Curves of a binary classifier's scores: precision-recall, calibration, thresholds.

Each function returns plain, JSON-ready Python values (lists of floats, ``None``
where a value is undefined), so the curves can be stored in ``metrics.json``
and drawn again later without the model.
"""

from __future__ import annotations

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, precision_recall_curve

__all__ = ["binary_curves", "f1_optimal_threshold", "threshold_table"]

_DECIMALS = 6
_MAX_POINTS = 400  # points kept of a precision-recall curve: enough to draw, small to store
_THRESHOLD_STEPS = 101  # thresholds 0.00, 0.01, ..., 1.00 in the threshold view
_CALIBRATION_BINS = 10


def _rounded(values):
    return [round(float(v), _DECIMALS) for v in values]


def _check_binary(y_true, score):
    y_true = np.asarray(y_true).ravel().astype(bool)
    score = np.asarray(score, dtype=np.float64).ravel()
    if y_true.shape != score.shape:
        raise ValueError(
            f"y_true has {y_true.shape[0]} rows but score has {score.shape[0]}. "
            "Pass the positive-class probability of the same rows."
        )
    if not np.all(np.isfinite(score)):
        raise ValueError("score holds NaN or infinite values; pass finite probabilities.")
    if y_true.all() or not y_true.any():
        raise ValueError(
            "y_true must hold both positive and negative rows for a curve, but holds only "
            f"{'positive' if y_true.any() else 'negative'} ones. Score a split with both classes."
        )
    return y_true, score


def _thin(*arrays, limit=_MAX_POINTS):
    """Every k-th point of parallel arrays, always keeping both ends."""
    n = len(arrays[0])
    if n <= limit:
        return arrays
    keep = np.unique(np.linspace(0, n - 1, limit).round().astype(int))
    return tuple(np.asarray(a)[keep] for a in arrays)


def threshold_table(y_true, score, *, steps=_THRESHOLD_STEPS):
    """TPR, FPR, precision and F1 when rows with ``score >= threshold`` are called positive.

    Parameters
    ----------
    y_true : array-like of bool, shape (n_rows,)
        True when the row belongs to the positive class.
    score : array-like of shape (n_rows,)
        The positive class's probability.
    steps : int, default=101
        Evenly spaced thresholds from 0 to 1.

    Returns
    -------
    table : dict
        ``threshold``, ``tpr``, ``fpr``, ``precision`` and ``f1``, lists of equal
        length; precision (and F1) is ``None`` where no row is called positive.

    Examples
    --------
    >>> t = threshold_table([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], steps=3)
    >>> t["threshold"], t["tpr"], t["fpr"], t["precision"]
    ([0.0, 0.5, 1.0], [1.0, 0.5, 0.0], [1.0, 0.5, 0.0], [0.5, 0.5, None])
    """
    y_true, score = _check_binary(y_true, score)
    thresholds = np.linspace(0.0, 1.0, steps)
    positives, negatives = int(y_true.sum()), int((~y_true).sum())
    # Rows at or above each threshold, counted by binary search on the sorted scores.
    pos_sorted, neg_sorted = np.sort(score[y_true]), np.sort(score[~y_true])
    tp = positives - np.searchsorted(pos_sorted, thresholds, side="left")
    fp = negatives - np.searchsorted(neg_sorted, thresholds, side="left")
    fn = positives - tp
    called = tp + fp
    precision = [None if c == 0 else round(float(t / c), _DECIMALS) for t, c in zip(tp, called)]
    f1 = [None if c == 0 else round(float(2 * t / (2 * t + f + n)), _DECIMALS)
          for t, f, n, c in zip(tp, fp, fn, called)]
    return {
        "threshold": _rounded(thresholds),
        "tpr": _rounded(tp / positives),
        "fpr": _rounded(fp / negatives),
        "precision": precision,
        "f1": f1,
    }


def f1_optimal_threshold(y_true, score):
    """The threshold on ``score`` that maximises F1 of the positive class.

    Find it on rows the model was not fitted on and that the final score is not
    measured on (validation or out-of-fold predictions), never on the test rows.

    Parameters
    ----------
    y_true : array-like of bool, shape (n_rows,)
    score : array-like of shape (n_rows,)

    Returns
    -------
    threshold : float
        Rows with ``score >= threshold`` are called positive.

    Examples
    --------
    >>> f1_optimal_threshold([0, 0, 1, 1, 0], [0.1, 0.2, 0.35, 0.8, 0.3])
    0.35
    """
    y_true, score = _check_binary(y_true, score)
    precision, recall, thresholds = precision_recall_curve(y_true, score)
    # The last point (recall 0, precision 1) has no threshold.
    denominator = precision[:-1] + recall[:-1]
    f1 = np.divide(2 * precision[:-1] * recall[:-1], denominator,
                   out=np.zeros_like(denominator), where=denominator > 0)
    # Not rounded: a rounded threshold could move past the score it was cut at.
    return float(thresholds[int(np.argmax(f1))])


def binary_curves(y_true, score):
    """Precision-recall curve, average precision, calibration and threshold data.

    Parameters
    ----------
    y_true : array-like of bool, shape (n_rows,)
        True when the row belongs to the positive class.
    score : array-like of shape (n_rows,)
        The positive class's probability.

    Returns
    -------
    curves : dict
        ``average_precision``; ``pr_curve`` (``precision``, ``recall``, at most
        400 points); ``calibration`` (``prob_pred``, ``prob_true``, ``count`` per
        non-empty bin of 10 equal-width probability bins); ``thresholds`` (see
        :func:`threshold_table`).

    Examples
    --------
    >>> curves = binary_curves([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> curves["average_precision"], curves["calibration"]["count"]
    (0.8333333333333333, [1, 2, 1])
    """
    y_true, score = _check_binary(y_true, score)
    precision, recall, _ = precision_recall_curve(y_true, score)
    precision, recall = _thin(precision, recall)
    prob_true, prob_pred = calibration_curve(y_true, score, n_bins=_CALIBRATION_BINS,
                                             strategy="uniform")
    edges = np.linspace(0.0, 1.0, _CALIBRATION_BINS + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], score),
                         minlength=_CALIBRATION_BINS)
    return {
        "average_precision": float(average_precision_score(y_true, score)),
        "pr_curve": {"precision": _rounded(precision), "recall": _rounded(recall)},
        "calibration": {"prob_pred": _rounded(prob_pred), "prob_true": _rounded(prob_true),
                        "count": [int(c) for c in counts[counts > 0]]},
        "thresholds": threshold_table(y_true, score),
    }
