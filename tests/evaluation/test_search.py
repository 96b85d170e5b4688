import importlib.util
import os
import sys

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.evaluation._search import search_models, validation_auc


@pytest.fixture(scope="module")
def split():
    X, y = make_classification(n_samples=300, n_informative=4, random_state=0)
    return X[:200], y[:200], X[200:], y[200:]


def test_best_candidate_has_the_highest_validation_auc(split):
    X_train, y_train, X_val, y_val = split
    found = search_models(
        {"tree": (DecisionTreeClassifier(random_state=0), {"max_depth": [1, 3, None]})},
        X_train, y_train, X_val, y_val, n_jobs=2, verbose=False,
    )["tree"]
    scores = [trial["validation_roc_auc"] for trial in found.trials]
    assert len(found.trials) == 3
    assert found.score == max(scores)
    assert validation_auc(found.estimator, X_val, y_val) == pytest.approx(found.score)
    # trials come back in grid order whatever the finishing order was
    assert [t["params"]["max_depth"] for t in found.trials] == [1, 3, None]


def test_parallel_and_sequential_agree(split):
    X_train, y_train, X_val, y_val = split
    candidates = {"logreg": (LogisticRegression(), {"C": [0.01, 1.0]}),
                  "tree": (DecisionTreeClassifier(random_state=0), {"max_depth": [2, 4]})}
    a = search_models(candidates, X_train, y_train, X_val, y_val, n_jobs=2, verbose=False)
    b = search_models(candidates, X_train, y_train, X_val, y_val, n_jobs=1, verbose=False)
    for name in candidates:
        assert a[name].params == b[name].params
        assert a[name].trials == [dict(t, fit_time_s=a[name].trials[i]["fit_time_s"]) for i, t in enumerate(b[name].trials)]


def test_multiclass_auc_is_macro_ovr():
    X, y = make_classification(n_samples=300, n_classes=3, n_informative=5, random_state=1)
    model = LogisticRegression().fit(X[:200], y[:200])
    auc = validation_auc(model, X[200:], y[200:])
    assert 0.5 < auc <= 1.0


def test_auc_is_none_for_a_single_class(split):
    X_train, y_train, X_val, _ = split
    model = LogisticRegression().fit(X_train, y_train)
    assert validation_auc(model, X_val, np.zeros(len(X_val), dtype=int)) is None


def test_sequential_backend_agrees_with_loky(split):
    X_train, y_train, X_val, y_val = split
    candidates = {"tree": (DecisionTreeClassifier(random_state=0), {"max_depth": [2, 3, 5]})}
    loky = search_models(candidates, X_train, y_train, X_val, y_val, n_jobs=2, verbose=False)
    seq = search_models(candidates, X_train, y_train, X_val, y_val, verbose=False, backend="sequential")
    assert seq["tree"].params == loky["tree"].params
    assert [t["validation_roc_auc"] for t in seq["tree"].trials] == \
        [t["validation_roc_auc"] for t in loky["tree"].trials]


@pytest.mark.parametrize("options, message", [
    ({"backend": "dusk"}, r"backend='dusk' is not one of loky, dask, sequential"),
    ({"backend": "loky", "scheduler": "tcp://host:8786"},
     r"scheduler='tcp://host:8786' is only used by backend='dask'"),
])
def test_bad_backend_options_are_named(split, options, message):
    X_train, y_train, X_val, y_val = split
    with pytest.raises(ConfigError, match=message):
        search_models({"logreg": (LogisticRegression(), {"C": [1.0]})}, X_train, y_train, X_val,
                      y_val, verbose=False, **options)


def test_dask_backend_without_dask_says_how_to_install(split, monkeypatch):
    X_train, y_train, X_val, y_val = split
    monkeypatch.setitem(sys.modules, "dask", None)  # makes `import dask` fail
    with pytest.raises(ConfigError, match=r"pip install 'dmflow\[distributed\]'"):
        search_models({"logreg": (LogisticRegression(), {"C": [1.0]})}, X_train, y_train, X_val,
                      y_val, verbose=False, backend="dask")


@pytest.mark.parametrize("values, message", [
    ({"backend": "ray"}, r"`backend` got 'ray', which is not one of loky, dask, sequential"),
    ({"scheduler": "tcp://host:8786"}, r"`scheduler` is set .* but `backend` is 'loky'"),
    ({"backend": "dask", "scheduler": 8786}, r"`scheduler` must be a string or null"),
])
def test_backend_settings_are_validated(values, message):
    with pytest.raises(ConfigError, match=message):
        load_config(**values)


def test_backend_dask_setting_refused_early_without_dask(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "distributed" else real_find_spec(name, *a))
    with pytest.raises(ConfigError, match=r"dask.distributed is not installed"):
        load_config(backend="dask")
    assert load_config(backend="sequential").backend == "sequential"


class _PidRecorder(LogisticRegression):
    """Remembers which process fitted it."""

    def fit(self, X, y):
        self.fitted_in_ = os.getpid()
        return super().fit(X, y)


def test_loky_backend_yields_to_the_callers_joblib_backend(split):
    # How Ray (ray.util.joblib.register_ray) or any other joblib backend takes over.
    X_train, y_train, X_val, y_val = split
    candidates = {"logreg": (_PidRecorder(), {"C": [0.1, 1.0]})}
    with parallel_config(backend="threading"):
        found = search_models(candidates, X_train, y_train, X_val, y_val, n_jobs=2, verbose=False)
    assert found["logreg"].estimator.fitted_in_ == os.getpid()
    found = search_models(candidates, X_train, y_train, X_val, y_val, n_jobs=2, verbose=False)
    assert found["logreg"].estimator.fitted_in_ != os.getpid()  # loky: another process
