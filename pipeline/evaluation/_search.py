"""Cross-validated model search under a time budget.

Every candidate (a model's Pipeline with one set of phase variants and
hyperparameters) is fitted once per fold on the fold's training part and
predicts the fold's validation part, so every phase step, samplers included,
learns from training rows only. A candidate's score is the mean of its fold
scores; its out-of-fold probabilities are kept for the model's best candidate,
for the ensemble. The (candidate, fold) fits of all models share one joblib pool
(see :mod:`._backends`).

Every model's first candidate (its defaults) is launched first; after that the
next candidate goes to the model that has spent the least time so far, so that
every model gets a similar share of a time budget and cheap models try more
candidates. Once the budget is spent no new candidate starts (beyond each
model's first); the candidates already started finish, and the skipped ones are
listed. Without a budget every candidate runs, so the order changes nothing.
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

from ._backends import BACKENDS, check_backend, parallel, single_threaded
from ._scoring import better, score_proba

__all__ = ["BACKENDS", "SearchResult", "aligned_proba", "search_models"]

logger = logging.getLogger(__name__)


@dataclass
class SearchResult:
    """The outcome of one model's search.

    Attributes
    ----------
    estimator : object
        The best candidate, unfitted (refit it on all the rows).
    params : dict
        Its phase variants and hyperparameters.
    score, std : float or None
        Mean and standard deviation of its fold scores.
    fold_scores : list of float
        Its score on each fold's validation part.
    oof : ndarray of shape (n_rows, n_classes) or None
        Its out-of-fold probabilities (NaN on rows no fold validated).
    fit_time_s : float
        Seconds its fits took, summed over folds.
    trials : list of dict
        Every finished candidate: ``params``, ``cv_mean``, ``cv_std``, ``fold_scores``,
        ``fit_time_s``, and ``error`` when a fit failed.
    """

    estimator: object = None
    params: dict = field(default_factory=dict)
    score: float | None = None
    std: float | None = None
    fold_scores: list = field(default_factory=list)
    oof: object = None
    fit_time_s: float = 0.0
    trials: list = field(default_factory=list)
    _index: int = -1


def aligned_proba(estimator, X, classes):
    """``predict_proba`` with one column per class of ``classes``, zeros for classes it never saw.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> model = DummyClassifier(strategy="prior").fit([[0], [1]], ["a", "b"])
    >>> aligned_proba(model, [[0]], ["a", "b", "c"]).tolist()
    [[0.5, 0.5, 0.0]]
    """
    proba = np.asarray(estimator.predict_proba(X), dtype=float)
    columns = np.searchsorted(np.asarray(classes), np.asarray(estimator.classes_))
    out = np.zeros((proba.shape[0], len(classes)))
    out[:, columns] = proba
    return out


def _rows(X, index):
    return X.iloc[index] if hasattr(X, "iloc") else X[index]


def _fit_fold(key, estimator, X, y, train, val, classes, one_thread):
    """Fit one candidate on one fold's training part; predict its validation part."""
    start = time.perf_counter()
    try:
        with single_threaded() if one_thread else contextlib.nullcontext():
            fitted = clone(estimator).fit(_rows(X, train), np.asarray(y)[train])
            proba = aligned_proba(fitted, _rows(X, val), classes)
        error = None
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as err:
        proba, error = None, f"{type(err).__name__}: {err}"
    return key, proba, time.perf_counter() - start, error


@dataclass
class _Tally:
    """The folds of one candidate as they come back."""

    params: dict
    estimator: object
    probas: dict = field(default_factory=dict)
    seconds: float = 0.0
    errors: list = field(default_factory=list)


def _next_model(candidates, launched, fold_seconds):
    """The model whose next candidate starts now: every model's first in turn, then the least time spent.

    A model's time spent is estimated as its candidates launched times its mean
    seconds per candidate so far; a model whose first candidate has not reported
    yet waits. Cheap models thus try more candidates within a budget.
    """
    pending = [name for name in candidates if launched[name] < len(candidates[name])]
    if not pending:
        return None
    fresh = [name for name in pending if launched[name] == 0]
    if fresh:
        return fresh[0]
    order = list(candidates)

    def spent(name):
        seconds = fold_seconds.get(name)
        return (np.inf if not seconds else launched[name] * float(np.mean(seconds)), order.index(name))

    return min(pending, key=spent)


def _schedule(candidates, n_folds, deadline, skipped, fold_seconds):
    """Yield (model, index, fold) in launch order; after ``deadline`` no new candidate starts."""
    launched = dict.fromkeys(candidates, 0)
    while (name := _next_model(candidates, launched, fold_seconds)) is not None:
        index = launched[name]
        # A model's first candidate (its defaults) always runs: no model is left out.
        if index and deadline is not None and time.monotonic() > deadline:
            left = [(i, order, n) for order, n in enumerate(candidates)
                    for i in range(launched[n], len(candidates[n]))]
            skipped.extend({"model": n, "params": candidates[n][i][0]} for i, _, n in sorted(left))
            return
        launched[name] += 1
        for fold in range(n_folds):
            yield name, index, fold


def search_models(candidates, X, y, folds, *, classes, metric="roc_auc", positive=None, n_jobs=2,
                  verbose=True, backend="loky", scheduler=None, time_limit=None):
    """Cross-validate every candidate of every model and keep each model's best.

    Parameters
    ----------
    candidates : dict
        Model name -> list of ``(params, unfitted estimator)``; the first is tried first.
    X, y : all rows selection may use (never the test split)
    folds : list of (train_index, val_index)
        Row positions of each fold (one pair: a holdout split).
    classes : array-like
        All class labels, sorted.
    metric : str, default="roc_auc"
        Selection metric (see :func:`score_proba`).
    positive : label, optional
        The positive class of a binary task.
    n_jobs, backend, scheduler
        What runs the fits (see :func:`~._backends.parallel`).
    verbose : bool, default=True
        Show a progress bar.
    time_limit : float, optional
        Seconds after which no new candidate starts.

    Returns
    -------
    results : dict
        Model name -> :class:`SearchResult`.
    skipped : list of dict
        Candidates never started because the budget was spent: ``model``, ``params``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import StratifiedKFold
    >>> X, y = make_classification(n_samples=120, random_state=0)
    >>> folds = list(StratifiedKFold(3).split(X, y))
    >>> cands = {"logreg": [({"C": c}, LogisticRegression(C=c)) for c in (0.1, 1.0)]}
    >>> found, skipped = search_models(cands, X, y, folds, classes=[0, 1], n_jobs=1, verbose=False)
    >>> len(found["logreg"].trials), len(found["logreg"].fold_scores), skipped
    (2, 3, [])
    """
    check_backend(backend, scheduler)
    classes = np.asarray(classes)
    n_tasks = sum(len(c) for c in candidates.values()) * len(folds)
    logger.info("Searching %d candidates over %d models, %d fold(s) each, on %s.",
                n_tasks // len(folds), len(candidates), len(folds), backend)
    deadline = None if time_limit is None else time.monotonic() + time_limit
    skipped, tallies, fold_seconds = [], {}, {}
    results = {name: SearchResult() for name in candidates}
    jobs = (
        _delayed_fit((name, index, fold), candidates[name][index][1], X, y, *folds[fold], classes,
                     backend == "dask")
        for name, index, fold in _schedule(candidates, len(folds), deadline, skipped, fold_seconds)
    )
    context = (X, np.asarray(y), folds, classes, metric, positive)
    with parallel(backend, n_jobs, scheduler) as runner:
        for key, proba, seconds, error in tqdm(runner(jobs), total=n_tasks, disable=not verbose,
                                               desc="model search", unit="fit"):
            name, index, fold = key
            tally = tallies.setdefault((name, index), _Tally(*candidates[name][index]))
            tally.probas[fold], tally.seconds = proba, tally.seconds + seconds
            fold_seconds.setdefault(name, []).append(seconds * len(folds))
            if error:
                tally.errors.append(f"fold {fold}: {error}")
            if len(tally.probas) == len(folds):
                _finish(results[name], index, tallies.pop((name, index)), context)
    for result in results.values():
        result.trials.sort(key=lambda trial: trial.pop("_index"))
    if skipped:
        logger.warning("Time limit of %s s reached: %d candidate(s) skipped.", time_limit, len(skipped))
    return results, skipped


def _delayed_fit(key, estimator, X, y, train, val, classes, one_thread):
    """A joblib task fitting one candidate on one fold."""
    return delayed(_fit_fold)(key, estimator, X, y, train, val, classes, one_thread)


def _finish(result, index, tally, context):
    """Score a candidate whose folds are all back; keep it if it is its model's best."""
    X, y, folds, classes, metric, positive = context
    trial = {"params": _plain(tally.params), "cv_mean": None, "cv_std": None, "fold_scores": [],
             "fit_time_s": round(tally.seconds, 3), "_index": index}
    if tally.errors:
        trial["error"] = tally.errors[0]
        logger.warning("Candidate %s failed: %s", tally.params, tally.errors[0])
        result.trials.append(trial)
        return
    oof = np.full((len(y), len(classes)), np.nan)
    scores = []
    for fold, (_, val) in enumerate(folds):
        oof[val] = tally.probas[fold]
        scores.append(score_proba(metric, y[val], tally.probas[fold], classes, positive))
    defined = [s for s in scores if s is not None]
    mean = float(np.mean(defined)) if defined else None
    std = float(np.std(defined)) if defined else None
    trial.update(cv_mean=mean, cv_std=std, fold_scores=scores)
    result.trials.append(trial)
    # Ties go to the earlier candidate, so the choice does not depend on which
    # worker finished first.
    key = (better(metric, mean), -index)
    if result.estimator is None or key > (better(metric, result.score), -result._index):
        result.estimator, result.params = tally.estimator, trial["params"]
        result.score, result.std = mean, std
        result.fold_scores, result.oof, result.fit_time_s = scores, oof, trial["fit_time_s"]
        result._index = index


def _plain(params):
    """JSON-friendly copy of a parameter dict (tuples become lists)."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}
