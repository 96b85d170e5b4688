"""Z-scores of a table's numeric columns: which columns count, their statistics, which cells stand out.

Shared by the outlier steps (:class:`ZScoreOutlierRemover`, :class:`ZScoreClipper`),
which differ only in what they do with an outlying cell.
"""

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_array, validate_data

__all__ = ["column_position", "column_stats", "is_scorable", "numeric_block", "outlier_cells"]


def is_scorable(dtype):
    """Numeric dtypes other than bool: a z-score of True/False says nothing."""
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def numeric_block(estimator, X, columns, *, reset):
    """Return ``(values, positions, labels)`` for the columns to score.

    ``values`` is a float64 copy of shape (n_samples, n_scored) with +-inf kept;
    ``positions`` are the scored columns' positions in ``X`` and ``labels`` their
    names (frames) or positions (arrays). Sets ``n_features_in_`` and
    ``feature_names_in_`` when ``reset``.
    """
    if isinstance(X, pd.DataFrame):
        validate_data(estimator, X, skip_check_array=True, reset=reset)
        if X.shape[0] == 0:
            raise ValueError(
                f"{type(estimator).__name__} got a table with 0 rows; it needs at least one."
            )
        if columns is None:
            positions = [i for i, dtype in enumerate(X.dtypes) if is_scorable(dtype)]
        else:
            positions = [column_position(estimator, X, name) for name in columns]
        labels = [X.columns[i] for i in positions]
        if not positions:
            return np.empty((X.shape[0], 0)), positions, labels
        block = X.iloc[:, positions]
        try:
            values = block.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as err:
            raise ValueError(
                f"{type(estimator).__name__} scores numeric columns only, but one of "
                f"{[str(c) for c in labels]} holds values that are not numbers. "
                "Convert the column when loading the data, or leave it out of `columns`."
            ) from err
        return values, positions, labels

    # Arrays: every column is numeric; +-inf are allowed here and handled below.
    X_checked = check_array(X, dtype="numeric", ensure_all_finite=False, accept_sparse=False)
    validate_data(estimator, X, skip_check_array=True, reset=reset)
    n_features = X_checked.shape[1]
    positions = list(range(n_features)) if columns is None else [int(c) for c in columns]
    for position in positions:
        if not 0 <= position < n_features:
            raise ValueError(
                f"{type(estimator).__name__}: column index {position} in `columns` is out "
                f"of range for data with {n_features} columns. Pass indices from 0 to "
                f"{n_features - 1}."
            )
    return X_checked[:, positions].astype(np.float64), positions, list(positions)


def column_position(estimator, frame, name):
    if name not in frame.columns:
        raise ValueError(
            f"{type(estimator).__name__}: column {name!r} in `columns` is not in the data. "
            f"Available columns: {', '.join(map(str, frame.columns))}."
        )
    return frame.columns.get_loc(name)


def column_stats(values):
    """Mean and population std per column over finite cells.

    Written by hand rather than with ``np.nanmean``/``np.nanstd`` because those warn
    on all-missing columns and would let +-inf turn the statistics into NaN.
    """
    finite = np.isfinite(values)
    count = finite.sum(axis=0)
    safe_count = np.maximum(count, 1)
    filled = np.where(finite, values, 0.0)
    mean = filled.sum(axis=0) / safe_count
    centred = np.where(finite, values - mean, 0.0)
    scale = np.sqrt((centred**2).sum(axis=0) / safe_count)
    empty = count == 0
    mean[empty], scale[empty] = np.nan, np.nan
    return mean, scale


def outlier_cells(values, mean, scale, threshold):
    """Boolean mask of cells whose |z| exceeds ``threshold``.

    NaN is never an outlier; +-inf always is; a column without spread (constant or
    all missing) has no outliers, since a z-score is undefined there.
    """
    usable = np.isfinite(scale) & (scale > 0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        z = np.abs(values - mean) / np.where(usable, scale, 1.0)
    outlier = (z > threshold) & usable
    return outlier | np.isinf(values)
