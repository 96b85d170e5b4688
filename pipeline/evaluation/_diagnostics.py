"""What the report shows of a model beyond its rates: curves, column importance, activation maps."""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd

from ._activation import class_activation_examples
from ._curves import binary_curves
from ._importance import column_importance

__all__ = ["model_diagnostics"]

logger = logging.getLogger(__name__)


def model_diagnostics(estimator, X, y, classes, positive, *, random_state=0):
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
        score = np.asarray(estimator.predict_proba(X))[:, column]
        found["curves"] = binary_curves(y == positive, score)
    if isinstance(X, pd.DataFrame) and present:
        start = time.perf_counter()
        found["importance"] = column_importance(estimator, X, y, random_state=random_state)
        logger.info("Permutation importance of %d columns on %d rows: %.1f s.", X.shape[1],
                    found["importance"]["n_rows"], time.perf_counter() - start)
    return found
