"""Z-score outlier removal (a sampler) and clipping (a transformer)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from imblearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression

from pipeline._sklearn import InvalidParameterError
from pipeline.phases import ZScoreClipper, ZScoreOutlierRemover


def _with_outlier(n_rows=40, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "x": rng.normal(size=n_rows),
            "text": pd.array([f"t{i}" for i in range(n_rows)], dtype="str"),
            "n": np.arange(n_rows, dtype=np.int32) % 3,
        },
        index=pd.RangeIndex(100, 100 + n_rows),
    )
    X.loc[105, "x"] = 50.0
    y = pd.Series(np.arange(n_rows) % 2, index=X.index, name="label")
    return X, y


def test_drops_outlier_row_and_keeps_frame_shape():
    X, y = _with_outlier()
    remover = ZScoreOutlierRemover()
    X_kept, y_kept = remover.fit_resample(X, y)
    assert 105 not in X_kept.index
    assert remover.n_outliers_ == 1 == len(X) - len(X_kept)
    assert list(X_kept.columns) == list(X.columns)
    assert (X_kept.dtypes == X.dtypes).all()  # text stays str, int32 stays int32
    pd.testing.assert_frame_equal(X_kept, X.drop(index=105))
    assert y_kept.index.equals(X_kept.index) and y_kept.name == "label"
    assert remover.columns_ == ["x", "n"]  # text columns are not scored
    assert remover.outliers_per_column_ == {"x": 1, "n": 0}
    assert list(remover.feature_names_in_) == ["x", "text", "n"]


@settings(max_examples=30, deadline=None)
@given(
    values=arrays(np.float64, (25, 3), elements=st.floats(-1e3, 1e3)),
    threshold=st.floats(0.5, 4.0),
)
def test_kept_rows_are_exactly_those_within_threshold(values, threshold):
    y = np.arange(len(values)) % 2
    remover = ZScoreOutlierRemover(threshold=threshold)
    X_kept, _ = remover.fit_resample(values, y)
    spread = remover.scale_ > 0
    z = np.abs(values - remover.mean_)[:, spread] / remover.scale_[spread]
    expected = ~(z > threshold).any(axis=1)
    for label in (0, 1):  # a class the filter would empty keeps all its rows
        if not expected[y == label].any():
            expected[y == label] = True
    np.testing.assert_array_equal(X_kept, values[expected])
    np.testing.assert_allclose(remover.mean_, values.mean(axis=0), atol=1e-9)


def test_constant_and_missing_columns_give_no_outliers_and_no_warnings():
    X = np.column_stack([np.full(20, 7.0), np.full(20, np.nan), np.r_[np.nan, np.ones(19)]])
    y = np.arange(20) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from empty or zero-spread stats
        X_kept, _ = ZScoreOutlierRemover().fit_resample(X, y)
    assert X_kept.shape == X.shape
    assert np.isnan(X_kept[0, 2])  # NaN is never an outlier


def test_inf_is_left_out_of_stats_and_counts_as_outlier():
    X = np.r_[np.arange(10.0), np.inf, -np.inf].reshape(-1, 1)
    y = np.arange(12) % 2
    remover = ZScoreOutlierRemover(threshold=3.0)
    X_kept, _ = remover.fit_resample(X, y)
    assert remover.mean_[0] == pytest.approx(4.5)
    assert np.isfinite(X_kept).all() and len(X_kept) == 10


def test_list_and_array_inputs_come_back_in_their_own_type():
    X, y = _with_outlier()
    values = X[["x"]].to_numpy()
    X_list, y_list = ZScoreOutlierRemover().fit_resample(values.tolist(), y.tolist())
    X_array, y_array = ZScoreOutlierRemover().fit_resample(values, y.to_numpy())
    assert isinstance(X_list, list) and isinstance(y_list, list)
    np.testing.assert_array_equal(np.asarray(X_list), X_array)
    assert len(X_array) == len(y_array) == len(X) - 1


def test_a_class_is_never_emptied():
    X = pd.DataFrame({"x": [0.0] * 12 + [50.0, 60.0]})
    y = np.array(["major"] * 12 + ["rare"] * 2)  # both rare rows are outliers
    X[["x"]] = X[["x"]].astype(float)
    X.loc[0, "x"] = 40.0  # and one major row
    with pytest.warns(UserWarning, match=r"would drop every training row of class\(es\) 'rare'"):
        X_kept, y_kept = ZScoreOutlierRemover(threshold=1.0).fit_resample(X, y)
    assert list(y_kept).count("rare") == 2  # kept, all of them
    assert 0 not in X_kept.index  # the other class's outlier still goes


def test_single_class_is_refused_as_by_every_imblearn_sampler():
    X, _ = _with_outlier()
    with pytest.raises(ValueError, match="needs to have more than 1 class. Got 1 class"):
        ZScoreOutlierRemover().fit_resample(X, np.zeros(len(X)))


def test_removed_share_is_reported_and_a_large_one_warned_about():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(400, 80)))  # 80 normal columns: ~19% of rows have a |z| > 3
    y = np.arange(400) % 2
    with pytest.warns(UserWarning, match=r"dropped \d+ of 400 training rows \(\d+%\).*outliers: clip"):
        remover = ZScoreOutlierRemover()
        X_kept, _ = remover.fit_resample(X, y)
    assert remover.removed_fraction_ == remover.n_outliers_ / 400 == (400 - len(X_kept)) / 400
    assert remover.removed_fraction_ > 0.10
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        narrow = ZScoreOutlierRemover().fit(X.iloc[:, :3], y)  # fit checks only; resampling scores
        narrow.fit_resample(X.iloc[:, :3], y)
    assert 0 < narrow.removed_fraction_ <= 0.10


def test_columns_option_limits_scoring_and_names_unknown_columns():
    X, y = _with_outlier()
    X_kept, _ = ZScoreOutlierRemover(columns=["n"]).fit_resample(X, y)
    assert len(X_kept) == len(X)
    with pytest.raises(ValueError, match="column 'nope' in `columns` is not in the data"):
        ZScoreOutlierRemover(columns=["nope"]).fit_resample(X, y)


def test_invalid_threshold_names_the_parameter():
    X, y = _with_outlier()
    with pytest.raises(InvalidParameterError, match="'threshold' parameter of ZScoreOutlierRemover"):
        ZScoreOutlierRemover(threshold=-1).fit_resample(X, y)


def test_rows_are_dropped_in_fit_only():
    """Predicting on the very outlier rows gives one prediction per row."""
    X, y = _with_outlier()
    X = X[["x", "n"]]
    model = Pipeline([("outliers", ZScoreOutlierRemover()),
                      ("model", LogisticRegression())]).fit(X, y)
    assert model.named_steps["outliers"].n_outliers_ == 1
    outlier_rows = X.loc[[105, 105, 105]]
    assert len(model.predict(outlier_rows)) == 3
    assert len(model.predict(X)) == len(X)
    # The statistics come from the rows the pipeline was fitted on.
    np.testing.assert_allclose(model.named_steps["outliers"].mean_, X.mean().to_numpy())


def test_clipper_clips_to_training_bounds_at_predict_too():
    X, _ = _with_outlier()
    clipper = ZScoreClipper(threshold=2.0).fit(X)
    lower, upper = clipper.lower_[0], clipper.upper_[0]
    assert clipper.n_clipped_ >= 1
    new = X.head(2).copy()
    new["x"] = [1e6, -1e6]
    clipped = clipper.transform(new)
    assert clipped["x"].tolist() == pytest.approx([upper, lower])
    assert (clipped["text"] == new["text"]).all()
    assert (clipped.dtypes == X.dtypes).all()  # int32 column stays integer
    inside = (X["x"] >= lower) & (X["x"] <= upper)
    transformed = clipper.transform(X)
    pd.testing.assert_series_equal(transformed["x"][inside], X["x"][inside])


def test_clipper_leaves_nan_and_constant_columns_alone():
    X = np.column_stack([np.full(10, 3.0), np.r_[np.nan, np.arange(9.0)]])
    clipper = ZScoreClipper().fit(X)
    new = np.array([[100.0, np.nan], [3.0, 1e9]])
    out = clipper.transform(new)
    assert out[0, 0] == 100.0  # no spread: no bounds
    assert np.isnan(out[0, 1])
    assert out[1, 1] == pytest.approx(clipper.upper_[1])
    assert out.dtype == new.dtype
