"""Which loaded columns describe the rows, and which only name them.

The checks a data scientist makes before fitting anything: a row number or an
``id`` column is not a feature (a model can learn the order the rows were
collected in, a leak); a column of dates means little as text but much as year,
month, weekday and elapsed time; free text with a value per row cannot be one-hot
encoded. Each check reads one column of the loaded table, all of its rows: the
role of a column is a schema decision, like its dtype, made once before the split,
and it learns no statistic a model uses. A column the user names under
``numeric`` or ``categorical`` is never second-guessed.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .phases import DATE_PARTS, parse_dates

__all__ = ["DATE_SHARE", "ID_MIN_ROWS", "TEXT_UNIQUE_SHARE", "identifier_reason", "is_date_column",
           "text_reason"]

#: Fewest rows on which a column's values tell an identifier (unique, monotone) apart by chance.
ID_MIN_ROWS = 50
#: Share of the non-missing values that must parse as ISO dates for a text column to be dates.
DATE_SHARE = 0.95
#: A text column with more distinct values than this share of its rows is free text.
TEXT_UNIQUE_SHARE = 0.5
#: Mean length (characters) from which a text column with many values reads as free text.
TEXT_LONG = 50

# `id`, `ID`, `row_id`, `id-2`, `Customer ID`, `customerId`, `CustomerID`, `index`, pandas' `Unnamed: 0`.
_ID_NAME = re.compile(r"(?i:^(id|index|unnamed: ?\d+)$|[ _\-.]id$|^id[ _\-.])|[a-z](Id|ID)$")


def _integers(series):
    """The non-missing values as int64 when they are all whole numbers, else None."""
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return None
    values = series.dropna().to_numpy(dtype=np.float64)
    if not len(values) or not np.all(np.isfinite(values)) or not np.all(values == np.round(values)):
        return None
    return values.astype(np.int64)


def identifier_reason(series, name):
    """Why an integer column names rows rather than describing them, or None.

    An integer column is an identifier when it is named like one and has more
    distinct values than :data:`TEXT_UNIQUE_SHARE` of its rows, or (on at least
    :data:`ID_MIN_ROWS` rows) when its values are unique and either increase down
    the file or cover at least half of their range, as row numbers do. An integer
    measure that happens to be unique (an amount, a count of seconds) is spread over
    a range far wider than the number of rows; a code with few values (a store's
    id) describes the rows rather than naming them, and is kept.

    Examples
    --------
    >>> identifier_reason(pd.Series([7, 3, 9]), "customer_id")
    'integer identifier (named like one); list it under `numeric` to keep it'
    >>> identifier_reason(pd.Series(range(100)), "n")
    'integer identifier (unique and increasing in every row); list it under `numeric` to keep it'
    >>> identifier_reason(pd.Series(np.random.default_rng(0).permutation(100) * 100), "amount") is None
    True
    >>> identifier_reason(pd.Series([1, 2, 3, 1, 2, 3]), "StoreID") is None
    True
    """
    values = _integers(series)
    if values is None:
        return None
    why, distinct = None, len(np.unique(values))
    if _ID_NAME.search(str(name)) and distinct > TEXT_UNIQUE_SHARE * len(values):
        why = "named like one"
    elif len(values) >= ID_MIN_ROWS and distinct == len(values):
        if np.all(np.diff(values) > 0):
            why = "unique and increasing in every row"
        elif len(values) >= 0.5 * (values.max() - values.min() + 1):
            why = "unique in every row, covering most of its range"
    return None if why is None else f"integer identifier ({why}); list it under `numeric` to keep it"


def is_date_column(series):
    """Whether a column holds datetimes, or text of which nearly all values are ISO dates.

    Examples
    --------
    >>> is_date_column(pd.Series(["2024-01-05", "2024-02-11", None])), is_date_column(pd.Series(["a", "b"]))
    (True, False)
    """
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    present = series.dropna()
    if not len(present) or pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return False
    return bool(parse_dates(present).notna().mean() >= DATE_SHARE)


def date_reason():
    """The reason recorded for a date column."""
    return f"dates: turned into {', '.join(DATE_PARTS)}; list it under `categorical` to keep the text"


def text_reason(series):
    """Why a text column is left out as free text, or None.

    Free text has more distinct values than :data:`TEXT_UNIQUE_SHARE` of its rows
    (on at least :data:`ID_MIN_ROWS` rows), or values :data:`TEXT_LONG` characters
    long on average with more distinct values than there would be one-hot columns
    for: one-hot encoding either gives most rows a level of their own.

    Examples
    --------
    >>> text_reason(pd.Series([f"note {i}" for i in range(60)]))
    'free text: 60 distinct values in 60 rows; list it under `categorical` to one-hot encode its most ...'
    >>> text_reason(pd.Series(["red", "blue"] * 30)) is None
    True
    """
    present = series.dropna().astype(str)
    distinct = int(present.nunique())
    many = len(present) >= ID_MIN_ROWS and distinct > TEXT_UNIQUE_SHARE * len(present)
    long = distinct > ID_MIN_ROWS and present.str.len().mean() >= TEXT_LONG
    if not (many or long):
        return None
    return (f"free text: {distinct} distinct values in {len(present)} rows; list it under `categorical` "
            "to one-hot encode its most frequent values")
