"""Diagnostics of several models at once: the same figures as one model at a time."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from pipeline.evaluation import diagnose_models, model_diagnostics


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"signal": rng.normal(size=120), "noise": rng.normal(size=120)})
    y = np.where(X["signal"] + 0.3 * rng.normal(size=120) > 0, "yes", "no")
    models = {"tree": DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y),
              "logreg": LogisticRegression().fit(X, y)}
    return models, X, y


@pytest.mark.parametrize("backend", ["loky", "sequential"])
def test_each_model_gets_what_model_diagnostics_gives_it(fitted, backend):
    models, X, y = fitted
    found = diagnose_models(models, X, y, ["no", "yes"], "yes", random_state=3, n_jobs=2,
                            backend=backend, verbose=False)
    assert list(found) == ["tree", "logreg"]  # the models' order, whichever finished first
    for name, model in models.items():
        alone = model_diagnostics(model, X, y, ["no", "yes"], "yes", random_state=3)
        assert found[name]["importance"]["columns"] == alone["importance"]["columns"]
        assert found[name]["curves"]["average_precision"] == pytest.approx(
            alone["curves"]["average_precision"])


def test_the_signal_column_matters_more_than_the_noise(fitted):
    models, X, y = fitted
    found = diagnose_models(models, X, y, ["no", "yes"], "yes", backend="sequential", verbose=False)
    for diagnostics in found.values():
        importance = {c["column"]: c["mean"] for c in diagnostics["importance"]["columns"]}
        assert importance["signal"] > importance["noise"]
