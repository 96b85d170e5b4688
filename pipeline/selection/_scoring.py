"""The selection metrics: one score from labels and predicted probabilities.

Selection compares candidates on rows they were not fitted on (a fold's
validation part or the holdout split). Every metric here takes the probability
matrix, so the same predictions serve the models, the ensemble's greedy search and
the report. Binary metrics read the positive class; with more classes, ROC AUC and
average precision are one-vs-rest macro averages and F1 is the macro F1.

ROC AUC comes from ranks (:func:`rank_roc_auc`) rather than from scikit-learn's
:func:`~sklearn.metrics.roc_auc_score`, which validates its input and builds a whole
curve on every call: the ensemble's greedy selection and its cross-validation score
blends some 600 times per run, which took 0.87 s on a 1,000-row table, 0.13 s from
ranks. Permutation importance scores stacked shuffled copies at once the same way.
The values are the same (tested against scikit-learn).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import (
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    log_loss,
)
from sklearn.preprocessing import label_binarize

__all__ = ["METRIC_LABELS", "better", "rank_roc_auc", "score_proba"]

#: Metric name -> how the report names it.
METRIC_LABELS = {
    "roc_auc": "ROC AUC",
    "average_precision": "average precision",
    "f1": "F1",
    "balanced_accuracy": "balanced accuracy",
    "log_loss": "log loss",
}

# Log loss is the only metric where lower is better.
_LOWER_IS_BETTER = frozenset({"log_loss"})


def better(metric, score):
    """``score`` turned so that larger is better, for sorting; ``None`` sorts last.

    Examples
    --------
    >>> better("roc_auc", 0.8), better("log_loss", 0.3), better("f1", None)
    (0.8, -0.3, -inf)
    """
    if score is None:
        return -np.inf
    return -score if metric in _LOWER_IS_BETTER else score


def score_proba(metric, y, proba, classes, positive=None):
    """Score predicted probabilities against labels.

    Parameters
    ----------
    metric : str
        A key of :data:`METRIC_LABELS`.
    y : array-like of shape (n,)
        True labels.
    proba : array of shape (n, n_classes)
        Probabilities, columns in the order of ``classes``.
    classes : array-like
        The class labels.
    positive : label, optional
        The positive class of a binary task; default ``classes[1]``.

    Returns
    -------
    float or None
        ``None`` when the metric is undefined on these rows (a single class).

    Examples
    --------
    >>> import numpy as np
    >>> proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    >>> score_proba("roc_auc", [0, 1, 0, 1], proba, [0, 1])
    1.0
    >>> round(score_proba("balanced_accuracy", [0, 1, 1, 1], proba, [0, 1]), 4)
    0.8333
    """
    y = np.asarray(y)
    classes = np.asarray(classes)
    proba = np.asarray(proba, dtype=float)
    if len(np.unique(y)) < 2 and metric in ("roc_auc", "average_precision"):
        return None
    if metric == "log_loss":
        return float(log_loss(y, np.clip(proba, 1e-15, 1.0), labels=classes))
    if metric == "roc_auc":
        return float(rank_roc_auc(y, proba, classes, positive))
    predicted = classes[np.argmax(proba, axis=1)]
    if metric == "balanced_accuracy":
        return float(balanced_accuracy_score(y, predicted))
    binary = len(classes) == 2
    column = 1 if positive is None else int(np.flatnonzero(classes == positive)[0])
    if metric == "f1":
        if binary:
            return float(f1_score(y, predicted, pos_label=classes[column], zero_division=0.0))
        return float(f1_score(y, predicted, labels=classes, average="macro", zero_division=0.0))
    if binary:
        return float(average_precision_score(y == classes[column], proba[:, column]))
    present = np.isin(classes, y)  # a class absent from these rows has no precision curve
    truth = label_binarize(y, classes=classes)
    return float(average_precision_score(truth[:, present], proba[:, present], average="macro"))


def rank_roc_auc(y, proba, classes, positive=None):
    """ROC AUC of one or many probability matrices, from ranks (Mann-Whitney U).

    The AUC of a score is the chance that a random row of the class outranks a
    random row of another, ties counting half: ``(R - P (P + 1) / 2) / (P N)`` with
    ``R`` the sum of the class rows' average ranks, ``P`` and ``N`` the row counts.
    Two classes: the AUC of ``positive``; more: the mean over the classes present
    in ``y`` of each against the rest, as scikit-learn's macro one-vs-rest.

    Parameters
    ----------
    y : array-like of shape (n_rows,)
        Labels, at least two classes.
    proba : array of shape (..., n_rows, n_classes)
        Probabilities, columns in the order of ``classes``; leading axes are copies.
    classes : array-like
        The class labels.
    positive : label, optional
        The positive class of a binary task; default ``classes[1]``.

    Returns
    -------
    float or ndarray of shape proba.shape[:-2]

    Examples
    --------
    >>> proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.4, 0.6]])
    >>> float(rank_roc_auc(["n", "y", "n", "n"], proba, ["n", "y"]))
    1.0
    >>> float(rank_roc_auc(["n", "y", "n", "n"], proba, ["n", "y"], positive="n"))
    1.0
    """
    y, classes, proba = np.asarray(y), np.asarray(classes), np.asarray(proba, dtype=float)
    if len(classes) == 2:
        targets = [classes[1] if positive is None else positive]
    else:
        targets = [label for label in classes if np.any(y == label)]
    aucs = []
    for label in targets:
        truth = y == label
        n_pos = truth.sum()
        ranks = rankdata(proba[..., np.flatnonzero(classes == label)[0]], axis=-1)
        aucs.append((ranks[..., truth].sum(axis=-1) - n_pos * (n_pos + 1) / 2) / (n_pos * (len(y) - n_pos)))
    return np.mean(aucs, axis=0)
