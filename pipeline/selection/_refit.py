"""After the search: the ensemble, the choice of the best model, and the refit on all selection rows.

Every model's best candidate is refitted on all the rows selection used (all
non-test rows), so the model handed back has learnt from the validation rows
too; the test split then scores each refitted model once. The ensemble combines
the refitted members with the weights greedy selection found on their
out-of-fold predictions.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field

import numpy as np
from joblib import delayed
from sklearn.base import clone
from tqdm.auto import tqdm

from ..errors import DataError
from ._backends import parallel
from ._ensemble import (
    MIN_WEIGHT,
    EnsembleClassifier,
    clearly_ahead,
    ensemble_cv_scores,
    greedy_weights,
    validation_sets,
)
from ._scoring import better, score_proba
from ._search import RACE_STANDARD_ERRORS, SearchResult
from ._workers import single_threaded

__all__ = ["ENSEMBLE", "ENSEMBLE_RULE", "Found", "refit_models", "select", "selection_keys"]

#: The ensemble's name in the leaderboard.
ENSEMBLE = "ensemble"
#: When the ensemble counts, as the report states it.
ENSEMBLE_RULE = {"min_weight": MIN_WEIGHT, "standard_errors": RACE_STANDARD_ERRORS}

logger = logging.getLogger(__name__)


@dataclass
class Found:
    """What selection found.

    Attributes
    ----------
    results : dict
        Model name -> :class:`SearchResult` (the ensemble's has no estimator).
    skipped : list of dict
        Candidates the time budget left out.
    best : str
        The model with the best cross-validated score.
    best_single : str
        The best model that is not the ensemble (its phases are reported).
    weights : dict
        Ensemble member -> weight; empty without an ensemble.
    models : dict
        Model name -> fitted estimator, once :func:`refit_models` ran.
    refit_times : dict
        Model name -> seconds of its refit.
    timings : dict
        Seconds of the stages of selection (``search_s``, ``refit_s``), once measured.
    compared_on : int or None
        None when every model finished the same folds; otherwise how many folds all
        of them finished, on which the best was chosen (see :func:`selection_keys`).
    """

    results: dict
    skipped: list
    best: str
    best_single: str
    weights: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict)
    refit_times: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    compared_on: int | None = None

    def description(self, name):
        """One line about a model for the report."""
        if name == ENSEMBLE:
            return "Weighted average of the models' best candidates, weights by greedy ensemble selection"
        from ..models import MODELS

        return MODELS[name].description


def _ensemble_result(results, parts, metric):
    """Greedy ensemble selection over the models' out-of-fold predictions, scored fold by fold."""
    probas = {name: r.oof for name, r in results.items()}
    rows = np.flatnonzero(~np.isnan(np.stack(list(probas.values()))).any(axis=(0, 2)))
    weights = greedy_weights({n: p[rows] for n, p in probas.items()}, parts.y[rows], parts.classes,
                             metric=metric, positive=parts.positive)
    scores = ensemble_cv_scores(probas, parts.y, parts.folds, parts.classes, metric=metric,
                                positive=parts.positive)
    defined = [s for s in scores if s is not None]
    oof = np.full_like(next(iter(probas.values())), np.nan)
    oof[rows] = sum(w * probas[n][rows] for n, w in weights.items())
    result = SearchResult(params={f"weight:{n}": w for n, w in weights.items()},
                          score=float(np.mean(defined)) if defined else None,
                          std=float(np.std(defined)) if defined else None, fold_scores=scores, oof=oof)
    return result, weights


def _scores_on_sets(result, parts, metric):
    """A model's scores from its out-of-fold probabilities on the ensemble's validation sets."""
    scores = []
    for rows in validation_sets(parts.folds, parts.y):
        rows = rows[~np.isnan(result.oof[rows]).any(axis=1)]
        scores.append(score_proba(metric, parts.y[rows], result.oof[rows], parts.classes, parts.positive)
                      if len(rows) else None)
    return scores


def select(results, skipped, parts, *, metric="roc_auc", ensemble=True):
    """Drop models whose every candidate failed, add the ensemble, and pick the best model.

    The ensemble is picked only when it is :func:`~._ensemble.clearly_ahead` of the
    best single model on the same validation rows; ties among single models go to
    the model listed first.
    """
    failed = [name for name, r in results.items() if r.estimator is None]
    for name in failed:
        logger.warning("Every candidate of %s failed; it is left out.", name)
    results = {name: r for name, r in results.items() if r.estimator is not None}
    if not results:
        raise DataError(f"Every candidate of every model failed to fit ({', '.join(failed)}); "
                        "see the warnings above for the reason, and check the data.")
    order = list(results)
    keys = selection_keys(results, metric)
    best_single = max(order, key=lambda n: (keys[n], -order.index(n)))
    found = Found(results, skipped, best_single, best_single, compared_on=shared_folds(results))
    if ensemble and len(results) > 1:
        result, weights = _ensemble_result(results, parts, metric)
        found.results = {**results, ENSEMBLE: result}
        found.weights = weights
        if clearly_ahead(result.fold_scores, _scores_on_sets(results[best_single], parts, metric), metric):
            found.best = ENSEMBLE
        else:
            logger.info("The ensemble (%s) is not ahead of %s by more than the folds' noise; %s is kept.",
                        ", ".join(f"{n} {w:.2f}" for n, w in weights.items()), best_single, best_single)
    scores = ", ".join(f"{name} {'—' if r.score is None else f'{r.score:.4f}'}"
                       for name, r in found.results.items())
    logger.info("Cross-validated %s: %s; chosen: %s", metric, scores, found.best)
    return found


def shared_folds(results):
    """None when every model finished the same folds; otherwise how many folds all of them finished.

    Examples
    --------
    >>> from pipeline.selection import SearchResult
    >>> shared_folds({"a": SearchResult(folds=[0, 1, 2]), "b": SearchResult(folds=[0])})
    1
    >>> shared_folds({"a": SearchResult(folds=[0, 1]), "b": SearchResult(folds=[0, 1])}) is None
    True
    """
    common = _common_folds(results)
    return None if all(len(r.folds) == len(common) for r in results.values()) else len(common)


def _common_folds(results):
    return set.intersection(*(set(r.folds) for r in results.values()))


def selection_keys(results, metric):
    """Each model's sort key for choosing the best (larger is better): its mean over the folds all finished.

    Without a time limit every model has every fold and the key is its
    cross-validated mean. When the limit stopped some models' folds early, means
    over different folds are not comparable (one lucky fold once beat three), so
    each model is judged on the folds all of them finished; when they share no
    fold, the models with more folds rank first.

    Parameters
    ----------
    results : dict
        Model name -> :class:`~._search.SearchResult`.
    metric : str
        The selection metric (its direction, see :func:`~._scoring.better`).

    Returns
    -------
    keys : dict
        Model name -> ``(folds, score)``, to compare with ``max``.

    Examples
    --------
    >>> from pipeline.selection import SearchResult
    >>> full = SearchResult(score=0.80, fold_scores=[0.85, 0.75, 0.80], folds=[0, 1, 2])
    >>> short = SearchResult(score=0.84, fold_scores=[0.84], folds=[0])
    >>> keys = selection_keys({"logreg": full, "hgb": short}, "roc_auc")
    >>> max(keys, key=keys.get), keys["logreg"]
    ('logreg', (0, 0.85))
    """
    shared = shared_folds(results)
    if shared is None:
        return {name: (0, better(metric, r.score)) for name, r in results.items()}
    if not shared:
        logger.info("The time limit left the models no fold in common: those with more folds rank first.")
        return {name: (len(r.folds), better(metric, r.score)) for name, r in results.items()}
    logger.info("The time limit stopped some models' folds early: the models are compared on the %d "
                "fold(s) all of them finished.", shared)
    common = _common_folds(results)
    keys = {}
    for name, r in results.items():
        shared = [s for fold, s in zip(r.folds, r.fold_scores) if fold in common and s is not None]
        keys[name] = (0, better(metric, float(np.mean(shared)) if shared else None))
    return keys


def _refit(name, estimator, X, y, one_thread):
    start = time.perf_counter()
    with single_threaded() if one_thread else contextlib.nullcontext():
        fitted = clone(estimator).fit(X, y)
    return name, fitted, time.perf_counter() - start


def refit_models(found, X, y, *, n_jobs=2, backend="loky", scheduler=None, verbose=False):
    """Refit each model's best candidate on all the rows; combine the ensemble from the refitted members.

    Fills ``found.models`` and ``found.refit_times``; the fitted Pipelines forget the
    search's cache folder. ``verbose`` shows a progress bar, one step per model.
    """
    singles = {name: r.estimator for name, r in found.results.items() if name != ENSEMBLE}
    jobs = (delayed(_refit)(name, estimator, X, y, backend == "dask") for name, estimator in singles.items())
    with parallel(backend, n_jobs, scheduler) as runner:
        for name, fitted, seconds in tqdm(runner(jobs), total=len(singles), disable=not verbose,
                                          desc="refit", unit="model"):
            if hasattr(fitted, "memory"):
                fitted.memory = None  # the cache folder is about to go
            found.models[name], found.refit_times[name] = fitted, round(seconds, 3)
    found.models = {name: found.models[name] for name in singles}  # the search's order
    if found.weights:
        members = [(name, found.models[name]) for name in found.weights]
        found.models[ENSEMBLE] = EnsembleClassifier(members, list(found.weights.values())).fit()
        # Its members' refits are its own: it cannot predict without them.
        found.refit_times[ENSEMBLE] = round(sum(found.refit_times[name] for name in found.weights), 3)
    return found
