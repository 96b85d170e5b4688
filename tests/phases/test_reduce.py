"""Feature reduction: LDA, PCA or none."""

import warnings

import numpy as np
import pytest
from imblearn.pipeline import Pipeline
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression

from pipeline.phases import Reducer


def _data(n_classes=3, n_features=5, n_rows=60, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n_rows) % n_classes
    X = rng.normal(size=(n_rows, n_features)) + y[:, None]
    return X, y


@pytest.mark.parametrize(
    ("n_classes", "n_features", "requested", "expected"),
    [(3, 5, None, 2), (4, 2, None, 2), (2, 5, None, 1), (4, 5, 1, 1), (3, 5, 10, 2)],
)
def test_lda_components_capped_by_classes_and_features(n_classes, n_features, requested,
                                                        expected):
    X, y = _data(n_classes, n_features)
    reducer = Reducer("lda", n_components=requested).fit(X, y)
    assert reducer.n_components_ == expected
    assert reducer.transform(X).shape == (len(X), expected)
    assert isinstance(reducer.estimator_, LinearDiscriminantAnalysis)


def test_pca_default_keeps_95_percent_of_variance():
    X, y = _data(n_features=8)
    reducer = Reducer("pca").fit(X, y)
    ratios = reducer.estimator_.explained_variance_ratio_
    assert ratios.sum() >= 0.95 and ratios[:-1].sum() < 0.95
    assert reducer.transform(X).shape[1] == reducer.n_components_ == len(ratios)


def test_pca_integer_components_capped_by_the_data():
    X, y = _data(n_features=4)
    assert Reducer("pca", n_components=10).fit(X, y).n_components_ == 4


def test_none_passes_features_through():
    X, y = _data()
    reducer = Reducer("none").fit(X, y)
    np.testing.assert_array_equal(reducer.transform(X), X)
    assert reducer.estimator_ is None and reducer.n_components_ == X.shape[1]


@pytest.mark.parametrize("method", ["lda", "pca", "none"])
def test_float32_stays_float32(method):
    X, y = _data()
    X = X.astype(np.float32)
    assert Reducer(method).fit(X, y).transform(X).dtype == np.float32


def test_collinear_one_hot_columns_raise_no_warning():
    rng = np.random.default_rng(0)
    y = np.arange(60) % 3
    onehot = np.eye(3)[rng.integers(0, 3, 60)]  # columns sum to one: collinear
    X = np.column_stack([rng.normal(size=60) + y, onehot])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Reducer("lda").fit(X, y)


def test_lda_fitted_on_training_rows_only():
    X, y = _data(n_rows=90)
    X_train, y_train, X_test = X[:60], y[:60], X[60:]
    model = Pipeline([("reduce", Reducer("lda")), ("model", LogisticRegression())])
    model.fit(X_train, y_train)
    alone = LinearDiscriminantAnalysis(n_components=2).fit(X_train, y_train)
    fitted = model.named_steps["reduce"]
    np.testing.assert_allclose(fitted.estimator_.scalings_, alone.scalings_)
    np.testing.assert_allclose(fitted.transform(X_test), alone.transform(X_test))


def test_lda_without_labels_says_so():
    X, _ = _data()
    with pytest.raises(ValueError, match="requires y to be passed"):
        Reducer("lda").fit(X)


def test_lda_refuses_a_variance_fraction():
    X, y = _data()
    with pytest.raises(ValueError, match="whole number of components, got n_components=0.9"):
        Reducer("lda", n_components=0.9).fit(X, y)


def test_feature_names():
    X, y = _data()
    assert list(Reducer("lda").fit(X, y).get_feature_names_out()) == ["lda0", "lda1"]
    names = Reducer("none").fit(X, y).get_feature_names_out()
    assert list(names) == [f"x{i}" for i in range(X.shape[1])]
