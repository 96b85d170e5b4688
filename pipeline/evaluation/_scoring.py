"""The selection metrics: one score from labels and predicted probabilities.

Selection compares candidates on rows they were not fitted on (a fold's
validation part or the holdout split). Every metric here takes the probability
matrix, so the same predictions serve the models, the ensemble's greedy search and
the report. Binary metrics read the positive class; with more classes, ROC AUC and
average precision are one-vs-rest macro averages and F1 is the macro F1.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    log_loss,
    roc_auc_score,
)
from sklearn.preprocessing import label_binarize

__all__ = ["METRIC_LABELS", "better", "score_proba"]

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
        truth = y == classes[column]
        function = roc_auc_score if metric == "roc_auc" else average_precision_score
        return float(function(truth, proba[:, column]))
    if metric == "roc_auc":
        return float(roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=classes))
    present = np.isin(classes, y)  # a class absent from these rows has no precision curve
    truth = label_binarize(y, classes=classes)
    return float(average_precision_score(truth[:, present], proba[:, present], average="macro"))
