"""Class balancing with SMOTE / SMOTENC / nothing."""

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import Pipeline
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression

from pipeline.phases import Balancer


def _imbalanced(counts=(40, 10), n_features=3, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    X = rng.normal(size=(len(y), n_features)) + y[:, None]
    return X, y


def test_smote_balances_and_keeps_the_original_rows_first():
    X, y = _imbalanced()
    balancer = Balancer(random_state=0)
    X_res, y_res = balancer.fit_resample(X, y)
    assert balancer.class_counts_before_ == {0: 40, 1: 10}
    assert balancer.class_counts_after_ == {0: 40, 1: 40}
    assert balancer.k_neighbors_ == 5
    np.testing.assert_array_equal(X_res[: len(X)], X)
    # Synthetic rows lie between minority rows: inside their bounding box.
    synthetic = X_res[len(X):]
    minority = X[y == 1]
    assert (synthetic >= minority.min(axis=0) - 1e-12).all()
    assert (synthetic <= minority.max(axis=0) + 1e-12).all()


def test_same_seed_same_rows():
    X, y = _imbalanced()
    first = Balancer(random_state=3).fit_resample(X, y)[0]
    second = Balancer(random_state=3).fit_resample(X, y)[0]
    np.testing.assert_array_equal(first, second)


def test_k_neighbors_lowered_for_a_small_class():
    X, y = _imbalanced(counts=(30, 3))
    balancer = Balancer(k_neighbors=5, random_state=0)
    with pytest.warns(UserWarning, match=r"Class 1 has only 3 training rows.*k_neighbors=2"):
        _, y_res = balancer.fit_resample(X, y)
    assert balancer.k_neighbors_ == 2
    assert np.bincount(y_res).tolist() == [30, 30]


def test_single_row_class_is_left_alone_and_others_still_balanced():
    X, y = _imbalanced(counts=(30, 10, 1))
    balancer = Balancer(random_state=0)
    with pytest.warns(UserWarning, match="Class 2 has a single training row"):
        _, y_res = balancer.fit_resample(X, y)
    assert balancer.class_counts_after_ == {0: 30, 1: 30, 2: 1}


def test_single_row_minority_in_binary_data_skips_oversampling():
    X, y = _imbalanced(counts=(30, 1))
    balancer = Balancer(random_state=0)
    with pytest.warns(UserWarning, match="single training row"):
        X_res, _ = balancer.fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X)
    assert balancer.k_neighbors_ is None and balancer.sampler_ is None


def test_method_none_returns_rows_unchanged():
    X, y = _imbalanced()
    balancer = Balancer("none")
    X_res, y_res = balancer.fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X)
    np.testing.assert_array_equal(y_res, y)
    assert balancer.neighbour_search_ is None and balancer.sampler_ is None
    assert balancer.class_counts_after_ == balancer.class_counts_before_


def _mixed_frame(n_major=30, n_minor=8, seed=0):
    rng = np.random.default_rng(seed)
    n = n_major + n_minor
    y = pd.Series(np.repeat(["major", "minor"], [n_major, n_minor]), name="label")
    X = pd.DataFrame({
        "v": rng.normal(size=n).astype(np.float32),
        "colour": pd.Categorical(rng.choice([0.0, 1.0, 2.0], n)),
    })
    return X, y


def test_smotenc_keeps_categories_valid_and_frame_types():
    X, y = _mixed_frame()
    balancer = Balancer("smotenc", categorical_features="auto", random_state=0)
    X_res, y_res = balancer.fit_resample(X, y)
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert (X_res.dtypes == X.dtypes).all()
    assert set(X_res["colour"].dropna()) <= set(X["colour"])
    assert not X_res["colour"].isna().any()
    assert balancer.class_counts_after_ == {"major": 30, "minor": 30}


def test_smotenc_needs_categorical_features():
    X, y = _mixed_frame()
    with pytest.raises(ValueError, match="method='smotenc'\\) needs categorical_features"):
        Balancer("smotenc").fit_resample(X, y)


@pytest.mark.parametrize(
    ("columns", "fallback"), [(["v"], "SMOTE"), (["colour"], "SMOTEN")]
)
def test_smotenc_without_both_kinds_falls_back(columns, fallback):
    X, y = _mixed_frame()
    balancer = Balancer("smotenc", categorical_features="auto", random_state=0)
    with pytest.warns(UserWarning, match=f"using {fallback}\\."):
        balancer.fit_resample(X[columns], y)
    assert type(balancer.sampler_).__name__ == fallback


def test_invalid_method_names_the_parameter():
    X, y = _imbalanced()
    with pytest.raises(ValueError, match="'method' parameter of Balancer must be a str among"):
        Balancer("adasyn").fit_resample(X, y)


class _RowCounter(TransformerMixin, BaseEstimator):
    """Records how many rows reach it at fit and at transform."""

    def fit(self, X, y=None):
        self.rows_at_fit_ = len(X)
        self.rows_at_transform_ = []
        return self

    def transform(self, X):
        self.rows_at_transform_.append(len(X))
        return X


def test_smote_runs_at_fit_and_never_at_predict():
    X, y = _imbalanced()
    model = Pipeline([("balance", Balancer(random_state=0)), ("count", _RowCounter()),
                      ("model", LogisticRegression())]).fit(X, y)
    counter = model.named_steps["count"]
    assert counter.rows_at_fit_ == 80  # 40 + 40 after SMOTE
    X_new = X[:7]
    assert len(model.predict(X_new)) == 7
    assert counter.rows_at_transform_[-1] == 7
