"""Hyperparameter search scored on a fixed validation split, in parallel.

scikit-learn's ``GridSearchCV`` cross-validates and refits; the flow instead
fits each candidate once on the training part and scores it on the separate
validation part (phase 4), so a small loop over ``ParameterGrid`` is the whole
search. Candidates of all models share one joblib pool.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import ParameterGrid
from tqdm.auto import tqdm

from ._fitting import fit_pipeline

__all__ = ["SearchResult", "search_models", "validation_auc"]

logger = logging.getLogger(__name__)


@dataclass
class SearchResult:
    """The outcome of one model's search.

    Attributes
    ----------
    estimator : object
        The best candidate, fitted on the training part.
    params : dict
        Its parameters.
    score : float or None
        Its validation ROC AUC.
    fit_time_s : float
        Seconds its fit took.
    trials : list of dict
        Every candidate: ``params``, ``validation_roc_auc``, ``fit_time_s``.
    """

    estimator: object = None
    params: dict = field(default_factory=dict)
    score: float | None = None
    fit_time_s: float = 0.0
    trials: list = field(default_factory=list)


def validation_auc(estimator, X, y):
    """ROC AUC of a fitted classifier: binary, or one-vs-rest macro for more classes.

    Returns ``None`` when ``y`` holds a single class, where AUC is undefined.
    """
    classes = list(estimator.classes_)
    if len(np.unique(y)) < 2:
        return None
    proba = estimator.predict_proba(X)
    if len(classes) == 2:
        return float(roc_auc_score(np.asarray(y) == classes[1], proba[:, 1]))
    return float(roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=classes))


def _fit_candidate(name, template, params, X_train, y_train, X_val, y_val):
    start = time.perf_counter()
    estimator = clone(template).set_params(**params)
    fit_pipeline(estimator, X_train, y_train, X_val, y_val)
    elapsed = time.perf_counter() - start
    return name, params, estimator, validation_auc(estimator, X_val, y_val), elapsed


def _order_key(trial):
    # Ties are broken by the candidate's position in the grid, so the choice
    # does not depend on which worker finished first.
    score = trial["validation_roc_auc"]
    return (-np.inf if score is None else score, -trial["_index"])


def search_models(candidates, X_train, y_train, X_val, y_val, *, n_jobs=2, verbose=True):
    """Fit every candidate of every model and keep each model's best.

    Parameters
    ----------
    candidates : dict
        Model name -> ``(unfitted estimator, param grid dict)``.
    X_train, y_train : training part
    X_val, y_val : validation part
    n_jobs : int, default=2
        joblib workers (loky processes).
    verbose : bool, default=True
        Show a progress bar.

    Returns
    -------
    dict
        Model name -> :class:`SearchResult`.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = make_classification(n_samples=120, random_state=0)
    >>> found = search_models({"logreg": (LogisticRegression(), {"C": [0.1, 1.0]})},
    ...                       X[:80], y[:80], X[80:], y[80:], n_jobs=1, verbose=False)
    >>> sorted(found["logreg"].params)
    ['C']
    """
    tasks = [
        (name, template, params, index)
        for name, (template, grid) in candidates.items()
        for index, params in enumerate(ParameterGrid(grid))
    ]
    logger.info("Searching %d candidates over %d models with %d jobs.", len(tasks), len(candidates), n_jobs)
    results = {name: SearchResult() for name in candidates}
    best_keys = {}
    runner = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    jobs = (
        delayed(_fit_candidate)(name, template, params, X_train, y_train, X_val, y_val)
        for name, template, params, _ in tasks
    )
    index_of = {(name, _freeze(params)): index for name, _, params, index in tasks}
    for name, params, estimator, score, elapsed in tqdm(
        runner(jobs), total=len(tasks), disable=not verbose, desc="model search", unit="fit"
    ):
        trial = {"params": _plain(params), "validation_roc_auc": score, "fit_time_s": round(elapsed, 3),
                 "_index": index_of[(name, _freeze(params))]}
        results[name].trials.append(trial)
        key = _order_key(trial)
        # Keep only the best fitted estimator so far: the others are dropped as
        # they arrive instead of piling up in memory.
        if name not in best_keys or key > best_keys[name]:
            best_keys[name] = key
            results[name].estimator = estimator
            results[name].params = trial["params"]
            results[name].score = score
            results[name].fit_time_s = trial["fit_time_s"]
        logger.debug("%s %s: validation ROC AUC %s (%.1f s)", name, params, score, elapsed)
    for result in results.values():
        result.trials.sort(key=lambda trial: trial["_index"])
        for trial in result.trials:
            del trial["_index"]
    return results


def _freeze(params):
    return tuple(sorted((k, repr(v)) for k, v in params.items()))


def _plain(params):
    """JSON-friendly copy of a parameter dict (tuples become lists)."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}
