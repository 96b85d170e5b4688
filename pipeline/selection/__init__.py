"""Choosing models: cross-validated search, its backends, scoring, the ensemble and the refit.

A run's selection, in order: :func:`search_models` fits every candidate on each
fold's training part and scores it on the fold's validation part (:func:`score_proba`),
its fits spread over one pool of workers (:func:`parallel`, :func:`cluster`);
:func:`select` keeps each model's best candidate and lets the greedy
:class:`EnsembleClassifier` compete; :func:`refit_models` refits the chosen
candidates on all selection rows. Assessing the refitted models on the test split
is :mod:`pipeline.evaluation`'s part.

Examples
--------
>>> import numpy as np
>>> from pipeline.selection import better, score_proba
>>> y, proba = np.array(["a", "b", "b"]), np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6]])
>>> float(score_proba("roc_auc", y, proba, ["a", "b"]))
1.0
>>> better("log_loss", 0.3) > better("log_loss", 0.5)
True
"""

from ..lazy import lazy_exports

# Imported on first use: see :mod:`pipeline.lazy`.
_EXPORTS = {
    "BACKENDS": "_backends",
    "check_backend": "_backends",
    "cluster": "_backends",
    "parallel": "_backends",
    "single_threaded": "_workers",
    "START_AFTER_S": "_workers",
    "start_workers": "_workers",
    "workers_ready": "_workers",
    "workers_die_with_parent": "_workers",
    "METRIC_LABELS": "_scoring",
    "better": "_scoring",
    "rank_roc_auc": "_scoring",
    "score_proba": "_scoring",
    "RACE_STANDARD_ERRORS": "_search",
    "SearchResult": "_search",
    "aligned_proba": "_search",
    "race_folds": "_search",
    "search_models": "_search",
    "MIN_WEIGHT": "_ensemble",
    "EnsembleClassifier": "_ensemble",
    "clearly_ahead": "_ensemble",
    "ensemble_cv_scores": "_ensemble",
    "greedy_weights": "_ensemble",
    "validation_sets": "_ensemble",
    "ENSEMBLE": "_refit",
    "ENSEMBLE_RULE": "_refit",
    "Found": "_refit",
    "refit_models": "_refit",
    "select": "_refit",
    "selection_keys": "_refit",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
