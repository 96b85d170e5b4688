"""Render a run's metrics (and optional arrays) into one self-contained HTML file.

The page works offline and runs nothing: a Content-Security-Policy forbids
scripts and outside requests, styles are inline, and figures are inline SVG.
Every value from the data (column names, class labels, model names, tokens)
goes through Jinja2's autoescaping; only the SVG that matplotlib wrote, whose
text matplotlib has already escaped, is marked safe.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from markupsafe import Markup

from . import figures as draw
from ._page import template_environment, write_text_atomic

__all__ = ["render_report", "write_report"]

logger = logging.getLogger(__name__)

_RATE_ROWS = (
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
_PER_CLASS_COLUMNS = (("tpr", "TPR"), ("fpr", "FPR"), ("precision", "Precision"),
                      ("f1", "F1"), ("roc_auc", "ROC AUC"), ("prevalence", "Prevalence"))
_LEADERBOARD_COLUMNS = (("roc_auc", "ROC AUC"), ("accuracy", "Accuracy"), ("f1", "F1"),
                        ("tpr", "TPR"), ("fpr", "FPR"), ("precision", "Precision"))
_SPLITS = (("validation", "Validation"), ("test", "Test"))
_THRESHOLD_HOW = {
    "default": "the default: the more probable class",
    "config": "set in the configuration",
    "auto": "F1-optimal on the selection data, never on the test split",
}


def _number(value, digits=4):
    """Jinja filter: a number for a table cell; undefined values show as a dash."""
    if value is None:
        return "\u2014"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return "\u2014"
        return f"{float(value):.{digits}f}"
    return str(value)


def _environment():
    env = template_environment("pipeline.reporting")
    env.filters["num"] = _number
    return env


class _FigureMaker:
    """Calls figure functions with a distinct, deterministic id salt each."""

    def __init__(self):
        self._count = 0

    def __call__(self, function, *args, **kwargs):
        self._count += 1
        svg = function(*args, salt=f"dmflow-figure-{self._count}", **kwargs)
        return Markup(svg)  # matplotlib's own markup; its text is escaped already


def _sort_key(item):
    cv = item[1].get("cv") or {}
    if "mean" in cv:  # cross-validated selection: its own metric and direction
        score = cv["mean"]
        return (score is None, -(score or 0.0) * (-1 if cv.get("metric") == "log_loss" else 1), item[0])
    auc = (item[1].get("validation") or {}).get("roc_auc")
    return (auc is None, -(auc or 0.0), item[0])


def _leaderboard(models, best):
    rows = []
    for name, model in sorted(models.items(), key=_sort_key):
        rows.append({
            "name": name,
            "best": name == best,
            "validation": [(model.get("validation") or {}).get(k)
                           for k, _ in _LEADERBOARD_COLUMNS],
            "test": [(model.get("test") or {}).get(k) for k, _ in _LEADERBOARD_COLUMNS],
            "fit_time_s": model.get("fit_time_s"),
        })
    return rows


def _rates(split_metrics):
    return {key: split_metrics.get(key) for key, _ in _RATE_ROWS}


def _model_section(index, name, model, best, make):
    splits = []
    for key, label in _SPLITS:
        scores = model.get(key)
        if not scores or "confusion_matrix" not in scores:
            continue
        per_class = scores.get("per_class") or {}
        splits.append({
            "label": label,
            "labels": scores.get("labels", []),
            "matrix": scores["confusion_matrix"],
            "n_rows": scores.get("n_rows"),
            "positive": scores.get("positive_label"),
            "figure": make(draw.confusion_matrix_figure, scores["confusion_matrix"],
                           scores.get("labels", []), title=f"{name}: {label.lower()}"),
            "per_class": [
                {"label": label_, "cells": [values.get(k) for k, _ in _PER_CLASS_COLUMNS]}
                for label_, values in per_class.items()
            ],
        })
    rate_columns = [(label, _rates(model[key])) for key, label in _SPLITS if model.get(key)]
    return {
        **_diagnostics_section(name, model, make),
        "id": f"model-{index}",
        "name": name,
        "best": name == best,
        "params": [(key, value if isinstance(value, str) else _json(value))
                   for key, value in (model.get("params") or {}).items()],
        "fit_time_s": model.get("fit_time_s"),
        "search": [
            {"params": _json(trial.get("params", {})),
             "auc": trial.get("cv_mean", trial.get("validation_roc_auc")),
             "fit_time_s": trial.get("fit_time_s")}
            for trial in model.get("search") or []
        ],
        "splits": splits,
        "rate_columns": [label for label, _ in rate_columns],
        "rates": [
            {"label": text, "cells": [rates[key] for _, rates in rate_columns]}
            for key, text in _RATE_ROWS
        ],
    }


def _diagnostics_section(name, model, make):
    """Per model: importance, precision-recall, calibration, threshold and activation figures."""
    importance = model.get("importance")
    curves = model.get("curves") or {}
    threshold = model.get("threshold") or {}
    chosen = threshold.get("value")
    prevalence = (model.get("test") or {}).get("prevalence")
    section = {"importance": None, "curves": None, "threshold": None,
               "activation": _activation_section(name, model.get("activation"), make)}
    if threshold.get("value") is not None:
        section["threshold"] = {"value": threshold["value"],
                                "how": _THRESHOLD_HOW.get(threshold.get("source"), "")}
    if importance and importance.get("columns"):
        section["importance"] = {
            **importance,
            "figure": make(draw.importance_figure, importance["columns"],
                           scoring=importance.get("scoring", "roc_auc"),
                           title=f"{name}: permutation importance"),
        }
    if curves.get("pr_curve"):
        section["curves"] = {
            "average_precision": curves.get("average_precision"),
            "n_bins": len(curves["calibration"]["prob_pred"]),
            "figures": [
                make(draw.precision_recall_figure,
                     {**curves["pr_curve"], "average_precision": curves.get("average_precision")},
                     name=name, prevalence=prevalence, title=f"{name}: precision-recall"),
                make(draw.calibration_figure, curves["calibration"], name=name,
                     title=f"{name}: calibration"),
                make(draw.threshold_figure, curves["thresholds"], chosen=chosen,
                     title=f"{name}: threshold"),
            ],
        }
    return section


def _activation_section(name, activation, make):
    """The class activation figure of a convolutional model, or None for any other model."""
    series = (activation or {}).get("series")
    if not series:
        return None
    return {
        "n_series": len(series),
        "n_channels": activation.get("n_channels", 1),
        "figure": make(draw.class_activation_figure, series, title=f"{name}: class activation maps"),
    }


def _decision_text(best_model):
    threshold = best_model.get("threshold") or {}
    if threshold.get("value") is None:
        return None
    how = _THRESHOLD_HOW.get(threshold.get("source"), "")
    return f"{threshold['value']:.3f} on the positive class's probability ({how})"


def _roc_figures(models, make):
    """Binary: one figure, every model's test curve. Multiclass: one figure per model."""
    tested = {name: m["test"] for name, m in models.items()
              if (m.get("test") or {}).get("roc_curve")}
    if not tested:
        return []
    binary = all(len(t.get("labels", [])) == 2 for t in tested.values())
    if binary:
        curves = {}
        for name, scores in tested.items():
            (curve,) = scores["roc_curve"].values()
            curves[name] = {**curve, "auc": scores.get("roc_auc")}
        return [make(draw.roc_figure, curves, title="Test split")]
    figures = []
    for name, scores in tested.items():
        per_class = scores.get("per_class") or {}
        curves = {f"class {label}": {**curve, "auc": per_class.get(label, {}).get("roc_auc")}
                  for label, curve in scores["roc_curve"].items()}
        figures.append(make(draw.roc_figure, curves,
                            title=f"{name}: test split, one-vs-rest"))
    return figures


def _article_rows(models):
    rows = []
    for name, model in models.items():
        strict, article = model.get("test"), model.get("test_article")
        if not strict or not article:
            continue
        metrics = []
        for key, text in (*_RATE_ROWS, ("n_rows", "Rows scored")):
            a, b = strict.get(key), article.get(key)
            delta = b - a if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
            metrics.append({"label": text, "strict": a, "article": b, "delta": delta,
                            "count": key == "n_rows"})
        rows.append({"name": name, "metrics": metrics, "refitted": model.get("article_refitted")})
    return rows


def _check_array(value, ndim, what):
    array = np.asarray(value)
    if array.ndim not in ndim:
        raise ValueError(
            f"{what} must be an array with {' or '.join(map(str, ndim))} dimensions, "
            f"but got shape {array.shape}. Pass the array the model produced, unchanged."
        )
    return array


def _extras_sections(extras, make):
    sections = {"projection": None, "training": [], "attention": [],
                "positional_encoding": None}
    projection = extras.get("lda_projection")
    if projection is not None:
        values = _check_array(projection["values"], (1, 2), "extras['lda_projection']['values']")
        labels = np.asarray(projection["labels"]).ravel()
        if values.shape[0] != labels.shape[0]:
            raise ValueError(
                f"extras['lda_projection'] has {values.shape[0]} rows of values but "
                f"{labels.shape[0]} labels. Pass the projected training rows and their labels."
            )
        n_components = 1 if values.ndim == 1 else values.shape[1]
        sections["projection"] = {
            "n_rows": int(values.shape[0]),
            "n_components": n_components,
            "figure": make(draw.projection_figure, values, labels,
                           title="Training rows after LDA"),
        }
    for name, run in (extras.get("histories") or {}).items():
        history = run.get("history") or []
        if history:
            sections["training"].append({
                "name": name,
                "best_epoch": run.get("best_epoch"),
                "epochs": len(history),
                "figure": make(draw.training_curves_figure, history, run.get("best_epoch"),
                               title=name),
            })
    for name, found in (extras.get("attention") or {}).items():
        maps = _check_array(found["maps"], (4,), f"extras['attention'][{name!r}]['maps']")
        tokens = [str(t) for t in found["tokens"]]
        if maps.shape[2] != len(tokens) or maps.shape[3] != len(tokens):
            raise ValueError(
                f"extras['attention'][{name!r}] has maps of shape {maps.shape} but "
                f"{len(tokens)} tokens; the last two dimensions must both equal the "
                "number of tokens."
            )
        sections["attention"].append({
            "name": name, "layers": maps.shape[0], "heads": maps.shape[1],
            "figure": make(draw.attention_figure, maps, tokens, title=name),
        })
    encoding = extras.get("positional_encoding")
    if encoding is not None:
        encoding = _check_array(encoding, (2,), "extras['positional_encoding']")
        sections["positional_encoding"] = {
            "shape": encoding.shape,
            "figure": make(draw.positional_encoding_figure, encoding),
        }
    return sections


def _json(value):
    return json.dumps(value, indent=None, sort_keys=True, default=str, ensure_ascii=False)


def _context(metrics, extras):
    make = _FigureMaker()
    run = metrics.get("run") or {}
    dataset = metrics.get("dataset") or {}
    phases = metrics.get("phases") or {}
    models = metrics.get("models") or {}
    best = metrics.get("best_model")

    balance = phases.get("balance") or {}
    balance_figure = None
    if balance.get("class_counts_before") and balance.get("class_counts_after"):
        balance_figure = make(draw.class_counts_figure, balance["class_counts_before"],
                              balance["class_counts_after"], title="Training rows per class")
    split_counts = dataset.get("class_counts") or {}
    split_names = list(split_counts)
    count_labels = list(dict.fromkeys(label for c in split_counts.values() for label in c))

    model_sections = [_model_section(i, name, model, best, make)
                      for i, (name, model) in enumerate(models.items(), start=1)]
    context = {
        "title": f"dmflow report: {dataset['target']}" if dataset.get("target") else "dmflow report",
        "run": run,
        "config_json": json.dumps(run["config"], indent=2, sort_keys=True, default=str,
                                  ensure_ascii=False) if run.get("config") else None,
        "dataset": dataset,
        "missing": {c: n for c, n in (dataset.get("missing") or {}).items() if n},
        "split_names": split_names,
        "split_rows": [{"label": label,
                        "counts": [split_counts[s].get(label, 0) for s in split_names]}
                       for label in count_labels],
        "phases": phases,
        "imputed": {c: n for c, n in
                    ((phases.get("imputation") or {}).get("cells_imputed") or {}).items() if n},
        "balance_figure": balance_figure,
        "leaderboard": _leaderboard(models, best),
        "leaderboard_columns": [label for _, label in _LEADERBOARD_COLUMNS],
        "best_model": best,
        "models": model_sections,
        "per_class_columns": [label for _, label in _PER_CLASS_COLUMNS],
        "roc_figures": _roc_figures(models, make),
        "decision": _decision_text(models.get(best) or {}),
        "article": _article_rows(models) if run.get("protocol") == "article" else [],
        "notes": list(metrics.get("notes") or []),
    }
    context.update(_extras_sections(extras, make))
    context["selection"] = _selection_section(metrics, make)
    return context


def render_report(metrics, extras=None):
    """Render the HTML report of one run as a string.

    Parameters
    ----------
    metrics : mapping
        The run's metrics (the content of ``metrics.json``): ``run``,
        ``dataset``, ``phases``, ``models``, ``best_model``, ``notes``. Any
        part may be missing; its section is then left out.
    extras : mapping, default=None
        Arrays that are drawn but not saved: ``lda_projection``
        (``{"values", "labels"}``), ``histories`` (``{model: {"history",
        "best_epoch"}}``), ``attention`` (``{model: {"maps", "tokens"}}``) and
        ``positional_encoding`` (``(T, d_model)`` array).

    Returns
    -------
    html : str
        A complete, self-contained HTML document; the same input always gives
        the same text.

    Examples
    --------
    >>> html = render_report({"notes": ["SMOTE skipped: <3 rows"]})
    >>> "<!DOCTYPE html>" in html, "SMOTE skipped: &lt;3 rows" in html
    (True, True)
    """
    if not isinstance(metrics, Mapping):
        raise TypeError(
            f"metrics must be a mapping (the run's metrics dictionary), but got "
            f"{type(metrics).__name__}. Load metrics.json with json.load first."
        )
    if extras is not None and not isinstance(extras, Mapping):
        raise TypeError(
            f"extras must be a mapping or None, but got {type(extras).__name__}."
        )
    template = _environment().get_template("report.html.j2")
    return template.render(**_context(metrics, extras or {}))


def write_report(path, metrics, extras=None):
    """Render the report and write it to ``path`` atomically.

    The HTML goes to a temporary file in the same folder, which then replaces
    ``path`` in one step, so a reader never sees half a report and a failed
    render leaves any previous report in place.

    Parameters
    ----------
    path : str or os.PathLike
        Where to write the file; missing parent folders are created.
    metrics, extras
        As for :func:`render_report`.

    Returns
    -------
    path : pathlib.Path
        The written file.
    """
    path = Path(path)
    html = render_report(metrics, extras)
    write_text_atomic(path, html)
    logger.info("Wrote report to %s (%d bytes)", path, len(html.encode("utf-8")))
    return path


def _selection_section(metrics, make):
    """How the best model was chosen: each model's cross-validated score, its spread, the ensemble."""
    selection = metrics.get("selection")
    models = metrics.get("models") or {}
    if not selection:
        return None
    ranked = [name for name, _ in sorted(models.items(), key=_sort_key)]
    rows = [{"name": name, "best": name == metrics.get("best_model"), "mean": models[name]["cv"].get("mean"),
             "std": models[name]["cv"].get("std"), "folds": len(models[name]["cv"].get("folds") or [])}
            for name in ranked if models[name].get("cv")]
    spread = {name: models[name]["cv"]["folds"] for name in ranked
              if models[name].get("cv") and len(models[name]["cv"].get("folds") or []) > 1}
    members = next((m["members"] for m in models.values() if m.get("members")), None)
    prevalence = (metrics.get("dataset") or {}).get("prevalence") or {}
    return {
        "method": selection.get("method"),
        "folds": selection.get("folds"),
        "metric": selection.get("metric"),
        "time_limit_s": selection.get("time_limit_s"),
        "candidates": selection.get("candidates"),
        "skipped": [{"model": s["model"], "params": _json(s["params"])}
                    for s in selection.get("skipped") or []],
        "rows": rows,
        "figure": make(draw.cv_spread_figure, spread, metric=selection.get("metric") or "score",
                       title="Score on each fold") if spread else None,
        "members": sorted((members or {}).items(), key=lambda item: -item[1]),
        "prevalence_splits": list(prevalence),
        "prevalence": [{"label": label, "shares": [prevalence[s].get(label) for s in prevalence]}
                       for label in dict.fromkeys(k for p in prevalence.values() for k in p)],
    }
