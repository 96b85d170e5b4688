import json

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression

from pipeline.evaluation import class_activation_examples, model_diagnostics
from pipeline.evaluation._activation import example_rows
from pipeline.models.neural import CNNClassifier
from pipeline.phases._sequence import build_sequence_steps

CLASSES = ["bump", "flat"]
BUMP = slice(8, 13)


def make_series(n, seed, steps=24):
    """Two channels; a ``bump`` series rises over steps 8-12 of its first channel.

    Values sit far from [0, 1], so the scaled series the network reads differ from the raw ones.
    """
    rng = np.random.default_rng(seed)
    y = np.array(CLASSES)[np.arange(n) % 2]
    X = rng.normal(scale=0.3, size=(n, steps, 2))
    X[y == "bump", BUMP, 0] += 2.0
    return 10 * X + 5, y


def fit_pipeline(model, flatten=False):
    """A model behind the phase steps of a sequence run (per-channel scaling, SMOTE)."""
    X, y = make_series(80, 0)
    return Pipeline(build_sequence_steps(flatten=flatten, random_state=0) + [("model", model)]).fit(X, y)


@pytest.fixture(scope="module")
def cnn():
    return fit_pipeline(CNNClassifier((8, 8), max_steps=60, random_state=0))


@pytest.fixture(scope="module")
def found(cnn):
    X, y = make_series(30, 1)
    return class_activation_examples(cnn, X, y, CLASSES), X, y


def test_the_first_two_test_series_of_each_class_are_shown_with_their_raw_first_channel(found):
    found, X, y = found
    rows = [s["row"] for s in found["series"]]
    assert rows == [int(i) for c in CLASSES for i in np.flatnonzero(y == c)[:2]]
    assert found["channel"] == 0 and found["n_channels"] == 2
    for series in found["series"]:
        assert series["true"] == y[series["row"]] and series["predicted"] in CLASSES
        np.testing.assert_allclose(series["values"], X[series["row"], :, 0], atol=1e-5)
        assert len(series["activation"]) == X.shape[1]
    json.dumps(found, allow_nan=False)  # stored as it is in metrics.json


def test_maps_are_those_of_the_scaled_series_the_network_reads(cnn, found):
    found, X, _ = found
    rows = [s["row"] for s in found["series"]]
    shown = np.array([s["activation"] for s in found["series"]])
    scaled = cnn[-1].class_activation_maps(cnn.named_steps["prepare"].transform(X[rows]))
    np.testing.assert_allclose(shown, scaled, atol=1e-5)
    assert not np.allclose(shown, cnn[-1].class_activation_maps(X[rows]), atol=1e-3)
    assert [s["predicted"] for s in found["series"]] == cnn.predict(X[rows]).tolist()


def test_the_bump_pushes_a_bump_series_toward_its_class(found):
    found, _, _ = found
    bumps = [np.array(s["activation"]) for s in found["series"]
             if s["true"] == s["predicted"] == "bump"]
    assert bumps
    for activation in bumps:
        assert activation[BUMP].mean() > np.delete(activation, np.r_[BUMP]).mean()


def test_pooled_maps_are_stretched_back_to_one_value_per_step():
    pipe = fit_pipeline(CNNClassifier((4,), pool=3, max_steps=10, random_state=0))
    X, y = make_series(10, 2)
    series = class_activation_examples(pipe, X, y, CLASSES)["series"]
    pooled = pipe[-1].class_activation_maps(pipe[:-1].transform(X[[series[0]["row"]]]))[0]
    assert len(series[0]["activation"]) == 24 and pooled.shape == (8,)
    np.testing.assert_allclose(series[0]["activation"][:3], [pooled[0]] * 3, atol=1e-5)


def test_models_without_maps_and_tables_give_none(cnn):
    X, y = make_series(20, 3)
    flat = fit_pipeline(LogisticRegression(max_iter=200), flatten=True)
    assert class_activation_examples(flat, X, y, CLASSES) is None
    assert model_diagnostics(flat, X, y, CLASSES, "bump")["activation"] is None
    assert class_activation_examples(cnn, pd.DataFrame(X[:, :, 0]), y, CLASSES) is None
    assert model_diagnostics(cnn, X, y, CLASSES, "bump")["activation"]["series"]


def test_many_classes_show_one_series_each_up_to_the_limit():
    y = np.repeat(list("abcdefghij"), 3)
    rows = example_rows(y, sorted(set(y)), per_class=2, limit=8)
    assert rows == [0, 3, 6, 9, 12, 15, 18, 21]
    assert example_rows(["a", "a"], ["a", "b"]) == [0, 1]  # a class without rows is left out


def test_series_of_the_wrong_shape_are_named():
    with pytest.raises(ValueError, match=r"X must be series .* shape \(4,\)"):
        class_activation_examples(CNNClassifier(), np.zeros(4), ["a", "b", "a", "b"], ["a", "b"])
