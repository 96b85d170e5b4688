import numpy as np
import pytest
from imblearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression

from pipeline.phases import (
    Flatten,
    SequenceBalancer,
    SequenceScaler,
    as_series,
    build_sequence_steps,
)


def _series(n=40, steps=12, channels=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, steps, channels)).astype(np.float32)
    y = np.array([0] * (n - n // 4) + [1] * (n // 4))
    X[y == 1, :3] += 2.0
    return X, y


def test_scaler_learns_per_channel_statistics_from_training_series_only():
    X, _ = _series()
    X[:, :, 1] *= 100.0  # channels on very different scales
    scaler = SequenceScaler(threshold=None).fit(X[:30])
    np.testing.assert_allclose(scaler.mean_, X[:30].reshape(-1, 2).mean(axis=0), rtol=1e-4)
    Xt = scaler.transform(X[:30])
    np.testing.assert_allclose(Xt.reshape(-1, 2).min(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(Xt.reshape(-1, 2).max(axis=0), 1.0, atol=1e-6)
    # unseen series may fall outside [0, 1]: the range was not refitted on them
    assert scaler.transform(X[30:] * 3).max() > 1.0


def test_scaler_clips_spikes_and_imputes_missing_values():
    X, _ = _series()
    X[0, 5, 0] = 500.0
    X[1, 2, 1] = np.nan
    X[2, 3, 0] = np.inf
    scaler = SequenceScaler(threshold=3.0).fit(X)
    Xt = scaler.transform(X)
    assert np.isfinite(Xt).all()
    assert scaler.n_clipped_ >= 1 and scaler.n_imputed_.tolist() == [1, 1]
    assert Xt[0, 5, 0] == pytest.approx(1.0)  # the spike sits at the clipped upper bound


def test_channel_mismatch_is_explained():
    X, _ = _series()
    scaler = SequenceScaler().fit(X)
    with pytest.raises(ValueError, match="fitted on 2 channel\\(s\\) but got 3"):
        scaler.transform(np.zeros((2, 12, 3)))


def test_balancer_adds_only_minority_series_and_keeps_shape():
    X, y = _series()
    Xr, yr = SequenceBalancer(random_state=0).fit_resample(X, y)
    assert Xr.shape[1:] == X.shape[1:]
    assert (yr == 0).sum() == (y == 0).sum() and (yr == 1).sum() == (y == 0).sum()
    np.testing.assert_array_equal(Xr[: len(X)], X)  # the original series come first, untouched


def test_pipeline_never_resamples_at_predict():
    X, y = _series()
    pipe = Pipeline([*build_sequence_steps(flatten=True, random_state=0), ("model", LogisticRegression())])
    pipe.fit(X, y)
    assert pipe.predict(X[:7]).shape == (7,)
    assert pipe.named_steps["balance"].class_counts_after_ == {0: 30, 1: 30}


def test_as_series_rejects_other_shapes():
    assert as_series(np.zeros((3, 5))).shape == (3, 5, 1)
    with pytest.raises(ValueError, match="must have shape \\(n_series, n_steps"):
        as_series(np.zeros(5))
    assert Flatten().fit_transform(np.zeros((3, 5, 2))).shape == (3, 10)


def test_scaler_equals_the_table_steps_run_on_each_channel_alone():
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import MinMaxScaler

    from pipeline.phases import ZScoreClipper

    X, _ = _series(channels=3)
    X[:, :, 2] = X[:, :, 2] * 50 + 7
    X[0, 4, 1], X[3, 1, 2], X[5, 5, 0] = 40.0, np.nan, -np.inf
    train, test = X[:30], X[30:]
    Xt = SequenceScaler(threshold=2.5).fit(train).transform(test)

    def column(A, c):
        return np.where(np.isfinite(A[:, :, c]), A[:, :, c], np.nan).reshape(-1, 1)

    for c in range(3):
        clipper = ZScoreClipper(2.5).fit(column(train, c))
        imputer = SimpleImputer().fit(clipper.transform(column(train, c)))
        scaler = MinMaxScaler().fit(imputer.transform(clipper.transform(column(train, c))))
        expected = scaler.transform(imputer.transform(clipper.transform(column(test, c))))
        np.testing.assert_allclose(Xt[:, :, c].reshape(-1, 1), expected, rtol=1e-5, atol=1e-6)


def test_series_of_another_length_are_refused():
    X, _ = _series()
    scaler = SequenceScaler().fit(X)
    with pytest.raises(ValueError, match="X has 10 features, but SequenceScaler is expecting 12"):
        scaler.transform(X[:, :10])
