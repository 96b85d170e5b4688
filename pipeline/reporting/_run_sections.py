"""What the report shows of the run as a whole: the leaderboard, how selection chose, and the
drawings of arrays passed as extras (LDA projection, training curves, attention).
"""

from __future__ import annotations

import numpy as np

from ._deferred import draw
from ._page import settings_text

__all__ = ["LEADERBOARD_COLUMNS", "LEADERBOARD_MORE_COLUMNS", "extras_sections", "leaderboard",
           "selection_section", "shown_models"]

# The leaderboard's first table: the selection score, then these out-of-fold and test
# scores. The other rates and the costs go to a second, folded table, so the first fits
# a 1280-px-wide window without scrolling sideways.
LEADERBOARD_COLUMNS = (("roc_auc", "ROC AUC"), ("accuracy", "Accuracy"), ("f1", "F1"))
LEADERBOARD_MORE_COLUMNS = (("tpr", "TPR"), ("fpr", "FPR"), ("precision", "Precision"))


def _lone_member(model):
    """The only member of an ensemble pruned to one model (no ensemble was formed), else None."""
    members = model.get("members") or {}
    return next(iter(members)) if len(members) == 1 else None


def shown_models(models, best):
    """The models the report shows, and the best of them.

    An ensemble whose pruning left a single member is that member, not an
    ensemble: it is left out, and the member is marked best when it was.

    Examples
    --------
    >>> shown_models({"hgb": {}, "ensemble": {"members": {"hgb": 1.0}}}, "ensemble")
    ({'hgb': {}}, 'hgb')
    """
    lone = {name: _lone_member(model) for name, model in models.items()}
    shown = {name: model for name, model in models.items() if lone[name] is None}
    return shown, lone.get(best) or best


def _sort_key(item):
    cv = item[1].get("cv") or {}
    if "mean" in cv:  # cross-validated selection: its own metric and direction
        score = cv["mean"]
        return (score is None, -(score or 0.0) * (-1 if cv.get("metric") == "log_loss" else 1), item[0])
    auc = (item[1].get("validation") or {}).get("roc_auc")
    return (auc is None, -(auc or 0.0), item[0])


def leaderboard(models, best):
    """One row per model, sorted by the selection score (cross-validated mean) it was chosen on."""
    rows = []
    models, best = shown_models(models, best)
    for name, model in sorted(models.items(), key=_sort_key):
        cv = model.get("cv") or {}
        size = model.get("size_bytes")
        validation, test = model.get("validation") or {}, model.get("test") or {}
        rows.append({
            "name": name,
            "best": name == best,
            "cv_mean": cv.get("mean"),
            "cv_std": cv.get("std"),
            "validation": [validation.get(k) for k, _ in LEADERBOARD_COLUMNS],
            "test": [test.get(k) for k, _ in LEADERBOARD_COLUMNS],
            "validation_more": [validation.get(k) for k, _ in LEADERBOARD_MORE_COLUMNS],
            "test_more": [test.get(k) for k, _ in LEADERBOARD_MORE_COLUMNS],
            "fit_time_s": model.get("fit_time_s"),
            "predict_time_s": model.get("predict_time_s"),
            "size_mb": None if size is None else size / 1e6,
        })
    return rows


def _cost(name, model):
    size = model.size_bytes
    return {"name": name, "size_mb": None if size is None else size / 1e6,
            "predict_time_s": model.predict_time_s}


def selection_section(record, make):
    """How the best model was chosen: each model's cross-validated score, its spread, the ensemble.

    ``record`` is the run's :class:`~pipeline.record.RunRecord`.
    """
    selection = record.selection
    every_model = record.models or {}
    if not selection:
        return None
    models, best = shown_models(every_model, record.best_model)
    pruned_to = next(filter(None, map(_lone_member, every_model.values())), None)
    ranked = [name for name, _ in sorted(models.items(), key=_sort_key)]
    cvs = {name: models[name].cv for name in ranked if models[name].cv}
    rows = [{"name": name, "best": name == best, "mean": cv.mean, "std": cv.std,
             "folds": len(cv.folds or [])} for name, cv in cvs.items()]
    spread = {name: cv.folds for name, cv in cvs.items() if len(cv.folds or []) > 1}
    members = next((m.members for m in models.values() if m.members), None)
    single = record.phases.reported_model if record.phases else None
    ensemble = next((name for name, m in models.items() if m.members), None)
    cost = [_cost(name, models[name]) for name in (ensemble, single)] if ensemble and single in models else []
    prevalence = (record.dataset.prevalence if record.dataset else None) or {}
    return {
        "method": selection.method,
        "folds": selection.folds,
        "metric": selection.metric,
        "time_limit_s": selection.time_limit_s,
        "search_s": selection.search_s,
        "longest_fold_s": selection.longest_fold_s,
        "fixed_cost_s": selection.fixed_cost_s,
        "candidates": selection.candidates,
        "compared_on_folds": selection.compared_on_folds,
        "skipped": [{"model": s.model, "reason": s.reason,
                     "params": None if s.params is None else settings_text(s.params)}
                    for s in selection.skipped or []],
        "rows": rows,
        "figure": make(draw.cv_spread_figure, spread, metric=selection.metric or "score",
                       title="Score on each fold") if spread else None,
        "members": sorted((members or {}).items(), key=lambda item: -item[1]),
        "pruned_to": pruned_to,
        "cost": cost,
        "rule": selection.ensemble_rule,
        "prevalence_splits": list(prevalence),
        "prevalence": [{"label": label, "shares": [prevalence[s].get(label) for s in prevalence]}
                       for label in dict.fromkeys(k for p in prevalence.values() for k in p)],
    }


def _check_array(value, ndim, what):
    array = np.asarray(value)
    if array.ndim not in ndim:
        raise ValueError(
            f"{what} must be an array with {' or '.join(map(str, ndim))} dimensions, "
            f"but got shape {array.shape}. Pass the array the model produced, unchanged."
        )
    return array


def extras_sections(extras, make):
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
