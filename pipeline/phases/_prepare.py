"""Phase 1 preparation: impute missing values, one-hot encode categories, min-max scale.

Built from scikit-learn parts (``ColumnTransformer``, ``SimpleImputer``,
``OneHotEncoder``, ``MinMaxScaler``) so the fitted object is a plain scikit-learn
transformer that learns from the training rows only.
"""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
)
from sklearn.utils.validation import check_array

from .._sklearn import Interval, StrOptions, validate_params
from ._dates import DateParts

__all__ = ["make_prepare", "prepare_summary"]

# Values pandas infers for an object column that holds only numbers (or nothing).
_NUMBER_KINDS = {"integer", "floating", "mixed-integer-float", "decimal", "boolean", "empty"}


def _column_kind(dtype):
    """'numeric', 'categorical' or None (e.g. datetimes, which neither branch takes)."""
    if pd.api.types.is_bool_dtype(dtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_string_dtype(dtype)
        or pd.api.types.is_object_dtype(dtype)
    ):
        return "categorical"
    return None


class _ColumnsOfKind:
    """Column selector for ``ColumnTransformer``: the numeric or categorical columns.

    A DataFrame's columns are chosen by dtype (pandas 3 gives text the ``str`` dtype);
    an array's columns are all numeric when its dtype is numeric, else all categorical.
    Columns named in ``exclude`` are never chosen, so a column the caller placed in
    the other branch is not taken twice.
    """

    def __init__(self, kind, exclude=()):
        self.kind = kind
        self.exclude = tuple(exclude)

    def __call__(self, X):
        if isinstance(X, pd.DataFrame):
            return [
                name
                for name, dtype in X.dtypes.items()
                if name not in self.exclude and _column_kind(dtype) == self.kind
            ]
        # Arrays get scikit-learn's own checks (2-D, dense, not complex, not empty).
        X = check_array(X, dtype=None, accept_sparse=False, ensure_all_finite=False)
        array_kind = "numeric" if X.dtype.kind in "iuf" else "categorical"
        if array_kind != self.kind:
            return []
        return [i for i in range(X.shape[1]) if i not in self.exclude]


def _holds_numbers(column):
    dtype = column.dtype
    if pd.api.types.is_numeric_dtype(dtype):
        return True
    if pd.api.types.is_object_dtype(dtype):
        return pd.api.types.infer_dtype(column, skipna=True) in _NUMBER_KINDS
    return False


def _as_float(X, dtype=np.float32):
    """Numeric columns as a float array, with +-inf turned into NaN (then imputed).

    Text is refused, never parsed: a column of strings like "3.5" means the data
    was loaded with the wrong type, which is the loader's job to fix.
    """
    if not isinstance(X, pd.DataFrame) and np.asarray(X).dtype.kind in "biuf":
        frame = pd.DataFrame(np.asarray(X))  # already numbers: nothing to check
    else:
        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=object))
    for position, column_dtype in enumerate(frame.dtypes):
        if pd.api.types.is_numeric_dtype(column_dtype):
            continue  # judged by dtype: building a Series per column dominates one-row predicts
        name, column = frame.columns[position], frame.iloc[:, position]
        if not _holds_numbers(column):
            present = column[column.notna()]
            example = present.iloc[0] if len(present) else None
            raise ValueError(
                f"Column {name!r} is treated as numeric but holds text "
                f"(dtype {column.dtype}, for example {example!r}). Convert it to numbers "
                "when loading the data, or list it among the categorical columns."
            )
    values = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(over="ignore"):  # a value beyond float32's range becomes inf
        values = values.astype(dtype)
    values[np.isinf(values)] = np.nan
    return values


def _is_text_dtype(dtype):
    """pandas' string dtypes (not ``object``, whose cells may be anything)."""
    return isinstance(dtype, pd.StringDtype)


def _as_text(X):
    """Categories as strings with missing values as NaN.

    A column mixing numbers and text (``["a", 1, NaN]``) would otherwise make
    ``OneHotEncoder`` refuse it; as strings every value is comparable.
    """
    if isinstance(X, pd.DataFrame) and X.shape[1] and all(map(_is_text_dtype, X.dtypes)):
        # Text dtypes (pandas 3's `str`) already hold strings: hand them over as
        # they are instead of converting every cell to a new string object.
        return X.to_numpy(dtype=object, na_value=np.nan)
    values = np.asarray(X.astype(object) if isinstance(X, pd.DataFrame) else X, dtype=object)
    if values.ndim == 1:
        values = values.reshape(-1, 1)
    missing = pd.isna(values)
    text = values.astype(str).astype(object)
    text[missing] = np.nan
    return text


def _as_category(X):
    """Mark ordinal codes as pandas categories, so SMOTENC finds them by dtype."""
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
    return frame.astype("category")


def _numeric_branch(dtype, scale):
    steps = [
        ("check", FunctionTransformer(_as_float, kw_args={"dtype": dtype},
                                      feature_names_out="one-to-one")),
        ("impute", SimpleImputer(strategy="mean")),
    ]
    if scale:
        steps.append(("scale", MinMaxScaler()))
    return Pipeline(steps)


def _dates_branch(dtype, scale):
    steps = [("parts", DateParts(dtype=dtype)), ("impute", SimpleImputer(strategy="mean"))]
    if scale:
        steps.append(("scale", MinMaxScaler()))
    return Pipeline(steps)


def _categorical_branch(encoding, min_frequency, max_categories, dtype):
    steps = [
        ("text", FunctionTransformer(_as_text, feature_names_out="one-to-one")),
        ("impute", SimpleImputer(strategy="most_frequent")),
    ]
    if encoding == "onehot":
        steps.append(("onehot", OneHotEncoder(
            handle_unknown="infrequent_if_exist", min_frequency=min_frequency,
            max_categories=max_categories, sparse_output=False, dtype=dtype,
        )))
    else:
        steps.append(("ordinal", OrdinalEncoder(
            handle_unknown="use_encoded_value", unknown_value=-1,
            min_frequency=min_frequency, max_categories=max_categories, dtype=dtype,
        )))
        steps.append(("category", FunctionTransformer(_as_category,
                                                      feature_names_out="one-to-one")))
    return Pipeline(steps)


@validate_params(
    {
        "numeric": ["array-like", None],
        "categorical": ["array-like", None],
        "dates": ["array-like"],
        "min_frequency": [Interval(Integral, 1, None, closed="left"),
                          Interval(Real, 0, 1, closed="neither"), None],
        "max_categories": [Interval(Integral, 2, None, closed="left"), None],
        "dtype": "no_validation",
        "scale": ["boolean"],
        "encoding": [StrOptions({"onehot", "ordinal"})],
    },
    prefer_skip_nested_validation=True,
)
def make_prepare(numeric=None, categorical=None, *, dates=(), min_frequency=None, max_categories=50,
                 dtype=np.float32, scale=True, encoding="onehot"):
    """Build the (unfitted) transformer that imputes, encodes and scales a table.

    Numeric columns: mean imputation (+-inf counts as missing), then min-max scaling
    to [0, 1]. Categorical columns: most-frequent imputation, then one-hot encoding
    with at most ``max_categories`` columns per input column; categories unseen in
    fit are ignored (or fall into the infrequent column when there is one).

    Parameters
    ----------
    numeric : list of str or int, default=None
        Numeric columns. None selects numeric, non-boolean dtypes (all columns of a
        numeric array), leaving out those listed in ``categorical``.
    categorical : list of str or int, default=None
        Categorical columns. None selects object, ``str``/string, category and bool
        dtypes (all columns of a non-numeric array), leaving out those in ``numeric``.
    dates : list of str, default=()
        Date columns, each turned into its parts (see :class:`DateParts`), then
        imputed and scaled like the numeric ones.
    min_frequency : int or float, default=None
        Categories seen fewer times (or in a smaller fraction of rows) are grouped
        into one infrequent column.
    max_categories : int, default=50
        Upper bound on output columns per categorical input, infrequent column
        included, so an id-like column cannot blow up the width. None: no bound.
    dtype : numpy dtype, default=np.float32
        Output dtype.
    scale : bool, default=True
        Min-max scale the numeric columns.
    encoding : {"onehot", "ordinal"}, default="onehot"
        "ordinal" encodes each category as an integer code held in a pandas
        ``category`` column and returns DataFrames: the form SMOTENC needs before
        one-hot encoding happens after it.

    Returns
    -------
    prepare : sklearn.compose.ColumnTransformer
        Unfitted; its output is a dense array, numeric columns first.

    Notes
    -----
    A column with no observed value in fit is dropped by ``SimpleImputer``, which
    warns at fit and at transform; it carries no information to learn from.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"age": [20.0, None, 40.0], "colour": ["red", "blue", None]})
    >>> prepare = make_prepare(["age"], ["colour"]).fit(X)
    >>> prepare.transform(pd.DataFrame({"age": [30.0], "colour": ["green"]}))
    array([[0.5, 0. , 0. ]], dtype=float32)
    """
    numeric = None if numeric is None else list(numeric)
    categorical = None if categorical is None else list(categorical)
    if numeric is not None and categorical is not None:
        both = sorted(set(map(str, numeric)) & set(map(str, categorical)))
        if both:
            raise ValueError(
                f"Columns {both} are listed as both numeric and categorical; "
                "list each column in one of them only."
            )
    numeric_columns = (
        numeric if numeric is not None else _ColumnsOfKind("numeric", categorical or ())
    )
    categorical_columns = (
        categorical if categorical is not None else _ColumnsOfKind("categorical", numeric or ())
    )
    dates = list(dates)
    branches = [
        ("numeric", _numeric_branch(dtype, scale), numeric_columns),
        ("categorical", _categorical_branch(encoding, min_frequency, max_categories, dtype),
         categorical_columns),
    ]
    if dates:
        branches.append(("dates", _dates_branch(dtype, scale), dates))
    prepare = ColumnTransformer(
        branches,
        remainder="drop",
        sparse_threshold=0.0,
    )
    if encoding == "ordinal":
        prepare.set_output(transform="pandas")
    return prepare


def _make_late_onehot(*, dtype=np.float32):
    """One-hot the ``category`` columns that ``make_prepare(encoding="ordinal")`` made.

    Used after SMOTENC: numeric columns pass through, ordinal codes become one-hot
    columns, and codes unseen in fit (-1 for categories the ordinal step had not
    seen) are ignored.
    """
    return ColumnTransformer(
        [
            ("numeric", "passthrough", make_column_selector(dtype_exclude="category")),
            ("categorical",
             OneHotEncoder(handle_unknown="ignore", sparse_output=False, dtype=dtype),
             make_column_selector(dtype_include="category")),
        ],
        remainder="drop",
        sparse_threshold=0.0,
        verbose_feature_names_out=False,  # names already carry the prepare step's prefix
    )


def _fitted_columns(fitted_prepare, name):
    for transformer_name, _, columns in fitted_prepare.transformers_:
        if transformer_name == name:
            return list(columns)
    return []


def _branch_width(fitted_transformer, name):
    piece = fitted_transformer.output_indices_.get(name, slice(0, 0))
    return piece.stop - piece.start


def _missing_counts(X, columns, numeric):
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=object))
    counts = {}
    for column in columns:
        values = frame[column]
        missing = values.isna()
        if numeric and _holds_numbers(values):
            as_float = values.to_numpy(dtype=np.float64, na_value=np.nan)
            missing = missing.to_numpy() | np.isinf(as_float)
        counts[str(column)] = int(np.sum(missing))
    return counts


def prepare_summary(fitted_prepare, X_train):
    """Describe what a fitted ``make_prepare`` transformer did to the training rows.

    Parameters
    ----------
    fitted_prepare : ColumnTransformer
        The result of :func:`make_prepare`, fitted on ``X_train``.
    X_train : DataFrame or array-like
        The rows it was fitted on.

    Returns
    -------
    summary : dict
        ``cells_imputed``: column -> number of missing (or infinite numeric) cells in
        ``X_train``, for columns that had any; ``onehot_columns_added``: one-hot output
        columns minus categorical input columns (0 for ordinal encoding);
        ``n_features_out``: output width; ``feature_names_out``: output names.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"age": [20.0, None, 40.0], "colour": ["red", "blue", None]})
    >>> summary = prepare_summary(make_prepare(["age"], ["colour"]).fit(X), X)
    >>> summary["cells_imputed"], summary["onehot_columns_added"], summary["n_features_out"]
    ({'age': 1, 'colour': 1}, 1, 3)
    """
    numeric = _fitted_columns(fitted_prepare, "numeric")
    categorical = _fitted_columns(fitted_prepare, "categorical")
    counts = _missing_counts(X_train, numeric, numeric=True)
    counts.update(_missing_counts(X_train, categorical, numeric=False))
    branch = fitted_prepare.named_transformers_.get("categorical")
    onehot = isinstance(branch, Pipeline) and "onehot" in branch.named_steps
    added = _branch_width(fitted_prepare, "categorical") - len(categorical) if onehot else 0
    names = [str(name) for name in fitted_prepare.get_feature_names_out()]
    return {
        "cells_imputed": {column: n for column, n in counts.items() if n > 0},
        "onehot_columns_added": int(added),
        "n_features_out": len(names),
        "feature_names_out": names,
    }
