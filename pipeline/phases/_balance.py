"""Phase 2: balance the classes of the training rows with SMOTE, SMOTENC or nothing."""

import logging
import warnings
from collections import Counter
from numbers import Integral

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_sampling_strategy, check_target_type
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, validate_data

from ._neighbours import PartitionedNeighbors

__all__ = ["Balancer"]

logger = logging.getLogger(__name__)

# Most rows of a class that SMOTE searches exactly; larger classes are searched
# leaf by leaf (see PartitionedNeighbors). At 4096 rows the neighbours found on a
# million-row benchmark table were 5% farther than the exact ones on average, at
# an eighth of the time.
_LEAF_ROWS = 4096
# Synthetic rows built per chunk (see _LeanSMOTE).
_CHUNK_ROWS = 65_536


class _LeanSMOTE(SMOTE):
    """imbalanced-learn's SMOTE with synthetic rows written straight into the output.

    The parent copies the input, builds all synthetic rows at once through two
    float64 arrays of the full synthetic size (for float32 data), then stacks
    everything into a third array: on a million-row table, gigabytes beyond the
    result. Here the output is allocated once, the input copied into its top and
    the synthetic rows written below in chunks in the data's dtype. Validation,
    the sampling strategy, the neighbour search and the random draws (rows,
    neighbours, steps: the same calls in the same order as the parent's
    ``_make_samples``) are the parent's.
    """

    def _fit_resample(self, X, y):
        if not isinstance(X, np.ndarray):
            return super()._fit_resample(X, y)
        self._validate_estimator()
        plan = [(label, n) for label, n in self.sampling_strategy_.items() if n > 0]
        X_out = np.empty((len(X) + sum(n for _, n in plan), X.shape[1]), dtype=X.dtype)
        X_out[: len(X)] = X
        y_parts, at = [y], len(X)
        for label, n_samples in plan:
            X_class = X[np.flatnonzero(y == label)]
            self.nn_k_.fit(X_class)
            neighbours = self.nn_k_.kneighbors(X_class, return_distance=False)[:, 1:]
            random_state = check_random_state(self.random_state)
            picks = random_state.randint(low=0, high=neighbours.size, size=n_samples)
            steps = random_state.uniform(size=n_samples).astype(X.dtype)
            rows, cols = np.divmod(picks, neighbours.shape[1])
            for start in range(0, n_samples, _CHUNK_ROWS):
                part = slice(start, start + _CHUNK_ROWS)
                base = X_class[rows[part]]
                towards = X_class[neighbours[rows[part], cols[part]]]
                X_out[at + start: at + start + len(base)] = (
                    base + steps[part, None] * (towards - base))
            y_parts.append(np.full(n_samples, fill_value=label, dtype=y.dtype))
            at += n_samples
        return X_out, np.hstack(y_parts)


def _count_categorical(X, categorical_features):
    """How many columns of ``X`` SMOTENC would treat as categorical."""
    if isinstance(categorical_features, str):  # "auto": pandas category dtypes
        if not isinstance(X, pd.DataFrame):
            raise ValueError(
                "Balancer(method='smotenc', categorical_features='auto') finds categorical "
                f"columns by their pandas 'category' dtype, but got {type(X).__name__}. "
                "Pass a DataFrame, or list the categorical columns' positions or names."
            )
        return sum(isinstance(dtype, pd.CategoricalDtype) for dtype in X.dtypes)
    features = np.asarray(categorical_features)
    if features.dtype == bool:
        return int(features.sum())
    return len(set(features.tolist()))


class Balancer(BaseOverSampler):
    """Over-sample the minority classes of the training rows (SMOTE, SMOTENC or none).

    A sampler: :class:`imblearn.pipeline.Pipeline` calls it while fitting only, so
    synthetic rows are added to the training data and rows are never touched at
    predict time. A class too small for ``k_neighbors`` gets a smaller ``k`` (with
    a warning) instead of an error; a class with a single row cannot be
    interpolated and is left as it is (with a warning).

    Parameters
    ----------
    method : {"smote", "smotenc", "none"}, default="smote"
        ``"smote"`` for numeric features; ``"smotenc"`` when some columns are
        categorical codes (see ``categorical_features``); ``"none"`` to keep the
        rows as they are.
    k_neighbors : int, default=5
        Nearest neighbours used to build synthetic rows (lowered for small classes).
    sampling_strategy : float, str, dict or callable, default="auto"
        Target class counts, as in :class:`imblearn.over_sampling.SMOTE`; "auto"
        over-samples every class up to the majority count.
    categorical_features : "auto" or array-like, default=None
        For ``method="smotenc"``: positions, names or a boolean mask of the
        categorical columns, or "auto" for the columns of pandas ``category`` dtype.
        With no numeric column SMOTEN is used; with no categorical column, SMOTE.
    random_state : int, RandomState instance or None, default=None
        Seed for the synthetic rows.

    Notes
    -----
    SMOTE's neighbour search is exact for classes of up to 4096 rows. For larger
    classes it runs within the leaves of a random-projection tree of at most 4096
    rows each (:class:`PartitionedNeighbors`), so its cost grows linearly with the
    number of rows rather than with its square; neighbours are then nearly, not
    always, the nearest. Inputs other than NumPy arrays (sparse matrices, frames),
    SMOTENC and SMOTEN keep the exact search.

    Attributes
    ----------
    sampler_ : imblearn sampler or None
        The fitted SMOTE / SMOTENC / SMOTEN, or None when nothing was over-sampled.
    sampling_strategy_ : dict
        Class -> number of synthetic rows asked for.
    k_neighbors_ : int or None
        The ``k`` actually used, or None when nothing was over-sampled.
    class_counts_before_ : dict
        Class label -> row count before balancing.
    class_counts_after_ : dict
        Class label -> row count after balancing.
    n_features_in_ : int
        Number of columns seen in fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names seen in fit, when ``X`` is a DataFrame with string names.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(30, 2)), np.array([0] * 24 + [1] * 6)
    >>> balancer = Balancer(random_state=0)
    >>> X_res, y_res = balancer.fit_resample(X, y)
    >>> balancer.class_counts_before_, balancer.class_counts_after_
    ({0: 24, 1: 6}, {0: 24, 1: 24})
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "method": [StrOptions({"smote", "smotenc", "none"})],
        "k_neighbors": [Interval(Integral, 1, None, closed="left")],
        "categorical_features": ["array-like", StrOptions({"auto"}), None],
    }

    def __init__(self, method="smote", *, k_neighbors=5, sampling_strategy="auto",
                 categorical_features=None, random_state=None):
        self.method = method
        self.k_neighbors = k_neighbors
        self.sampling_strategy = sampling_strategy
        self.categorical_features = categorical_features
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Balance ``X`` and keep the fitted statistics; use ``fit_resample`` instead.

        Parameters
        ----------
        X : {array-like, DataFrame, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : Balancer
            The fitted balancer.
        """
        self._resample(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y):
        """Return the training rows with synthetic rows added to the minority classes.

        Parameters
        ----------
        X : {array-like, DataFrame, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        X_resampled : same type as X, of shape (n_samples_new, n_features)
            The original rows followed by the synthetic ones.
        y_resampled : same type as y, of shape (n_samples_new,)
            Their labels.
        """
        return self._resample(X, y)

    def _fit_resample(self, X, y):
        return self._resample(X, y)

    def _resample(self, X, y):
        if self.method == "smotenc" and self.categorical_features is None:
            raise ValueError(
                "Balancer(method='smotenc') needs categorical_features: the positions, "
                "names or boolean mask of the categorical columns, or 'auto' for a "
                "DataFrame's 'category' columns."
            )
        check_classification_targets(y)
        y_labels = check_target_type(y, indicate_one_vs_all=True)[0]
        # Checked here as well as by the inner sampler, which is skipped when no
        # class needs synthetic rows. The original X goes on, so a DataFrame keeps
        # its columns and dtypes.
        if self.method == "smotenc":
            validate_data(self, X, skip_check_array=True, reset=True)
            check_array(X, dtype=None, accept_sparse=["csr", "csc"])
        else:
            validate_data(self, X, accept_sparse=["csr", "csc"], reset=True)
        self.sampling_strategy_ = check_sampling_strategy(
            self.sampling_strategy, y_labels, self._sampling_type
        )
        counts = Counter(y_labels.tolist())
        self.class_counts_before_ = dict(sorted(counts.items()))
        self.sampler_, self.k_neighbors_ = None, None
        target = self._target_counts(counts)
        if target:
            self.k_neighbors_ = self._usable_k(counts, target)
            self.sampler_ = self._make_sampler(X, target)
            X, y = self.sampler_.fit_resample(X, y)
        y_after = check_target_type(y, indicate_one_vs_all=True)[0]
        self.class_counts_after_ = dict(sorted(Counter(y_after.tolist()).items()))
        logger.info("class counts %s -> %s", self.class_counts_before_,
                    self.class_counts_after_)
        return X, y

    def _target_counts(self, counts):
        """Class -> wanted row count, for the classes that will get synthetic rows."""
        if self.method == "none":
            return {}
        target = {}
        for label, n_new in self.sampling_strategy_.items():
            label = label.item() if isinstance(label, np.generic) else label  # plain repr
            if n_new <= 0:
                continue
            if counts[label] < 2:
                warnings.warn(
                    f"Class {label!r} has a single training row, so SMOTE cannot "
                    "interpolate it; it is left without synthetic rows. Gather more rows "
                    "of this class, or merge it with another class.",
                    UserWarning,
                    stacklevel=4,
                )
                continue
            target[label] = counts[label] + n_new
        return target

    def _usable_k(self, counts, target):
        """``k_neighbors`` lowered so every class to over-sample has k + 1 rows."""
        smallest = min(target, key=lambda label: counts[label])
        k = min(self.k_neighbors, counts[smallest] - 1)
        if k < self.k_neighbors:
            warnings.warn(
                f"Class {smallest!r} has only {counts[smallest]} training rows, too few "
                f"for k_neighbors={self.k_neighbors}; using k_neighbors={k}. Lower "
                "k_neighbors or gather more rows of this class to silence this warning.",
                UserWarning,
                stacklevel=4,
            )
        return k

    def _make_sampler(self, X, target):
        options = {"sampling_strategy": target, "k_neighbors": self.k_neighbors_,
                   "random_state": self.random_state}
        if self.method == "smote":
            if not isinstance(X, np.ndarray):
                return SMOTE(**options)
            # What the prepare step gives: dense arrays, searched and built lean.
            options["k_neighbors"] = PartitionedNeighbors(
                self.k_neighbors_ + 1, leaf_size=_LEAF_ROWS, random_state=self.random_state)
            return _LeanSMOTE(**options)
        n_categorical = _count_categorical(X, self.categorical_features)
        if n_categorical == 0:
            warnings.warn("method='smotenc' found no categorical column; using SMOTE.",
                          UserWarning, stacklevel=4)
            return SMOTE(**options)
        if n_categorical == self.n_features_in_:
            warnings.warn("method='smotenc' found no numeric column; using SMOTEN.",
                          UserWarning, stacklevel=4)
            return SMOTEN(**options)
        return SMOTENC(categorical_features=self.categorical_features, **options)
