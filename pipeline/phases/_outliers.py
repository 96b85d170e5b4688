"""Z-score outlier handling: drop training rows (a sampler) or clip values (a transformer).

Both learn a per-column mean and standard deviation from the rows they are fitted on,
and look only at numeric columns, so a table with text columns passes through with its
text untouched.
"""

import warnings
from numbers import Real

import numpy as np
import pandas as pd
from imblearn.base import BaseSampler
from imblearn.utils import check_target_type
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .._sklearn import Interval, _fit_context
from ._zscore import column_stats, numeric_block, outlier_cells

__all__ = ["OUTLIER_METHODS", "ZScoreClipper", "ZScoreOutlierRemover"]

#: Outlier treatments: drop the rows (:class:`ZScoreOutlierRemover`), clip the values
#: (:class:`ZScoreClipper`), or nothing.
OUTLIER_METHODS = ("drop", "clip", "none")

# Share of training rows whose removal is warned about. For independent normal
# columns a row has a |z| > 3 cell with probability 1 - 0.9973**d: 3 % at 10
# columns, 8 % at 30 and 21 % at 85, whatever the data's quality. Past a tenth
# of the rows the drop no longer removes rare errors but thins the data itself,
# and the model is fitted on a different population than it will meet.
_WARN_REMOVED_FRACTION = 0.10


def _take_rows(data, keep):
    """Rows of ``data`` where ``keep`` is True, in the container type it came in."""
    if isinstance(data, (pd.DataFrame, pd.Series)):
        return data.iloc[keep]
    if isinstance(data, list):
        return [row for row, kept in zip(data, keep) if kept]
    return np.asarray(data)[keep]


class ZScoreOutlierRemover(BaseSampler):
    """Drop training rows holding a value whose absolute z-score exceeds ``threshold``.

    A sampler: :class:`imblearn.pipeline.Pipeline` calls it while fitting only, so
    rows are dropped from the training data and never at predict time. The mean and
    standard deviation of each numeric column are learned from the rows given to
    ``fit_resample``. Text and boolean columns are not scored and pass through
    unchanged; a DataFrame comes back as a DataFrame with the same columns, dtypes and
    the index of the kept rows.

    Parameters
    ----------
    threshold : float, default=3.0
        Absolute z-score above which a value makes its row an outlier.
    columns : list of str or int, default=None
        Columns to score (names for a DataFrame, positions for an array). None scores
        every numeric, non-boolean column.

    Attributes
    ----------
    mean_ : ndarray of shape (n_scored,)
        Mean of each scored column over its finite values (NaN if it has none).
    scale_ : ndarray of shape (n_scored,)
        Population standard deviation of each scored column over its finite values.
    columns_ : list
        Names (DataFrame) or positions (array) of the scored columns.
    outliers_per_column_ : dict
        Scored column -> number of outlying cells in the fitted data.
    n_outliers_ : int
        Number of rows removed.
    removed_fraction_ : float
        Share of the fitted rows removed; above 0.10 a warning says so.
    sample_indices_ : ndarray of shape (n_kept,)
        Positions of the kept rows in the fitted data.
    n_features_in_ : int
        Number of columns seen in fit.
    feature_names_in_ : ndarray of shape ``(n_features_in_,)``
        Column names seen in fit, when ``X`` is a DataFrame with string names.

    See Also
    --------
    ZScoreClipper : Clip values to the same bounds instead of dropping rows.

    Notes
    -----
    Missing values (NaN) are never outliers. Infinite values are left out of the
    statistics and always count as outliers. A column without spread (constant, or
    all missing) has no outliers.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0], [1.1], [0.9], [1.0], [1.2], [0.8], [1.0], [1.1], [0.9], [1.0], [50.0]])
    >>> y = np.array([0, 1] * 5 + [0])
    >>> remover = ZScoreOutlierRemover(threshold=1.5)
    >>> X_kept, y_kept = remover.fit_resample(X, y)
    >>> X_kept.shape, remover.n_outliers_, round(remover.removed_fraction_, 3)
    ((10, 1), 1, 0.091)
    """

    # Rows are removed by value, whatever their class: no per-class sampling
    # strategy. The base class still reads one, so it is fixed here, not a parameter.
    _sampling_type = "bypass"
    sampling_strategy = "auto"

    _parameter_constraints: dict = {
        "threshold": [Interval(Real, 0, None, closed="neither")],
        "columns": ["array-like", None],
    }

    def __init__(self, threshold=3.0, *, columns=None):
        self.threshold = threshold
        self.columns = columns

    def _check_X_y(self, X, y):
        # Frames keep their text columns: only the numeric ones are scored (below).
        # Other inputs become arrays; the base class turns the result back into lists.
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        if not hasattr(X, "iloc"):
            X = check_array(X, dtype="numeric", ensure_all_finite=False)
        validate_data(self, X, skip_check_array=True, reset=True)
        return X, np.asarray(y) if isinstance(y, list) else y, binarize_y

    def _fit_resample(self, X, y):
        keep = self._fit(X, y)
        return _take_rows(X, keep), _take_rows(y, keep)

    def _fit(self, X, y):
        check_classification_targets(y)
        check_target_type(y, indicate_one_vs_all=True)  # refuses true multilabel targets
        values, _, labels = numeric_block(self, X, self.columns, reset=True)
        if len(y) != values.shape[0]:
            raise ValueError(
                f"X has {values.shape[0]} rows but y has {len(y)} labels; "
                "pass one label per row."
            )
        self.mean_, self.scale_ = column_stats(values)
        outlier = outlier_cells(values, self.mean_, self.scale_, self.threshold)
        keep = _keep_every_class(~outlier.any(axis=1), y)
        self.columns_ = labels
        self.outliers_per_column_ = {
            label: int(n) for label, n in zip(labels, outlier.sum(axis=0))
        }
        self.n_outliers_ = int((~keep).sum())
        self.removed_fraction_ = self.n_outliers_ / max(len(keep), 1)
        self.sample_indices_ = np.flatnonzero(keep)
        if self.removed_fraction_ > _WARN_REMOVED_FRACTION:
            warnings.warn(
                f"ZScoreOutlierRemover dropped {self.n_outliers_} of {len(keep)} training rows "
                f"({self.removed_fraction_:.0%}): each holds a value with |z| > {self.threshold} "
                f"in at least one of the {len(labels)} scored columns. On wide or heavy-tailed tables "
                "that is the data's tail, not rare errors; clip instead (outliers: clip), "
                "raise the threshold (z_threshold), or turn the step off (outliers: none).",
                UserWarning,
                stacklevel=2,
            )
        return keep

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = True
        tags.sampler_tags.sample_indices = True
        return tags


def _keep_every_class(keep, y):
    """``keep``, plus every row of a class it would empty: a model must still learn the class exists."""
    y = np.asarray(y)
    emptied = [label for label in np.unique(y) if not keep[y == label].any()]
    if emptied:
        names = ", ".join(map(repr, np.asarray(emptied).tolist()))
        warnings.warn(
            f"ZScoreOutlierRemover would drop every training row of class(es) {names}; their rows "
            "are kept so that the model still learns them. Check those rows' values, or use "
            "outliers: clip.",
            UserWarning,
            stacklevel=3,
        )
        keep = keep | np.isin(y, emptied)
    return keep


class ZScoreClipper(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Clip numeric values to mean +/- ``threshold`` standard deviations (winsorizing).

    The bounds are learned in ``fit`` and applied by ``transform``, so new rows at
    predict time are clipped to the training bounds. Text and boolean columns pass
    through unchanged; a DataFrame comes back as a DataFrame with the same columns.

    Parameters
    ----------
    threshold : float, default=3.0
        Number of standard deviations from the mean where clipping starts.
    columns : list of str or int, default=None
        Columns to clip (names for a DataFrame, positions for an array). None clips
        every numeric, non-boolean column.

    Attributes
    ----------
    mean_ : ndarray of shape (n_scored,)
        Mean of each clipped column over its finite training values.
    scale_ : ndarray of shape (n_scored,)
        Population standard deviation of each clipped column.
    lower_ : ndarray of shape (n_scored,)
        Lower bound, ``mean_ - threshold * scale_`` (-inf for a column without spread).
    upper_ : ndarray of shape (n_scored,)
        Upper bound, ``mean_ + threshold * scale_`` (+inf for a column without spread).
    columns_ : list
        Names (DataFrame) or positions (array) of the clipped columns.
    n_clipped_ : int
        Number of training cells outside the bounds (infinite cells included).
    n_features_in_ : int
        Number of columns seen in fit.
    feature_names_in_ : ndarray of shape ``(n_features_in_,)``
        Column names seen in fit, when ``X`` is a DataFrame with string names.

    See Also
    --------
    ZScoreOutlierRemover : Drop the rows instead.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0], [1.1], [0.9], [1.0], [50.0]])
    >>> clipper = ZScoreClipper(threshold=1.5).fit(X)
    >>> bool(clipper.transform(X).max() < 50.0), clipper.n_clipped_
    (True, 1)
    """

    _parameter_constraints: dict = {
        "threshold": [Interval(Real, 0, None, closed="neither")],
        "columns": ["array-like", None],
    }

    def __init__(self, threshold=3.0, *, columns=None):
        self.threshold = threshold
        self.columns = columns

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the clipping bounds from the training rows.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Training data; a DataFrame may hold non-numeric columns.
        y : None
            Ignored.

        Returns
        -------
        self : ZScoreClipper
            The fitted clipper.
        """
        values, _, labels = numeric_block(self, X, self.columns, reset=True)
        self.mean_, self.scale_ = column_stats(values)
        spread = np.isfinite(self.scale_) & (self.scale_ > 0)
        self.lower_ = np.where(spread, self.mean_ - self.threshold * self.scale_, -np.inf)
        self.upper_ = np.where(spread, self.mean_ + self.threshold * self.scale_, np.inf)
        with np.errstate(invalid="ignore"):
            outside = (values < self.lower_) | (values > self.upper_)
        self.n_clipped_ = int(outside.sum())
        self.columns_ = labels
        return self

    def transform(self, X):
        """Clip the numeric columns of ``X`` to the bounds learned in fit.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Data with the columns seen in fit.

        Returns
        -------
        X_clipped : DataFrame or ndarray of shape (n_samples, n_features)
            A copy of ``X`` with clipped numeric values, same type and dtypes.
        """
        check_is_fitted(self)
        _, positions, _ = numeric_block(self, X, self.columns_, reset=False)
        if isinstance(X, pd.DataFrame):
            X_clipped = X.copy()
            for position, lower, upper in zip(positions, self.lower_, self.upper_):
                column = X_clipped.iloc[:, position]
                lower, upper = _bounds_for(column.dtype, lower, upper)
                X_clipped.iloc[:, position] = column.clip(lower, upper)
            return X_clipped
        X_clipped = check_array(X, dtype="numeric", ensure_all_finite=False, copy=True)
        for position, lower, upper in zip(positions, self.lower_, self.upper_):
            lower, upper = _bounds_for(X_clipped.dtype, lower, upper)
            if lower is not None or upper is not None:
                X_clipped[:, position] = np.clip(X_clipped[:, position], lower, upper)
        return X_clipped

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


def _bounds_for(dtype, lower, upper):
    """Bounds an integer column can hold; rounding inwards clips the same cells."""
    if pd.api.types.is_integer_dtype(dtype):
        lower = None if not np.isfinite(lower) else int(np.ceil(lower))
        upper = None if not np.isfinite(upper) else int(np.floor(upper))
        return lower, upper
    if not pd.api.types.is_float_dtype(dtype):
        return lower, upper
    lower = None if not np.isfinite(lower) else lower
    upper = None if not np.isfinite(upper) else upper
    return lower, upper
