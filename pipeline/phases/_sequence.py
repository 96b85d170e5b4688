"""Phases 1-3 for sequence data: arrays of shape (n_series, n_steps, n_channels).

Tables get per-column steps; a series instead gets per-channel ones, learned
from the training series only: z-score clipping of spikes (dropping a whole
series for one spike would waste scarce rows), mean imputation, min-max
scaling. SMOTE interpolates between flattened series, and LDA is skipped: it
would collapse a series to n_classes - 1 numbers and leave a sequence model
nothing to read in order.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from imblearn.base import BaseSampler
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._balance import Balancer

__all__ = ["Flatten", "SequenceBalancer", "SequenceScaler", "as_series", "build_sequence_steps"]


def as_series(X):
    """Return ``X`` as a float32 array of shape (n_series, n_steps, n_channels).

    A 2-D array is read as one channel per series.

    Examples
    --------
    >>> as_series(np.zeros((4, 10))).shape
    (4, 10, 1)
    """
    X = np.asarray(X, dtype=np.float32)
    if X.ndim == 2:
        X = X[:, :, None]
    if X.ndim != 3:
        raise ValueError(
            f"Sequence data must have shape (n_series, n_steps[, n_channels]); got {X.ndim} dimensions "
            f"{X.shape}. Reshape it, or run it as a table."
        )
    return X


class SequenceScaler(TransformerMixin, BaseEstimator):
    """Per-channel z-score clipping, mean imputation and min-max scaling of series.

    Parameters
    ----------
    threshold : float or None, default=3.0
        Values further than ``threshold`` training standard deviations from their
        channel's mean are clipped to that bound; ``None`` turns clipping off.

    Attributes
    ----------
    mean_, scale_ : ndarray of shape (n_channels,)
        Per-channel mean and standard deviation of the training values.
    data_min_, data_max_ : ndarray of shape (n_channels,)
        Per-channel range after clipping, mapped to [0, 1].
    n_clipped_ : int
        Training values clipped.
    n_imputed_ : ndarray of shape (n_channels,)
        Missing training values per channel.
    n_steps_, n_channels_ : int

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(20, 8, 2))
    >>> Xt = SequenceScaler().fit_transform(X)
    >>> Xt.shape, float(Xt.min()) >= 0.0, float(Xt.max()) <= 1.0
    ((20, 8, 2), True, True)
    """

    _parameter_constraints: dict = {"threshold": [Interval(Real, 0, None, closed="neither"), None]}

    def __init__(self, threshold=3.0):
        self.threshold = threshold

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        X = as_series(X)
        finite = np.where(np.isfinite(X), X, np.nan)
        flat = finite.reshape(-1, X.shape[2])
        with np.errstate(all="ignore"):
            self.mean_ = np.nan_to_num(np.nanmean(flat, axis=0))
            self.scale_ = np.nan_to_num(np.nanstd(flat, axis=0))
        self.n_steps_, self.n_channels_ = X.shape[1], X.shape[2]
        self.n_imputed_ = np.isnan(flat).sum(axis=0)
        clipped = self._clip(np.where(np.isnan(flat), self.mean_, flat))
        self.n_clipped_ = int(np.sum(clipped != np.where(np.isnan(flat), self.mean_, flat)))
        self.data_min_, self.data_max_ = clipped.min(axis=0), clipped.max(axis=0)
        return self

    def _clip(self, flat):
        if self.threshold is None:
            return flat
        bound = self.threshold * self.scale_
        return np.clip(flat, self.mean_ - bound, self.mean_ + bound)

    def transform(self, X):
        check_is_fitted(self)
        X = as_series(X)
        if X.shape[2] != self.n_channels_:
            raise ValueError(
                f"SequenceScaler was fitted on {self.n_channels_} channel(s) but got {X.shape[2]}. "
                "Pass series with the channels it was trained on."
            )
        flat = X.reshape(-1, X.shape[2])
        flat = np.where(np.isfinite(flat), flat, np.nan)
        flat = self._clip(np.where(np.isnan(flat), self.mean_, flat))
        span = np.where(self.data_max_ > self.data_min_, self.data_max_ - self.data_min_, 1.0)
        return ((flat - self.data_min_) / span).astype(np.float32).reshape(X.shape)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class SequenceBalancer(BaseSampler):
    """SMOTE on flattened series, returned in the original (n, steps, channels) shape.

    Parameters
    ----------
    method : {"smote", "none"}, default="smote"
    k_neighbors : int, default=5
        Lowered with a warning when a class is too small (see :class:`Balancer`).
    random_state : int or None, default=None

    Attributes
    ----------
    balancer_ : Balancer
        The fitted balancer on flattened series; its class counts are mirrored here.
    class_counts_before_, class_counts_after_ : dict
    k_neighbors_ : int or None

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(30, 6, 1))
    >>> y = np.array([0] * 24 + [1] * 6)
    >>> Xr, yr = SequenceBalancer(random_state=0).fit_resample(X, y)
    >>> Xr.shape, int((yr == 1).sum())
    ((48, 6, 1), 24)
    """

    _sampling_type = "over-sampling"
    _parameter_constraints: dict = {
        "method": [StrOptions({"smote", "none"})],
        "k_neighbors": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, method="smote", *, k_neighbors=5, random_state=None):
        self.method = method
        self.k_neighbors = k_neighbors
        self.random_state = random_state

    @property
    def sampling_strategy(self):
        return "auto"

    def _check_X_y(self, X, y):
        return as_series(X), np.asarray(y), False

    def fit_resample(self, X, y, **params):
        self._validate_params()
        X = as_series(X)
        y = np.asarray(y)
        self.balancer_ = Balancer(self.method, k_neighbors=self.k_neighbors, random_state=self.random_state)
        X_flat, y_res = self.balancer_.fit_resample(X.reshape(len(X), -1), y)
        self.class_counts_before_ = self.balancer_.class_counts_before_
        self.class_counts_after_ = self.balancer_.class_counts_after_
        self.k_neighbors_ = self.balancer_.k_neighbors_
        return np.asarray(X_flat, dtype=np.float32).reshape(-1, *X.shape[1:]), y_res

    def _fit_resample(self, X, y):  # required by the base class; fit_resample does the work
        return self.fit_resample(X, y)


class Flatten(TransformerMixin, BaseEstimator):
    """Reshape series (n, steps, channels) to rows (n, steps * channels) for tabular models.

    Examples
    --------
    >>> Flatten().fit_transform(np.zeros((3, 4, 2))).shape
    (3, 8)
    """

    def fit(self, X, y=None):
        X = as_series(X)
        self.n_features_out_ = X.shape[1] * X.shape[2]
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = as_series(X)
        return X.reshape(len(X), -1)


def build_sequence_steps(*, flatten, threshold=3.0, balance="smote", k_neighbors=5, random_state=None):
    """The unfitted phase steps for series: ``prepare``, ``balance``, ``reduce``.

    Parameters
    ----------
    flatten : bool
        Append a :class:`Flatten` step (as ``reduce``) so a tabular model reads
        one row per series; sequence models get the series as they are.
    threshold : float or None, default=3.0
    balance : {"smote", "none"}, default="smote"
    k_neighbors : int, default=5
    random_state : int or None

    Examples
    --------
    >>> [name for name, _ in build_sequence_steps(flatten=True)]
    ['prepare', 'balance', 'reduce']
    """
    if balance not in ("smote", "none"):
        raise ValueError(f"balance={balance!r} is not available for sequence data; use 'smote' or 'none'.")
    return [
        ("prepare", SequenceScaler(threshold=threshold)),
        ("balance", SequenceBalancer(balance, k_neighbors=k_neighbors, random_state=random_state)),
        ("reduce", Flatten() if flatten else "passthrough"),
    ]


def sequence_phase_report(fitted_pipeline):
    """What the fitted sequence phases did, in the shape of the table phase report."""
    scaler, balancer = fitted_pipeline.named_steps["prepare"], fitted_pipeline.named_steps["balance"]
    return {
        "outliers": {"method": "clip", "threshold": scaler.threshold, "cells_clipped": int(scaler.n_clipped_)},
        "imputation": {"cells_imputed": {f"channel {c}": int(n) for c, n in enumerate(scaler.n_imputed_) if n}},
        "balance": {
            "method": balancer.method,
            "k_neighbors": None if balancer.k_neighbors_ is None else int(balancer.k_neighbors_),
            "class_counts_before": {str(k): int(v) for k, v in balancer.class_counts_before_.items()},
            "class_counts_after": {str(k): int(v) for k, v in balancer.class_counts_after_.items()},
        },
        "sequence": {"n_steps": int(scaler.n_steps_), "n_channels": int(scaler.n_channels_)},
    }
