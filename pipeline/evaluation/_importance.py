"""Permutation importance of a fitted Pipeline's raw input columns.

The flow's models are Pipelines that take raw rows, so permuting one raw column
permutes everything derived from it at once: a categorical column's whole
one-hot group, or every LDA component it feeds. The importance of a column is
how much the score drops when its values are shuffled across rows, over several
repeats.

Written by hand rather than with scikit-learn's
:func:`~sklearn.inspection.permutation_importance`, which calls the model once per
column and repeat: on the few hundred test rows of a small table each call is
mostly a Pipeline's fixed cost (column transformer, encoders, a forest's thread
start), so a 31-column table cost 155 calls and 4 to 16 s per model. Here every
shuffled copy is stacked and the model predicts them in a few large calls; the
scores are the same definition (the unshuffled score minus the shuffled one).

Each copy's ROC AUC comes from ranks (:func:`~pipeline.selection.rank_roc_auc`), all copies
of a batch at once: scikit-learn's :func:`~sklearn.metrics.roc_auc_score` validates
its input and builds a whole curve on every call: on a 31-column table of 221 test
rows (155 copies) it took 0.57 s per model, the ranks 6 ms.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.utils import resample

from ..selection import rank_roc_auc

__all__ = ["MAX_IMPORTANCE_ROWS", "column_importance"]

logger = logging.getLogger(__name__)

#: Rows scored per repeat at most; a larger split is subsampled (stratified) to this size,
#: which keeps the cost of ``n_columns * n_repeats`` shuffled copies affordable per model.
MAX_IMPORTANCE_ROWS = 1000
#: Most stacked rows handed to one prediction call, which bounds the memory of a batch.
BATCH_ROWS = 50_000
_DECIMALS = 6


def _scoring(y):
    return "roc_auc" if pd.Series(y).nunique() <= 2 else "roc_auc_ovr"


def _subsample(X, y, max_rows, random_state):
    if len(X) <= max_rows:
        return X, np.asarray(y)
    X_part, y_part = resample(X, np.asarray(y), n_samples=max_rows, replace=False,
                              stratify=np.asarray(y), random_state=random_state)
    return X_part, y_part


def column_importance(estimator, X, y, *, n_repeats=5, max_rows=MAX_IMPORTANCE_ROWS, random_state=0):
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
    X_part = X_part.reset_index(drop=True)
    def score(proba):
        return rank_roc_auc(y_part, proba, estimator.classes_)

    baseline = score(estimator.predict_proba(X_part))
    rng = np.random.default_rng(random_state)
    drops = baseline - _shuffled_scores(estimator, X_part, score, n_repeats, rng)
    columns = [
        {"column": str(name), "mean": round(float(row.mean()), _DECIMALS),
         "std": round(float(row.std()), _DECIMALS), "repeats": [round(float(v), _DECIMALS) for v in row]}
        for name, row in zip(X.columns, drops)
    ]
    columns.sort(key=lambda c: (-c["mean"], c["column"]))
    return {"scoring": _scoring(y_part), "baseline": round(float(baseline), _DECIMALS),
            "n_rows": int(len(X_part)), "n_rows_available": int(len(X)), "n_repeats": int(n_repeats),
            "columns": columns}


def _shuffled_scores(estimator, X, score, n_repeats, rng):
    """Scores of ``X`` with each column shuffled, shape (n_columns, n_repeats).

    Shuffled copies of ``X`` are stacked, at most :data:`BATCH_ROWS` rows per
    prediction call, each copy scored on its own rows.
    """
    n_rows = len(X)
    per_batch = max(1, BATCH_ROWS // (n_rows * n_repeats))
    scores = np.empty((X.shape[1], n_repeats))
    for start in range(0, X.shape[1], per_batch):
        columns = range(start, min(start + per_batch, X.shape[1]))
        copies = [_shuffled(X, j, rng) for j in columns for _ in range(n_repeats)]
        proba = np.asarray(estimator.predict_proba(pd.concat(copies, ignore_index=True)))
        scores[columns.start:columns.stop] = score(proba.reshape(len(columns), n_repeats, n_rows, -1))
    return scores


def _shuffled(X, j, rng):
    """``X`` with its ``j``-th column's values in a random order (dtype kept)."""
    copy = X.copy()
    copy.isetitem(j, X.iloc[:, j].take(rng.permutation(len(X))).set_axis(X.index))
    return copy
