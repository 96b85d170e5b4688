"""RocketClassifier: learning, probabilities, inputs, errors and the scikit-learn contract."""

import numpy as np
import pytest
from sklearn.metrics import log_loss

from pipeline.models.neural import RocketClassifier

SMALL = dict(n_features=336, random_state=0)


def _waves(n=60, steps=80, n_classes=2, seed=0, noise=0.5):
    """Sines whose frequency is the class, at random phases: shape, not level, tells them apart."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    t = np.linspace(0, 4 * np.pi, steps)
    X = np.sin(np.outer(1 + y, t) + rng.uniform(0, 2 * np.pi, (n, 1))) + rng.normal(0, noise, (n, steps))
    return X[:, :, None].astype(np.float32), np.array([f"c{k}" for k in y])


@pytest.mark.parametrize("n_classes", [2, 4])
def test_learns_the_shape_of_held_out_series(n_classes):
    X, y = _waves(n=120, n_classes=n_classes)
    clf = RocketClassifier(**SMALL).fit(X[:80], y[:80])
    assert clf.score(X[80:], y[80:]) >= 0.9
    assert clf.alpha_ in clf.ridge_.alphas


def test_probabilities_agree_with_predictions_and_beat_raw_scores():
    X, y = _waves(n=120, n_classes=3, noise=1.5)
    clf = RocketClassifier(**SMALL).fit(X[:80], y[:80])
    proba = clf.predict_proba(X[80:])
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-9)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X[80:]))
    np.testing.assert_array_equal(proba.argmax(axis=1), clf.decision_function(X[80:]).argmax(axis=1))
    raw = clf._probabilities(clf.decision_function(X[80:]), 1.0)  # an untuned scale
    assert log_loss(y[80:], proba, labels=clf.classes_) < log_loss(y[80:], raw, labels=clf.classes_)


def test_reads_ragged_multichannel_series():
    rng = np.random.default_rng(0)
    X, y = [], []
    for i in range(80):
        steps = int(rng.integers(20, 40))
        series = rng.normal(0, 0.3, size=(steps, 3))
        series[:, 2] += np.sin(np.linspace(0, (2 + 4 * (i % 2)) * np.pi, steps))  # class in channel 2
        X.append(series)
        y.append(i % 2)
    clf = RocketClassifier(**SMALL).fit(X[:60], y[:60])
    assert clf.n_features_in_ == 3
    assert clf.score(X[60:], y[60:]) >= 0.9


def test_same_seed_same_probabilities():
    X, y = _waves()
    a = RocketClassifier(**SMALL).fit(X, y).predict_proba(X)
    b = RocketClassifier(**SMALL).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("alphas", [(), (-1.0, 1.0), (np.inf,)])
def test_bad_alphas_are_named(alphas):
    X, y = _waves(n=20)
    with pytest.raises(ValueError, match=r"alphas must be positive finite numbers, got"):
        RocketClassifier(alphas=alphas, **SMALL).fit(X, y)


def test_sequences_after_a_table_are_refused():
    X, y = _waves(n=30)
    clf = RocketClassifier(**SMALL).fit(X[:, :, 0], y)
    with pytest.raises(ValueError, match="fitted on a table with 80 features, but got sequences"):
        clf.predict(X)


def test_one_row_per_class_still_fits_with_the_raw_scale():
    X, y = _waves(n=4, n_classes=4)
    clf = RocketClassifier(**SMALL).fit(X, y)
    assert clf.temperature_ == 1.0  # too few rows to fit the scale out of fold
    assert clf.predict(X).shape == (4,)

