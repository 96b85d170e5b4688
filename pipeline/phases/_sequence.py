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
from imblearn.utils import check_target_type
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from .._sklearn import Interval, StrOptions, _fit_context
from ._balance import Balancer
from ._outliers import ZScoreClipper

__all__ = [
    "SEQUENCE_BALANCE_METHODS",
    "Flatten",
    "SequenceBalancer",
    "SequenceScaler",
    "as_series",
    "build_sequence_steps",
    "sequence_phase_report",
]

#: Balancing methods for series: SMOTENC has no categorical channels to treat.
SEQUENCE_BALANCE_METHODS = ("smote", "none")


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


def _check_series(estimator, X, *, reset, finite=False):
    """Validate ``X`` like any scikit-learn input (dense, numeric, non-empty; ``n_features_in_``
    is the number of steps), allowing 3-D series; return it as floats, shape kept."""
    return validate_data(estimator, X, reset=reset, allow_nd=True, ensure_all_finite=finite,
                         dtype=[np.float64, np.float32])


class SequenceScaler(TransformerMixin, BaseEstimator):
    """Per-channel z-score clipping, mean imputation and min-max scaling of series.

    Each channel is one column of the (n_series * n_steps, n_channels) table of all
    time points, and the table steps do the work: :class:`ZScoreClipper` clips,
    :class:`~sklearn.impute.SimpleImputer` fills missing and infinite values with
    the channel's (clipped) training mean, and
    :class:`~sklearn.preprocessing.MinMaxScaler` maps the training range to [0, 1].

    Parameters
    ----------
    threshold : float or None, default=3.0
        Values further than ``threshold`` training standard deviations from their
        channel's mean are clipped to that bound; ``None`` turns clipping off.

    Attributes
    ----------
    clipper_ : ZScoreClipper or None
        The fitted clipper (``None`` without clipping).
    imputer_ : SimpleImputer
    scaler_ : MinMaxScaler
    mean_, scale_ : ndarray of shape (n_channels,)
        Per-channel mean and standard deviation of the finite training values.
    data_min_, data_max_ : ndarray of shape (n_channels,)
        Per-channel range after clipping and imputation, mapped to [0, 1].
    n_clipped_ : int
        Training values clipped.
    n_imputed_ : ndarray of shape (n_channels,)
        Missing or infinite training values per channel.
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
        """Learn each channel's clipping bounds, mean and range from the training series.

        Parameters
        ----------
        X : array-like of shape (n_series, n_steps, n_channels) or (n_series, n_steps)
            Training series; a 2-D array is one channel per series.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceScaler
            The fitted scaler.
        """
        X = as_series(_check_series(self, X, reset=True))
        self.n_steps_, self.n_channels_ = X.shape[1], X.shape[2]
        points = _time_points(X)
        self.n_imputed_ = np.isnan(points).sum(axis=0)
        self.clipper_ = None if self.threshold is None else ZScoreClipper(self.threshold).fit(points)
        clipper = self.clipper_ or ZScoreClipper().fit(points)  # the statistics, also without clipping
        self.mean_, self.scale_ = np.nan_to_num(clipper.mean_), np.nan_to_num(clipper.scale_)
        self.n_clipped_ = 0 if self.clipper_ is None else self.clipper_.n_clipped_
        clipped = points if self.clipper_ is None else self.clipper_.transform(points)
        self.imputer_ = SimpleImputer(strategy="mean", keep_empty_features=True).fit(clipped)
        self.scaler_ = MinMaxScaler().fit(self.imputer_.transform(clipped))
        self.data_min_, self.data_max_ = self.scaler_.data_min_, self.scaler_.data_max_
        return self

    def transform(self, X):
        """Clip, impute and scale series with the statistics learned in fit.

        Parameters
        ----------
        X : array-like of shape (n_series, n_steps, n_channels) or (n_series, n_steps)
            Series with the channels seen in fit.

        Returns
        -------
        X_scaled : ndarray of shape (n_series, n_steps, n_channels), float32
        """
        check_is_fitted(self)
        X = as_series(_check_series(self, X, reset=False))
        if X.shape[2] != self.n_channels_:
            raise ValueError(
                f"SequenceScaler was fitted on {self.n_channels_} channel(s) but got {X.shape[2]}. "
                "Pass series with the channels it was trained on."
            )
        points = _time_points(X)
        if self.clipper_ is not None:
            points = self.clipper_.transform(points)
        points = self.scaler_.transform(self.imputer_.transform(points))
        return points.astype(np.float32).reshape(X.shape)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float32"]  # the dtype the torch sequence models read
        return tags


def _time_points(X):
    """Series (n, steps, channels) as a float64 table of time points, non-finite values as NaN."""
    points = X.reshape(-1, X.shape[2]).astype(np.float64)
    return np.where(np.isfinite(points), points, np.nan)


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
        "method": [StrOptions(set(SEQUENCE_BALANCE_METHODS))],
        "k_neighbors": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, method="smote", *, k_neighbors=5, random_state=None):
        self.method = method
        self.k_neighbors = k_neighbors
        self.random_state = random_state

    @property
    def sampling_strategy(self):
        """Always ``"auto"``: balance every class up to the majority (see :class:`Balancer`)."""
        return "auto"

    def _check_X_y(self, X, y):
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        X = _check_series(self, X, reset=True, finite=True)
        if len(X) != len(y):
            raise ValueError(f"X holds {len(X)} series but y {len(y)} labels; pass one label per series.")
        return X, y, binarize_y

    def _fit_resample(self, X, y):
        # imbalanced-learn's fit_resample validates the parameters and the target,
        # reads X through _check_X_y above and calls this; series keep their shape.
        self.balancer_ = Balancer(self.method, k_neighbors=self.k_neighbors, random_state=self.random_state)
        X_flat, y_res = self.balancer_.fit_resample(X.reshape(len(X), -1), y)
        self.class_counts_before_ = self.balancer_.class_counts_before_
        self.class_counts_after_ = self.balancer_.class_counts_after_
        self.k_neighbors_ = self.balancer_.k_neighbors_
        return np.asarray(X_flat, dtype=X.dtype).reshape(-1, *X.shape[1:]), y_res

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False  # series are dense arrays
        return tags


class Flatten(TransformerMixin, BaseEstimator):
    """Reshape series (n, steps, channels) to rows (n, steps * channels) for tabular models.

    Attributes
    ----------
    n_features_out_ : int
        ``n_steps * n_channels`` of the training series.

    Examples
    --------
    >>> Flatten().fit_transform(np.zeros((3, 4, 2))).shape
    (3, 8)
    """

    def fit(self, X, y=None):
        """Record the length of a flattened series.

        Parameters
        ----------
        X : array-like of shape (n_series, n_steps, n_channels) or (n_series, n_steps)
        y : None
            Ignored.

        Returns
        -------
        self : Flatten
        """
        X = _check_series(self, X, reset=True)
        self.n_features_out_ = int(np.prod(X.shape[1:]))
        return self

    def transform(self, X):
        """Return each series as one row.

        Parameters
        ----------
        X : array-like of shape (n_series, n_steps, n_channels) or (n_series, n_steps)

        Returns
        -------
        X_flat : ndarray of shape (n_series, n_steps * n_channels)
        """
        check_is_fitted(self)
        X = _check_series(self, X, reset=False)
        if int(np.prod(X.shape[1:])) != self.n_features_out_:
            raise ValueError(
                f"Flatten was fitted on series of {self.n_features_out_} values but got series of "
                f"shape {X.shape[1:]}. Pass series shaped like the training ones."
            )
        return X.reshape(len(X), -1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # a reshape: missing values pass through to the model
        return tags


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

    Returns
    -------
    steps : list of (str, estimator)

    Examples
    --------
    >>> [name for name, _ in build_sequence_steps(flatten=True)]
    ['prepare', 'balance', 'reduce']
    """
    if balance not in SEQUENCE_BALANCE_METHODS:
        raise ValueError(
            f"balance={balance!r} is not available for sequence data; use one of "
            f"{', '.join(SEQUENCE_BALANCE_METHODS)}."
        )
    return [
        ("prepare", SequenceScaler(threshold=threshold)),
        ("balance", SequenceBalancer(balance, k_neighbors=k_neighbors, random_state=random_state)),
        ("reduce", Flatten() if flatten else "passthrough"),
    ]


def sequence_phase_report(fitted_pipeline):
    """What the fitted sequence phases did, in the shape of the table phase report.

    Parameters
    ----------
    fitted_pipeline : imblearn.pipeline.Pipeline
        A fitted pipeline whose ``prepare`` and ``balance`` steps come from
        :func:`build_sequence_steps`.

    Returns
    -------
    dict
        ``outliers``, ``imputation``, ``balance`` and ``sequence`` blocks.
    """
    scaler, balancer = fitted_pipeline.named_steps["prepare"], fitted_pipeline.named_steps["balance"]
    return {
        "outliers": {"method": "clip", "threshold": scaler.threshold,
                     "cells_clipped": int(scaler.n_clipped_)},
        "imputation": {"cells_imputed": {f"channel {c}": int(n)
                                         for c, n in enumerate(scaler.n_imputed_) if n}},
        "balance": {
            "method": balancer.method,
            "k_neighbors": None if balancer.k_neighbors_ is None else int(balancer.k_neighbors_),
            "class_counts_before": {str(k): int(v) for k, v in balancer.class_counts_before_.items()},
            "class_counts_after": {str(k): int(v) for k, v in balancer.class_counts_after_.items()},
        },
        "sequence": {"n_steps": int(scaler.n_steps_), "n_channels": int(scaler.n_channels_)},
    }
