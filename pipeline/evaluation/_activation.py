"""Class activation maps of a few test series, as plain values the report draws.

The values are JSON-ready (lists of floats, ``None`` where a value is missing),
so they are stored in ``metrics.json`` with the model's other figure data and
drawn again later without the model.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["class_activation_examples", "example_rows"]

_DECIMALS = 6
_PER_CLASS = 2  # series shown of each class
_MAX_SERIES = 8  # above this many (many classes), one series per class


def _plain(values):
    return [round(float(v), _DECIMALS) if np.isfinite(v) else None for v in np.asarray(values).ravel()]


def example_rows(y, classes, *, per_class=_PER_CLASS, limit=_MAX_SERIES):
    """Positions of the first rows of each class, class by class: the series shown.

    Parameters
    ----------
    y : array-like of shape (n_rows,)
    classes : sequence
        The classes, in the order shown; classes without rows are left out.
    per_class : int, default=2
        Rows of each class; 1 when that would give more than ``limit`` rows.
    limit : int, default=8
        Most rows in all (the first classes are kept).

    Returns
    -------
    list of int

    Examples
    --------
    >>> example_rows(["b", "a", "b", "a", "a"], ["a", "b"])
    [1, 3, 0, 2]
    >>> example_rows(list("abcabc"), list("abc"), limit=4)
    [0, 1, 2]
    """
    y = np.asarray(y)
    present = [c for c in classes if np.any(y == c)]
    if per_class * len(present) > limit:
        per_class = 1
    rows = [int(i) for c in present for i in np.flatnonzero(y == c)[:per_class]]
    return rows[:limit]


def _per_step(cam, n_steps, pool):
    """A map over pooled windows stretched back to one value per step of the series."""
    return np.repeat(np.asarray(cam, dtype=np.float64), pool)[:n_steps]


def class_activation_examples(estimator, X, y, classes, *, per_class=_PER_CLASS, limit=_MAX_SERIES):
    """Class activation maps of the first test series of each class.

    The maps are computed on the series as the final estimator reads them (after
    the pipeline's scaling); the values returned are the raw ones, which read
    more easily. A multichannel series gives its first channel.

    Parameters
    ----------
    estimator : fitted Pipeline taking raw series, or a bare estimator
        Maps exist when its final estimator has ``class_activation_maps``
        (:class:`~pipeline.models.neural.CNNClassifier` and its ResNet).
    X : array of shape (n_series, n_steps[, n_channels])
        The split the model is scored on (the test split). A table
        (DataFrame) has no steps to map, so gives None.
    y : array-like of shape (n_series,)
    classes : sequence
        The model's classes, in the order the series are shown.
    per_class, limit : int
        See :func:`example_rows`.

    Returns
    -------
    dict or None
        ``channel`` (0, the channel shown), ``n_channels`` and ``series``: one
        ``{"row", "true", "predicted", "values", "activation"}`` per series shown,
        ``row`` its position in ``X``, ``predicted`` the more probable class (the
        one its map explains) and ``activation`` one value per step, positive
        where the step pushed the prediction toward that class. None when the
        estimator has no maps or ``X`` is a table.

    Examples
    --------
    >>> from pipeline.models.neural import CNNClassifier
    >>> X = np.random.default_rng(0).normal(size=(20, 12, 2))
    >>> y = np.array(["a", "b"] * 10)
    >>> found = class_activation_examples(CNNClassifier((4,), max_steps=5, random_state=0).fit(X, y),
    ...                                   X, y, ["a", "b"])
    >>> [s["row"] for s in found["series"]], found["n_channels"], len(found["series"][0]["activation"])
    ([0, 2, 1, 3], 2, 12)
    """
    final = estimator.steps[-1][1] if getattr(estimator, "steps", None) else estimator
    if not hasattr(final, "class_activation_maps") or isinstance(X, pd.DataFrame):
        return None
    rows = example_rows(y, classes, per_class=per_class, limit=limit)
    if not rows:
        return None
    picked = np.asarray(X)[rows]
    raw = _as_series(picked)
    # imbalanced-learn's Pipeline skips samplers when it transforms, as when it predicts.
    transformed = estimator[:-1].transform(picked) if len(getattr(estimator, "steps", ())) > 1 else picked
    maps = np.asarray(final.class_activation_maps(transformed))
    predicted = np.asarray(final.predict(transformed))
    # A map may cover windows of several steps (the estimator's ``pool_``).
    pool = getattr(final, "pool_", None) or math.ceil(raw.shape[1] / maps.shape[1])
    series = [{"row": row, "true": str(np.asarray(y)[row]), "predicted": str(label),
               "values": _plain(values[:, 0]), "activation": _plain(_per_step(cam, raw.shape[1], pool))}
              for row, values, cam, label in zip(rows, raw, maps, predicted)]
    return {"channel": 0, "n_channels": int(raw.shape[2]), "series": series}


def _as_series(X):
    """``X`` as an array of shape (n_series, n_steps, n_channels), a 2-D array being one channel."""
    X = np.asarray(X)
    if X.ndim == 2:
        X = X[:, :, None]
    if X.ndim != 3:
        raise ValueError(
            f"X must be series of shape (n_series, n_steps[, n_channels]) for class activation maps, "
            f"but has shape {X.shape}. Pass the test series as the model reads them."
        )
    return X
