"""What the report shows per model: confusion matrices, rates, search trials, diagnostics figures;
and the figures and tables that compare models on the test split.
"""

from __future__ import annotations

from ..record import Activation, CrossValidation, Curves, Scores, Threshold
from ._deferred import draw
from ._page import compact_json

__all__ = ["PER_CLASS_COLUMNS", "RATE_ROWS", "article_rows", "decision_text", "model_section", "roc_figures"]

# The rows of the rates table: fields of :class:`~pipeline.record.Scores`.
RATE_ROWS = (
    ("accuracy", "Accuracy"),
    ("misclassification_rate", "Misclassification rate"),
    ("tpr", "True positive rate (sensitivity, recall)"),
    ("fnr", "False negative rate"),
    ("fpr", "False positive rate"),
    ("tnr", "True negative rate (specificity)"),
    ("precision", "Precision"),
    ("prevalence", "Prevalence"),
    ("f1", "F1"),
    ("roc_auc", "ROC AUC"),
)
PER_CLASS_COLUMNS = (("tpr", "TPR"), ("fpr", "FPR"), ("precision", "Precision"),
                     ("f1", "F1"), ("roc_auc", "ROC AUC"), ("prevalence", "Prevalence"))
_SPLITS = (("validation", "Validation"), ("test", "Test"))
_THRESHOLD_HOW = {
    "default": "the default: the more probable class",
    "config": "set in the configuration",
    "auto": "F1-optimal on the selection data, never on the test split",
}


def _rates(scores):
    return {key: getattr(scores, key) for key, _ in RATE_ROWS}


def model_section(index, name, model, best, make):
    """The report's section of one model (a :class:`~pipeline.record.ModelRecord`)."""
    splits = []
    for key, label in _SPLITS:
        scores = getattr(model, key)
        if not scores or scores.confusion_matrix is None:
            continue
        per_class = scores.per_class or {}
        splits.append({
            "label": label,
            "labels": scores.labels or [],
            "matrix": scores.confusion_matrix,
            "n_rows": scores.n_rows,
            "positive": scores.positive_label,
            "figure": make(draw.confusion_matrix_figure, scores.confusion_matrix,
                           scores.labels or [], title=f"{name}: {label.lower()}"),
            "per_class": [
                {"label": label_, "cells": [values.get(k) for k, _ in PER_CLASS_COLUMNS]}
                for label_, values in per_class.items()
            ],
        })
    rate_columns = [(label, _rates(getattr(model, key))) for key, label in _SPLITS if getattr(model, key)]
    return {
        **_diagnostics_section(name, model, make),
        "id": f"model-{index}",
        "name": name,
        "best": name == best,
        "params": [(key, value if isinstance(value, str) else compact_json(value))
                   for key, value in (model.params or {}).items()],
        "fit_time_s": model.fit_time_s,
        # runs before cross-validated selection scored candidates by validation ROC AUC
        "search_metric": (model.cv or CrossValidation()).metric,
        "search": [
            {"params": compact_json(trial.params or {}),
             # runs before cross-validated selection recorded a validation ROC AUC instead
             "auc": trial.cv_mean if "cv_mean" in trial else trial.get("validation_roc_auc"),
             "fit_time_s": trial.fit_time_s,
             # left behind by the race: its mean covers only the first folds
             "folds": len(trial.fold_scores or []) if trial.stopped else None}
            for trial in model.search or []
        ],
        "splits": splits,
        "rate_columns": [label for label, _ in rate_columns],
        "rates": [
            {"label": text, "cells": [rates[key] for _, rates in rate_columns]}
            for key, text in RATE_ROWS
        ],
    }


#: Importance rows shown open; the rest of the columns fold into a <details>.
IMPORTANCE_ROWS = 15


def _diagnostics_section(name, model, make):
    """Per model: importance, precision-recall, calibration, threshold and activation figures."""
    importance = model.importance
    curves = model.curves or Curves()
    threshold = model.threshold or Threshold()
    chosen = threshold.value
    prevalence = (model.test or Scores()).prevalence
    section = {"importance": None, "curves": None, "threshold": None,
               "activation": _activation_section(name, model.activation, make)}
    if chosen is not None:
        section["threshold"] = {"value": chosen, "how": _THRESHOLD_HOW.get(threshold.source, "")}
    if importance and importance.columns:
        section["importance"] = {
            **importance,
            "top": importance.columns[:IMPORTANCE_ROWS],
            "rest": importance.columns[IMPORTANCE_ROWS:],
            "figure": make(draw.importance_figure, importance.columns,
                           scoring=importance.scoring or "roc_auc",
                           title=f"{name}: permutation importance"),
        }
    if curves.pr_curve:
        section["curves"] = {
            "average_precision": curves.average_precision,
            "n_bins": len(curves.calibration["prob_pred"]),
            "figures": [
                make(draw.precision_recall_figure,
                     {**curves.pr_curve, "average_precision": curves.average_precision},
                     name=name, prevalence=prevalence, title=f"{name}: precision-recall"),
                make(draw.calibration_figure, curves.calibration, name=name,
                     title=f"{name}: calibration"),
                make(draw.threshold_figure, curves.thresholds, chosen=chosen,
                     title=f"{name}: threshold"),
            ],
        }
    return section


def _activation_section(name, activation, make):
    """The class activation figure of a convolutional model, or None for any other model."""
    activation = activation or Activation()
    if not activation.series:
        return None
    return {
        "n_series": len(activation.series),
        "n_channels": activation.n_channels or 1,
        "figure": make(draw.class_activation_figure, activation.series,
                       title=f"{name}: class activation maps"),
    }


def decision_text(best_model):
    """The best model's threshold in words, or None when it decides by the more probable class."""
    threshold = best_model.threshold or Threshold()
    if threshold.value is None:
        return None
    how = _THRESHOLD_HOW.get(threshold.source, "")
    return f"{threshold.value:.3f} on the positive class's probability ({how})"


def roc_figures(models, make):
    """Binary: one figure, every model's test curve. Multiclass: one figure per model."""
    tested = {name: m.test for name, m in models.items() if (m.test or Scores()).roc_curve}
    if not tested:
        return []
    binary = all(len(t.labels or []) == 2 for t in tested.values())
    if binary:
        curves = {}
        for name, scores in tested.items():
            (curve,) = scores.roc_curve.values()
            curves[name] = {**curve, "auc": scores.roc_auc}
        return [make(draw.roc_figure, curves, title="Test split")]
    figures = []
    for name, scores in tested.items():
        per_class = scores.per_class or {}
        curves = {f"class {label}": {**curve, "auc": per_class.get(label, {}).get("roc_auc")}
                  for label, curve in scores.roc_curve.items()}
        figures.append(make(draw.roc_figure, curves,
                            title=f"{name}: test split, one-vs-rest"))
    return figures


def article_rows(models):
    rows = []
    for name, model in models.items():
        strict, article = model.test, model.test_article
        if not strict or not article:
            continue
        metrics = []
        for key, text in (*RATE_ROWS, ("n_rows", "Rows scored")):
            a, b = getattr(strict, key), getattr(article, key)
            delta = b - a if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
            metrics.append({"label": text, "strict": a, "article": b, "delta": delta,
                            "count": key == "n_rows"})
        rows.append({"name": name, "metrics": metrics, "refitted": model.article_refitted})
    return rows
