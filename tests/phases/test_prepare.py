"""Imputation, one-hot encoding and min-max scaling (make_prepare, prepare_summary)."""

import numpy as np
import pandas as pd
import pytest

from pipeline.phases import make_prepare, prepare_summary
from tests.phases.phase_tables import CATEGORICAL, NUMERIC, make_table


@pytest.fixture
def table():
    return make_table()


def _onehot(prepare):
    return prepare.named_transformers_["categorical"].named_steps["onehot"]


def test_output_is_dense_float32_in_unit_range(table):
    X, _ = table
    Xt = make_prepare(NUMERIC, CATEGORICAL).fit_transform(X)
    assert isinstance(Xt, np.ndarray) and Xt.dtype == np.float32
    assert np.isfinite(Xt).all()
    assert Xt.min() >= 0.0 and Xt.max() <= 1.0


def test_columns_selected_by_dtype_when_not_listed(table):
    X, _ = table
    prepare = make_prepare().fit(X)
    roles = {name: list(cols) for name, _, cols in prepare.transformers_ if name != "remainder"}
    assert roles == {"numeric": ["x", "z", "count"], "categorical": ["colour", "flag"]}
    listed = make_prepare(numeric=["x"]).fit(X)  # "z" and "count" are still numeric dtypes
    roles = {name: list(cols) for name, _, cols in listed.transformers_ if name != "remainder"}
    assert roles["categorical"] == ["colour", "flag"] and roles["numeric"] == ["x"]


def test_unseen_category_at_predict_is_ignored(table):
    X, _ = table
    prepare = make_prepare(NUMERIC, ["colour"]).fit(X)
    new = X.head(3).copy()
    new["colour"] = ["purple", "red", None]
    Xt = prepare.transform(new)
    onehot_block = Xt[:, len(NUMERIC):]
    assert onehot_block[0].sum() == 0  # unseen: all zeros
    assert onehot_block[1].sum() == 1 and onehot_block[2].sum() == 1  # None -> imputed


def test_unseen_category_goes_to_infrequent_column_when_there_is_one():
    X = pd.DataFrame({"c": ["a"] * 10 + ["b"] * 10 + ["rare"]})
    prepare = make_prepare([], ["c"], min_frequency=2).fit(X)
    names = list(prepare.get_feature_names_out())
    Xt = prepare.transform(pd.DataFrame({"c": ["never seen"]}))
    assert Xt.sum() == 1 and names[int(Xt.argmax())].endswith("infrequent_sklearn")


@pytest.mark.parametrize("max_categories", [5, 50])
def test_id_like_column_stays_bounded(max_categories):
    n_rows = 3000
    X = pd.DataFrame({"id": pd.array([f"id{i}" for i in range(n_rows)], dtype="str"),
                      "v": np.arange(n_rows, dtype=float)})
    Xt = make_prepare(["v"], ["id"], max_categories=max_categories).fit_transform(X)
    assert Xt.shape == (n_rows, 1 + max_categories)


def test_scaler_learns_from_the_rows_it_is_fitted_on(table):
    X, _ = table
    train, test = X.iloc[:80], X.iloc[80:]
    prepare = make_prepare(NUMERIC, CATEGORICAL).fit(train)
    scaler = prepare.named_transformers_["numeric"].named_steps["scale"]
    np.testing.assert_allclose(scaler.data_min_, train[NUMERIC].astype(float).min(), rtol=1e-6)
    np.testing.assert_allclose(scaler.data_max_, train[NUMERIC].astype(float).max(), rtol=1e-6)
    # Test rows beyond the training range fall outside [0, 1]: nothing was learned from them.
    beyond = test.copy()
    beyond["x"] = train["x"].max() + 10.0
    assert prepare.transform(beyond)[:, 0].min() > 1.0


def test_nan_and_inf_in_numeric_columns_are_imputed_with_the_finite_mean():
    X = pd.DataFrame({"v": [0.0, 10.0, np.nan, np.inf, -np.inf]})
    prepare = make_prepare(["v"], [], scale=False).fit(X)
    np.testing.assert_allclose(prepare.transform(X).ravel(), [0.0, 10.0, 5.0, 5.0, 5.0])
    summary = prepare_summary(prepare, X)
    assert summary["cells_imputed"] == {"v": 3}


def test_mixed_type_and_missing_categories_do_not_crash():
    X = pd.DataFrame({
        "mixed": pd.Series(["a", 1, np.nan, "a", 2.5], dtype=object),
        "text": pd.array(["x", None, "y", "x", None], dtype="str"),
    })
    prepare = make_prepare([], ["mixed", "text"]).fit(X)
    Xt = prepare.transform(X)
    assert Xt.shape == (5, 3 + 2)  # mixed: a, 1, 2.5; text: x, y
    np.testing.assert_array_equal(Xt.sum(axis=1), 2)  # one category per column per row


def test_all_missing_categorical_column_is_dropped_with_a_warning():
    X = pd.DataFrame({"empty": pd.Series([np.nan] * 4, dtype=object), "c": ["a", "b"] * 2})
    # scikit-learn's imputer warns at fit and again at transform: the column carries
    # no information, and it is dropped consistently at both.
    with pytest.warns(UserWarning, match="Skipping features without any observed values"):
        prepare = make_prepare([], ["empty", "c"]).fit(X)
        Xt = prepare.transform(pd.DataFrame({"empty": ["now present"], "c": ["a"]}))
    assert Xt.shape == (1, 2) and Xt.sum() == 1


def test_numeric_column_holding_text_is_refused_not_coerced():
    X = pd.DataFrame({"price": pd.array(["1.5", "2.0", "n/a"], dtype="str")})
    with pytest.raises(ValueError, match="Column 'price' is treated as numeric but holds text"):
        make_prepare(["price"], []).fit(X)


def test_column_in_both_lists_is_refused():
    with pytest.raises(ValueError, match=r"Columns \['x'\] are listed as both"):
        make_prepare(["x"], ["x"])


def test_invalid_option_names_it():
    with pytest.raises(ValueError, match="'max_categories' parameter of make_prepare"):
        make_prepare(max_categories=1)


def test_summary_matches_the_data(table):
    X, _ = table
    X = X.copy()
    X.loc[[1, 2], "x"] = np.nan
    X.loc[3, "colour"] = None
    prepare = make_prepare(NUMERIC, CATEGORICAL).fit(X)
    summary = prepare_summary(prepare, X)
    assert summary["cells_imputed"] == {"x": 2, "colour": 1}
    n_categories = sum(len(c) for c in _onehot(prepare).categories_)
    assert summary["onehot_columns_added"] == n_categories - len(CATEGORICAL)
    assert summary["n_features_out"] == prepare.transform(X).shape[1]
    assert len(summary["feature_names_out"]) == summary["n_features_out"]


def test_numeric_array_input():
    X = np.random.default_rng(0).normal(size=(20, 3))
    Xt = make_prepare().fit_transform(X)
    assert Xt.shape == (20, 3) and Xt.dtype == np.float32


def test_ordinal_encoding_marks_categories_for_smotenc():
    X, _ = make_table(60)
    Xt = make_prepare(NUMERIC, CATEGORICAL, encoding="ordinal").fit_transform(X)
    assert isinstance(Xt, pd.DataFrame)
    kinds = [isinstance(dtype, pd.CategoricalDtype) for dtype in Xt.dtypes]
    assert kinds == [False] * len(NUMERIC) + [True] * len(CATEGORICAL)
