"""Confusion-matrix rates, F1 and ROC/AUC as plain, JSON-ready Python values.

Every number leaves this module as a Python ``float``/``int`` (or ``None`` when
it is undefined), so the result can be written with :func:`json.dumps` as is.
"""

from __future__ import annotations

import logging
import math
import warnings

import numpy as np
from sklearn.metrics import confusion_matrix as sk_confusion_matrix
from sklearn.metrics import f1_score, roc_auc_score, roc_curve

__all__ = ["classification_metrics", "rates_table"]

logger = logging.getLogger(__name__)

_ROC_DECIMALS = 6


def _ratio(numerator, denominator):
    """``numerator / denominator`` as a float, or ``None`` when the denominator is 0.

    Written by hand because numpy division warns and yields NaN, and NaN is not
    valid JSON; an undefined rate must read as "no value" in the report.
    """
    if denominator == 0:
        return None
    return float(numerator) / float(denominator)


def _mean_defined(values):
    """Mean of the values that are not ``None``; ``None`` when none is defined."""
    defined = [v for v in values if v is not None]
    if not defined:
        return None
    return float(sum(defined) / len(defined))


def _binary_rates(tn, fp, fn, tp):
    total = tn + fp + fn + tp
    return {
        "accuracy": _ratio(tp + tn, total),
        "misclassification_rate": _ratio(fp + fn, total),
        "tpr": _ratio(tp, tp + fn),
        "fnr": _ratio(fn, tp + fn),
        "fpr": _ratio(fp, fp + tn),
        "tnr": _ratio(tn, fp + tn),
        "precision": _ratio(tp, tp + fp),
        "prevalence": _ratio(tp + fn, total),
    }


def _check_confusion_matrix(confusion_matrix):
    cm = np.asarray(confusion_matrix)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] < 2:
        raise ValueError(
            f"confusion_matrix must be a square K x K table with K >= 2 "
            f"(rows = true class, columns = predicted class), but got shape {cm.shape}. "
            "Build it with sklearn.metrics.confusion_matrix(y_true, y_pred, labels=classes)."
        )
    if not np.issubdtype(cm.dtype, np.number) or not np.all(np.isfinite(cm)):
        raise ValueError(
            "confusion_matrix must hold finite counts, but got "
            f"{cm.tolist()!r}. Pass the integer counts of each (true, predicted) pair."
        )
    if np.any(cm < 0) or np.any(cm != np.round(cm)):
        raise ValueError(
            f"confusion_matrix must hold non-negative whole counts, but got {cm.tolist()!r}. "
            "Pass counts, not normalised rates."
        )
    return cm.astype(np.int64)


def rates_table(confusion_matrix):
    """Rates derived from a confusion matrix (rows = true, columns = predicted).

    For a 2 x 2 matrix the order is ``[negative, positive]``, so its cells are
    ``[[TN, FP], [FN, TP]]``. A rate whose denominator is zero is ``None``.

    For a K x K matrix (K > 2) each class is scored one-vs-rest; the headline
    ``tpr``, ``fnr``, ``fpr``, ``tnr`` and ``precision`` are the macro averages
    over the classes where the rate is defined, ``prevalence`` is ``None`` (its
    macro average would always be 1/K; see each class's), while
    ``accuracy`` and ``misclassification_rate`` are the overall ones (trace over
    total): the macro mean of one-vs-rest accuracies counts every correct
    prediction K times and would flatter the model. Per-class rates, each with
    its own one-vs-rest accuracy, are under ``per_class``, keyed by column index
    as a string.

    Parameters
    ----------
    confusion_matrix : array-like of shape (K, K)
        Counts; ``confusion_matrix[i, j]`` is the number of rows of true class
        ``i`` predicted as class ``j``.

    Returns
    -------
    rates : dict
        ``accuracy``, ``misclassification_rate``, ``tpr`` (sensitivity, recall),
        ``fnr``, ``fpr``, ``tnr`` (specificity), ``precision`` and
        ``prevalence``, each a float or ``None``; for K > 2 also ``per_class``.

    Examples
    --------
    >>> rates = rates_table([[50, 10], [5, 35]])
    >>> rates["accuracy"], rates["tpr"], rates["precision"]
    (0.85, 0.875, 0.7777777777777778)
    >>> rates_table([[3, 0], [0, 0]])["tpr"] is None
    True
    """
    cm = _check_confusion_matrix(confusion_matrix)
    if cm.shape == (2, 2):
        tn, fp, fn, tp = (int(v) for v in cm.ravel())
        return _binary_rates(tn, fp, fn, tp)

    total = int(cm.sum())
    per_class = {}
    for k in range(cm.shape[0]):
        tp = int(cm[k, k])
        fn = int(cm[k, :].sum()) - tp
        fp = int(cm[:, k].sum()) - tp
        tn = total - tp - fn - fp
        per_class[str(k)] = _binary_rates(tn, fp, fn, tp)

    correct = int(np.trace(cm))
    rates = {
        "accuracy": _ratio(correct, total),
        "misclassification_rate": _ratio(total - correct, total),
    }
    for key in ("tpr", "fnr", "fpr", "tnr", "precision"):
        rates[key] = _mean_defined(r[key] for r in per_class.values())
    # The macro mean of the classes' prevalences is always 1/K and says nothing;
    # each class's prevalence is under ``per_class``.
    rates["prevalence"] = None
    rates["per_class"] = per_class
    return rates


def _finite_or_none(value):
    value = float(value)
    return value if math.isfinite(value) else None


def _curve(y_binary, score):
    """ROC points for one positive class, thinned and rounded for the report."""
    fpr, tpr, _ = roc_curve(y_binary, score, drop_intermediate=True)
    return {
        "fpr": [round(float(v), _ROC_DECIMALS) for v in fpr],
        "tpr": [round(float(v), _ROC_DECIMALS) for v in tpr],
    }


def _one_vs_rest_roc(y_true, proba, classes, columns):
    """AUC and ROC curve of each class in ``columns``, scored against the rest.

    Returns ``(auc_by_label, curve_by_label)``; a class absent from ``y_true``
    (or the only class present) has AUC ``None`` and no curve, with a warning.
    """
    aucs, curves, undefined = {}, {}, []
    for col in columns:
        label = str(classes[col])
        y_binary = y_true == classes[col]
        if y_binary.all() or not y_binary.any():
            aucs[label] = None
            undefined.append(label)
            continue
        aucs[label] = _finite_or_none(roc_auc_score(y_binary, proba[:, col]))
        curves[label] = _curve(y_binary, proba[:, col])
    if undefined:
        present = sorted({str(v) for v in y_true})
        warnings.warn(
            f"ROC AUC is undefined for class(es) {undefined}: y_true holds only "
            f"{present}, and a ROC curve needs both positive and negative rows. "
            "Those AUCs are reported as None; score on a split that holds every class.",
            UserWarning,
            stacklevel=3,
        )
    return aucs, curves


def _check_inputs(y_true, y_pred, proba, classes, positive_label):
    classes = list(classes)
    if len(classes) < 2:
        raise ValueError(
            f"classes must name at least two classes, but got {classes!r}. "
            "Pass the fitted model's classes_."
        )
    if len({str(c) for c in classes}) != len(classes):
        raise ValueError(
            f"classes must be distinct once written as text, but got {classes!r}. "
            "Rename the clashing labels."
        )
    # Native dtypes on purpose: scikit-learn cannot type an object array of ints.
    y_true = np.asarray(y_true).ravel()
    y_pred = np.asarray(y_pred).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true has {y_true.shape[0]} rows but y_pred has {y_pred.shape[0]}. "
            "Predict on the same rows you score."
        )
    if y_true.size == 0:
        raise ValueError("y_true is empty: there is nothing to score. Pass at least one row.")
    known = set(classes)
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        unknown = sorted({str(v) for v in np.unique(values) if v not in known})
        if unknown:
            raise ValueError(
                f"{name} holds label(s) {unknown} that are not in classes={classes!r}. "
                "Pass the model's classes_ in the order of the predict_proba columns."
            )
    if proba is not None:
        proba = np.asarray(proba, dtype=np.float64)
        if proba.shape != (y_true.shape[0], len(classes)):
            raise ValueError(
                f"proba must have shape (n_rows, n_classes) = "
                f"({y_true.shape[0]}, {len(classes)}), but got {proba.shape}. "
                "Pass predict_proba(X) of the rows being scored, one column per class."
            )
        if not np.all(np.isfinite(proba)):
            raise ValueError(
                "proba holds NaN or infinite scores; ROC AUC needs finite ones. "
                "Check the model's predict_proba output."
            )
    if positive_label is not None:
        if len(classes) != 2:
            raise ValueError(
                f"positive_label={positive_label!r} only applies to two classes, but got "
                f"{len(classes)} classes {classes!r}. Leave it as None for multiclass data."
            )
        if positive_label not in known:
            raise ValueError(
                f"positive_label={positive_label!r} is not one of classes={classes!r}. "
                "Pass one of them."
            )
    return y_true, y_pred, proba, classes


def classification_metrics(y_true, y_pred, proba, classes, *, positive_label=None):
    """Score predictions: confusion-matrix rates, F1, ROC AUC and ROC curves.

    Parameters
    ----------
    y_true : array-like of shape (n_rows,)
        True labels.
    y_pred : array-like of shape (n_rows,)
        Predicted labels.
    proba : array-like of shape (n_rows, n_classes) or None
        Class scores, one column per entry of ``classes`` in the same order
        (``predict_proba`` output). ``None`` leaves ``roc_auc`` as ``None`` and
        ``roc_curve`` empty.
    classes : sequence
        All class labels, in the order of the ``proba`` columns (``classes_``).
    positive_label : label, default=None
        Two classes only: the class counted as positive; ``classes[1]`` if None.

    Returns
    -------
    metrics : dict
        ``accuracy``, ``misclassification_rate``, ``tpr``, ``fnr``, ``fpr``,
        ``tnr``, ``precision``, ``prevalence`` (see :func:`rates_table`), ``f1``
        (of the positive class; macro for multiclass), ``roc_auc`` (macro
        one-vs-rest for multiclass), ``confusion_matrix`` (list of lists of int,
        rows = true, columns = predicted), ``labels`` (its row/column order as
        text; ``[negative, positive]`` for two classes), ``positive_label``
        (text, or ``None`` for multiclass), ``n_rows`` and ``roc_curve``
        (``{label: {"fpr": [...], "tpr": [...]}}`` for the positive class, or
        for every class one-vs-rest). Multiclass results also hold
        ``per_class``: ``{label: rates + {"f1", "roc_auc"}}``. Undefined
        values are ``None``.

    Examples
    --------
    >>> m = classification_metrics(["no", "yes", "yes", "no"], ["no", "yes", "no", "no"],
    ...                            [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]],
    ...                            ["no", "yes"])
    >>> m["labels"], m["confusion_matrix"], m["accuracy"], m["roc_auc"]
    (['no', 'yes'], [[2, 0], [1, 1]], 0.75, 1.0)
    """
    y_true, y_pred, proba, classes = _check_inputs(
        y_true, y_pred, proba, classes, positive_label
    )
    binary = len(classes) == 2
    if binary:
        positive = classes[1] if positive_label is None else positive_label
        negative = classes[0] if positive == classes[1] else classes[1]
        order = [negative, positive]
    else:
        positive = None
        order = classes

    cm = sk_confusion_matrix(y_true, y_pred, labels=order)
    rates = rates_table(cm)
    per_class_rates = rates.pop("per_class", None)

    if binary:
        f1 = f1_score(y_true, y_pred, labels=order, pos_label=positive,
                      average="binary", zero_division=np.nan)
    else:
        f1 = f1_score(y_true, y_pred, labels=order, average="macro", zero_division=np.nan)

    if proba is None:
        aucs, curves = {}, {}
    elif binary:
        aucs, curves = _one_vs_rest_roc(y_true, proba, classes, [classes.index(positive)])
    else:
        aucs, curves = _one_vs_rest_roc(y_true, proba, classes, range(len(classes)))
    roc_auc = _mean_defined(aucs.values()) if aucs else None

    result = dict(rates)
    result.update(
        f1=_finite_or_none(f1),
        roc_auc=roc_auc,
        confusion_matrix=[[int(v) for v in row] for row in cm],
        labels=[str(c) for c in order],
        positive_label=None if positive is None else str(positive),
        n_rows=int(y_true.shape[0]),
        roc_curve=curves,
    )
    if not binary:
        f1_each = f1_score(y_true, y_pred, labels=order, average=None, zero_division=np.nan)
        result["per_class"] = {
            str(label): {
                **per_class_rates[str(k)],
                "f1": _finite_or_none(f1_each[k]),
                "roc_auc": aucs.get(str(label)),
            }
            for k, label in enumerate(order)
        }
    return result
