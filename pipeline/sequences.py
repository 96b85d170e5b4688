"""Reading a wide table of series (one row per series) into a 3-D array."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import DataError

__all__ = ["frame_to_series"]


def frame_to_series(X, *, channels=1):
    """Turn feature columns into series of shape (n_series, n_steps, channels).

    Columns hold the values step by step: with two channels, the first two
    columns are step 0, the next two step 1, and so on.

    Parameters
    ----------
    X : pandas.DataFrame
        Numeric feature columns only (the target already removed).
    channels : int, default=1

    Returns
    -------
    ndarray of float32, shape (n_series, n_columns // channels, channels)

    Examples
    --------
    >>> frame = pd.DataFrame({"t0": [1.0, 2.0], "t1": [3.0, 4.0], "t2": [5.0, 6.0], "t3": [7.0, 8.0]})
    >>> frame_to_series(frame, channels=2).shape
    (2, 2, 2)
    """
    text = [str(c) for c in X.columns
            if not pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c])]
    if text:
        raise DataError(
            f"Sequence data must be numeric, but column {text[0]!r} is not ({len(text)} such columns). "
            "Fix those cells, or run the data as a table with kind: table."
        )
    if X.shape[1] % channels:
        raise DataError(
            f"{X.shape[1]} value columns cannot be split into steps of {channels} channels. "
            "Check `channels` in the config."
        )
    values = X.to_numpy(dtype=np.float32)
    return values.reshape(len(values), -1, channels)
