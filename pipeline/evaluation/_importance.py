"""Permutation importance of a fitted Pipeline's raw input columns.

The flow's models are Pipelines that take raw rows, so permuting one raw column
permutes everything derived from it at once: a categorical column's whole
one-hot group, or every LDA component it feeds. The importance of a column is
how much the score drops when its values are shuffled across rows, measured
with scikit-learn's :func:`~sklearn.inspection.permutation_importance` over
several repeats.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.utils import resample
from threadpoolctl import threadpool_limits

__all__ = ["MAX_IMPORTANCE_ROWS", "column_importance"]

logger = logging.getLogger(__name__)

#: Rows scored per repeat at most; a larger split is subsampled (stratified) to this size,
#: which keeps the cost of ``n_columns * n_repeats`` predictions affordable per model.
MAX_IMPORTANCE_ROWS = 1000
_DECIMALS = 6


def _scoring(y):
    return "roc_auc" if pd.Series(y).nunique() <= 2 else "roc_auc_ovr"


def _subsample(X, y, max_rows, random_state):
    if len(X) <= max_rows:
        return X, np.asarray(y)
    X_part, y_part = resample(X, np.asarray(y), n_samples=max_rows, replace=False,
                              stratify=np.asarray(y), random_state=random_state)
    return X_part, y_part


def column_importance(estimator, X, y, *, n_repeats=5, max_rows=MAX_IMPORTANCE_ROWS,
                      random_state=0, n_jobs=1):
    """Permutation importance of each raw column, scored with ROC AUC.

    Parameters
    ----------
    estimator : fitted classifier taking ``X`` as is (a flow Pipeline)
    X : pandas.DataFrame
        Raw rows of a split the model was not fitted on (the test split).
    y : array-like of shape (n_rows,)
        Their labels; needs at least two classes.
    n_repeats : int, default=5
        Shuffles per column; the spread over them is reported.
    max_rows : int, default=1000
        Larger splits are subsampled, stratified by class, to this many rows.
    random_state : int, default=0
        Seeds the subsample and the shuffles.
    n_jobs : int, default=1
        Columns scored in parallel.

    Returns
    -------
    importance : dict
        ``scoring`` (``roc_auc``, or ``roc_auc_ovr`` for more classes),
        ``baseline`` (the unshuffled score), ``n_rows`` (rows scored, after any
        subsampling), ``n_rows_available``, ``n_repeats`` and ``columns``: one
        ``{"column", "mean", "std", "repeats"}`` per column, the largest mean
        drop first.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"signal": rng.normal(size=200), "noise": rng.normal(size=200)})
    >>> y = (X["signal"] > 0).astype(int)
    >>> found = column_importance(LogisticRegression().fit(X, y), X, y)
    >>> [c["column"] for c in found["columns"]]
    ['signal', 'noise']
    """
    if not isinstance(X, pd.DataFrame):
        raise TypeError(
            f"X must be a pandas DataFrame of raw columns, but got {type(X).__name__}. "
            "Importance is reported per named column; pass the table the model reads."
        )
    if pd.Series(np.asarray(y)).nunique() < 2:
        raise ValueError("y holds a single class; ROC AUC and so importance need two or more.")
    X_part, y_part = _subsample(X, y, max_rows, random_state)
    scoring = _scoring(y_part)
    # Many small predictions: native thread pools (OpenMP in gradient boosting, BLAS) cost more
    # in start-up and contention than they gain on a thousand rows, most of all on shared cores.
    with threadpool_limits(limits=1):
        found = permutation_importance(estimator, X_part, y_part, scoring=scoring, n_repeats=n_repeats,
                                       random_state=random_state, n_jobs=n_jobs)
        baseline = _baseline(estimator, X_part, y_part, scoring)
    columns = [
        {"column": str(name), "mean": round(float(mean), _DECIMALS),
         "std": round(float(std), _DECIMALS),
         "repeats": [round(float(v), _DECIMALS) for v in repeats]}
        for name, mean, std, repeats in zip(X.columns, found.importances_mean,
                                            found.importances_std, found.importances)
    ]
    columns.sort(key=lambda c: (-c["mean"], c["column"]))
    return {"scoring": scoring, "baseline": baseline, "n_rows": int(len(X_part)),
            "n_rows_available": int(len(X)), "n_repeats": int(n_repeats), "columns": columns}


def _baseline(estimator, X, y, scoring):
    from sklearn.metrics import get_scorer

    return round(float(get_scorer(scoring)(estimator, X, y)), _DECIMALS)
