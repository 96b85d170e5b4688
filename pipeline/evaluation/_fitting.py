"""Fitting a Pipeline whose final estimator can watch a validation split.

The neural estimators stop early on validation loss, and in this flow the
validation split is phase 4's, not a slice of the (resampled) training rows.
The validation rows must reach the estimator transformed by the *fitted* phase
steps, which exist only once those steps are fitted, so the Pipeline is fitted
step by step here rather than through a single ``Pipeline.fit`` call.
"""

from __future__ import annotations

import inspect

__all__ = ["fit_pipeline"]


def _takes_validation(estimator):
    try:
        parameters = inspect.signature(estimator.fit).parameters
    except (TypeError, ValueError):
        return False
    return "X_val" in parameters and "y_val" in parameters


def fit_pipeline(pipe, X_train, y_train, X_val=None, y_val=None):
    """Fit ``pipe``; hand the transformed validation split to its last step if it takes one.

    Parameters
    ----------
    pipe : imblearn.pipeline.Pipeline
    X_train, y_train : training rows
    X_val, y_val : validation rows, optional

    Returns
    -------
    pipe : the same Pipeline, fitted

    Examples
    --------
    >>> import numpy as np
    >>> from imblearn.pipeline import Pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> X, y = np.arange(20.0).reshape(10, 2), np.array([0, 1] * 5)
    >>> fit_pipeline(Pipeline([("scale", MinMaxScaler()), ("model", LogisticRegression())]), X, y).predict(X).shape
    (10,)
    """
    final = pipe.steps[-1][1]
    if X_val is None or not _takes_validation(final):
        return pipe.fit(X_train, y_train)
    Xt, yt = X_train, y_train
    for _, step in pipe.steps[:-1]:
        if step is None or step == "passthrough":
            continue
        if hasattr(step, "fit_resample"):
            Xt, yt = step.fit_resample(Xt, yt)  # samplers act on training rows only
        else:
            Xt = step.fit_transform(Xt, yt)
    X_val_t = pipe[:-1].transform(X_val)  # samplers are skipped when transforming
    final.fit(Xt, yt, X_val=X_val_t, y_val=y_val)
    return pipe
