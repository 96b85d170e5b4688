"""Date columns as numbers: the parts of each date a model can learn from.

A column of ISO dates (``2024-03-05``, ``2024-03-05T10:30:00``) one-hot encoded
gives every day its own column and says nothing about days it never saw. Its
parts do: the year, the month, the day of the week, the day of the year, and the
days elapsed since a fixed epoch (1970-01-01), so a trend over time is one
number. The transformer holds no statistics of the rows, so it is safe before
the split as after it; it sits inside the fitted Pipeline, so a saved model
takes the raw date strings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

__all__ = ["DATE_PARTS", "DateParts", "parse_dates"]

#: The numbers each date column becomes, in output order.
DATE_PARTS = ("year", "month", "day_of_week", "day_of_year", "days_since_1970")

_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")
_DAY = pd.Timedelta(days=1)


def parse_dates(values):
    """ISO 8601 dates and datetimes as UTC timestamps; anything else (numbers too) as NaT.

    Examples
    --------
    >>> parse_dates(pd.Series(["2024-03-05", "2024-03-05T10:30:00", "soon", "2024", None])).notna().tolist()
    [True, True, False, False, False]
    """
    series = pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(series):
        parsed = series
    else:
        text = series.astype("string")
        # A bare number ("2024", "17") is a number, not a date, even though ISO 8601 reads years.
        numbers = pd.to_numeric(text, errors="coerce").notna()
        parsed = pd.to_datetime(text.where(~numbers), format="ISO8601", errors="coerce", utc=True)
    if parsed.dt.tz is None:
        parsed = parsed.dt.tz_localize("UTC")
    return parsed.dt.tz_convert("UTC")


class DateParts(TransformerMixin, BaseEstimator):
    """Turn each date column into :data:`DATE_PARTS`; a value that does not parse gives NaN parts.

    Parameters
    ----------
    dtype : numpy dtype, default=np.float32
        Output dtype.

    Attributes
    ----------
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        The date columns seen in fit.

    Examples
    --------
    >>> X = pd.DataFrame({"sold": ["2024-03-05", "2000-01-01T12:00:00", None]})
    >>> DateParts().fit(X).transform(X)[:2].round(1).tolist()
    [[2024.0, 3.0, 1.0, 65.0, 19787.0], [2000.0, 1.0, 5.0, 1.0, 10957.5]]
    >>> list(DateParts().fit(X).get_feature_names_out())[:2]
    ['sold_year', 'sold_month']
    """

    def __init__(self, dtype=np.float32):
        self.dtype = dtype

    def fit(self, X, y=None):
        frame = self._frame(X)
        self.feature_names_in_ = np.asarray([str(c) for c in frame.columns], dtype=object)
        self.n_features_in_ = frame.shape[1]
        return self

    def transform(self, X):
        check_is_fitted(self)
        frame = self._frame(X)
        if frame.shape[1] != self.n_features_in_:
            raise ValueError(
                f"DateParts was fitted on {self.n_features_in_} date column(s) "
                f"({', '.join(self.feature_names_in_)}) but got {frame.shape[1]}. "
                "Pass the same date columns as in fit."
            )
        parts = [self._parts(frame.iloc[:, j]) for j in range(frame.shape[1])]
        return np.hstack(parts).astype(self.dtype) if parts else np.empty((len(frame), 0), self.dtype)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        return np.asarray([f"{name}_{part}" for name in self.feature_names_in_ for part in DATE_PARTS],
                          dtype=object)

    @staticmethod
    def _frame(X):
        return X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=object))

    @staticmethod
    def _parts(column):
        when = parse_dates(column.reset_index(drop=True))
        days = ((when - _EPOCH) / _DAY).to_numpy(dtype=np.float64, na_value=np.nan)
        parts = [when.dt.year, when.dt.month, when.dt.day_of_week, when.dt.day_of_year]
        columns = [p.to_numpy(dtype=np.float64, na_value=np.nan) for p in parts] + [days]
        return np.column_stack(columns)
