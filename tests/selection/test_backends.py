"""Joblib backends a caller chooses, including those that cannot return results as they come."""

import os

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from pipeline.errors import ConfigError
from pipeline.selection import search_models
from tests.selection.test_search import _PidModel


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    return X, y, list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))


def _candidates():
    return {"logreg": [({"C": c}, LogisticRegression(C=c)) for c in (0.01, 1.0, 0.1)],
            "probe": [({}, _PidModel())]}


def test_a_backend_without_generators_runs_the_search_like_loky(data):
    # joblib's multiprocessing backend, like Ray's, returns lists only.
    X, y, folds = data
    with parallel_config(backend="multiprocessing"):
        found, skipped = search_models(_candidates(), X, y, folds, classes=[0, 1], n_jobs=2,
                                       verbose=False, race=False)
    # one process: the same results as loky (see test_search)
    on_loky, _ = search_models(_candidates(), X, y, folds, classes=[0, 1], n_jobs=1, verbose=False,
                               race=False)
    assert skipped == []
    assert found["probe"].oof[0, 0] != pytest.approx(os.getpid() / 1e9)  # fitted in a pool process
    assert found["logreg"].params == on_loky["logreg"].params
    assert [t["fold_scores"] for t in found["logreg"].trials] == \
        [t["fold_scores"] for t in on_loky["logreg"].trials]
    np.testing.assert_array_equal(found["logreg"].oof, on_loky["logreg"].oof)


def test_a_backend_without_generators_still_keeps_the_time_limit(data):
    X, y, folds = data
    # a spent budget: no fold starts, a model's first candidate's included, in the pool too
    with parallel_config(backend="multiprocessing"), \
            pytest.raises(ConfigError, match=r"time_limit=0 s was spent before any model finished a fold"):
        search_models(_candidates(), X, y, folds, classes=[0, 1], n_jobs=2, verbose=False, time_limit=0.0)
