"""What the report shows of a model beyond its rates: curves, column importance, activation maps."""

from __future__ import annotations

import contextlib
import logging
import pickle
import time

import numpy as np
import pandas as pd
from joblib import delayed
from tqdm.auto import tqdm

from ..selection import EnsembleClassifier, parallel, single_threaded
from ._activation import class_activation_examples
from ._curves import binary_curves
from ._importance import column_importance

__all__ = ["diagnose_models", "model_diagnostics"]

logger = logging.getLogger(__name__)


def model_diagnostics(estimator, X, y, classes, positive, *, random_state=0, proba=None):
    """Curves (two classes), permutation importance (tables) and class activation maps (series).

    Parameters
    ----------
    estimator : fitted Pipeline taking raw rows
    X : pandas.DataFrame or array
        Rows of the split the model is scored on (the test split). Importance is
        computed for tables (DataFrames) only, activation maps for series only.
    y : array-like of shape (n_rows,)
    classes : sequence
        The model's classes, in ``predict_proba`` column order.
    positive : label or None
        The positive class of two; None for multiclass data (no curves).
    random_state : int, default=0
    proba : ndarray of shape (n_rows, n_classes), optional
        ``estimator.predict_proba(X)``, when the caller has it already.

    Returns
    -------
    dict
        ``curves`` (see :func:`~pipeline.evaluation.binary_curves`, or None) and
        ``importance`` (see :func:`~pipeline.evaluation.column_importance`, or None) and
        ``activation`` (see :func:`~pipeline.evaluation.class_activation_examples`, or None:
        the final estimator has no ``class_activation_maps``).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"a": np.arange(40.0), "b": np.ones(40)})
    >>> y = np.array(["n", "y"] * 20)
    >>> found = model_diagnostics(LogisticRegression().fit(X, y), X, y, ["n", "y"], "y")
    >>> sorted(found), found["importance"]["n_repeats"]
    (['activation', 'curves', 'importance'], 5)
    """
    y = np.asarray(y)
    found = {"curves": None, "importance": None,
             "activation": class_activation_examples(estimator, X, y, classes)}
    present = len(np.unique(y)) >= 2
    if positive is not None and present:
        column = list(classes).index(positive)
        proba = estimator.predict_proba(X) if proba is None else proba
        score = np.asarray(proba)[:, column]
        found["curves"] = binary_curves(y == positive, score)
    if isinstance(X, pd.DataFrame) and present:
        start = time.perf_counter()
        found["importance"] = column_importance(estimator, X, y, random_state=random_state)
        logger.info("Permutation importance of %d columns on %d rows: %.1f s.", X.shape[1],
                    found["importance"]["n_rows"], time.perf_counter() - start)
    return found


def _diagnose(name, estimator, X, y, classes, positive, random_state, one_thread):
    with single_threaded() if one_thread else contextlib.nullcontext():
        start = time.perf_counter()
        proba = np.asarray(estimator.predict_proba(X))
        seconds = time.perf_counter() - start
        found = model_diagnostics(estimator, X, y, classes, positive, random_state=random_state, proba=proba)
        # What a user pays to keep and to use the model, the ensemble beside its members:
        # the pickled size tracks the model folder's (the fitted arrays dominate both).
        cost = {"predict_time_s": round(seconds, 3), "size_bytes": len(pickle.dumps(estimator, protocol=5))}
        return name, {**found, **cost, "proba": proba}


def diagnose_models(models, X, y, classes, positive, *, random_state=0, n_jobs=2, backend="loky",
                    scheduler=None, verbose=True):
    """:func:`model_diagnostics` of several fitted models, one task per model on the search's workers.

    Permutation importance predicts every model on many shuffled copies of the
    test rows; one model after another it took as long as the refit and the
    report together, while the workers that ran the search stood idle.

    Parameters
    ----------
    models : dict
        Name -> fitted Pipeline taking raw rows.
    X, y, classes, positive, random_state
        As for :func:`model_diagnostics`.
    n_jobs, backend, scheduler
        What runs the tasks (see :func:`~pipeline.selection.parallel`).
    verbose : bool, default=True
        Show a progress bar.

    Returns
    -------
    dict
        Name -> :func:`model_diagnostics` of that model, its ``proba`` on ``X``, the
        seconds that prediction took (``predict_time_s``) and its pickled size
        (``size_bytes``), in the order of ``models``.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"a": np.arange(40.0), "b": np.ones(40)})
    >>> y = np.array(["n", "y"] * 20)
    >>> found = diagnose_models({"lr": LogisticRegression().fit(X, y)}, X, y, ["n", "y"], "y",
    ...                         backend="sequential", verbose=False)
    >>> list(found), found["lr"]["importance"]["n_repeats"], found["lr"]["proba"].shape
    (['lr'], 5, (40, 2))
    """
    # The ensemble predicts through all its members: it starts first, so that it is not
    # the one task left running at the end.
    order = sorted(models, key=lambda name: not isinstance(models[name], EnsembleClassifier))
    jobs = (delayed(_diagnose)(name, models[name], X, y, classes, positive, random_state, backend == "dask")
            for name in order)
    found = {}
    with parallel(backend, n_jobs, scheduler) as runner:
        for name, diagnostics in tqdm(runner(jobs), total=len(models), disable=not verbose,
                                      desc="diagnostics", unit="model"):
            found[name] = diagnostics
    return {name: found[name] for name in models}
