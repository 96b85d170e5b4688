"""Phase 4: stratified train / validation / test split."""

from collections import Counter
from numbers import Real

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from .._sklearn import Interval, validate_params
from ..errors import DataError

__all__ = ["train_val_test_split"]

# One row for each of train, validation and test.
_MIN_ROWS_PER_CLASS = 3


def _labels(y):
    values = np.asarray(y)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values.ravel()
    return values


def _check_class_sizes(y):
    counts = Counter(_labels(y).tolist())
    label, count = min(counts.items(), key=lambda item: item[1])
    if count < _MIN_ROWS_PER_CLASS:
        raise DataError(
            f"Class {label!r} has only {count} row(s); a stratified train/validation/test "
            f"split needs at least {_MIN_ROWS_PER_CLASS} rows per class (one for each "
            "part). Gather more rows of this class, merge it with a similar class, or "
            "drop its rows before splitting."
        )


def _split(X, y, size, random_state, part):
    """One stratified split, with scikit-learn's size errors explained."""
    # Strata as integer codes in the sorted order of the labels: the same split
    # as stratifying on the labels, without sorting every text label.
    strata = pd.factorize(_labels(y), sort=True)[0]
    try:
        return train_test_split(X, y, test_size=size, stratify=strata, random_state=random_state)
    except ValueError as err:
        counts = Counter(_labels(y).tolist())
        raise DataError(
            f"Cannot split off a stratified {part} part of {size:g} from {len(counts)} "
            f"classes with {sum(counts.values())} rows (class counts "
            f"{dict(sorted(counts.items(), key=lambda item: item[1]))}): {err} "
            f"Use a larger {'test_size' if part == 'test' else 'val_size'}, or more "
            "rows per class."
        ) from err


@validate_params(
    {
        "X": ["array-like"],
        "y": ["array-like"],
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "val_size": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def train_val_test_split(X, y, *, test_size=0.2, val_size=0.2, random_state=None):
    """Split rows into stratified training, validation and test parts.

    The test part is split off first; ``val_size`` is then the fraction of the
    remaining training part held out for validation. Each part keeps the class
    proportions of ``y``.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, n_features)
        Features; a DataFrame keeps its index in every part.
    y : Series or array-like of shape (n_samples,)
        Class labels.
    test_size : float, default=0.2
        Fraction of all rows for the test part.
    val_size : float, default=0.2
        Fraction of the non-test rows for the validation part.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffles; a fixed value gives the same parts every run.

    Returns
    -------
    X_train, X_val, X_test, y_train, y_val, y_test : the parts of X and y
        Same types as the inputs.

    Raises
    ------
    DataError
        (a ValueError) When a class has fewer than 3 rows, naming the class and
        its count, or a part cannot be split off stratified.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.arange(100).reshape(50, 2), np.array([0, 1] * 25)
    >>> parts = train_val_test_split(X, y, random_state=0)
    >>> [len(part) for part in parts[:3]]
    [32, 8, 10]
    """
    if len(X) != len(y):
        raise ValueError(
            f"X has {len(X)} rows but y has {len(y)} labels; pass one label per row."
        )
    _check_class_sizes(y)
    X_rest, X_test, y_rest, y_test = _split(X, y, test_size, random_state, "test")
    X_train, X_val, y_train, y_val = _split(X_rest, y_rest, val_size, random_state, "validation")
    return X_train, X_val, X_test, y_train, y_val, y_test
