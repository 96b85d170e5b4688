import importlib.util
import os
import sys
import time

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier

from pipeline.errors import ConfigError
from pipeline.flow.config import load_config
from pipeline.selection import score_proba, search_models


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=240, n_informative=4, random_state=0)
    return X, y, list(StratifiedKFold(4, shuffle=True, random_state=0).split(X, y))


def _grid(estimator, **values):
    """Candidates varying one parameter: [(params, estimator), ...]."""
    ((key, options),) = values.items()
    return [({key: v}, clone(estimator).set_params(**{key: v})) for v in options]


def test_best_candidate_has_the_best_mean_fold_score(data):
    X, y, folds = data
    cands = {"tree": _grid(DecisionTreeClassifier(random_state=0), max_depth=[1, 3, None])}
    found, skipped = search_models(cands, X, y, folds, classes=[0, 1], n_jobs=2, verbose=False, race=False)
    result = found["tree"]
    assert skipped == [] and len(result.trials) == 3
    assert result.score == max(t["cv_mean"] for t in result.trials)
    # trials come back in candidate order whatever the finishing order was
    assert [t["params"]["max_depth"] for t in result.trials] == [1, 3, None]
    # the score is the mean of the fold scores, each on that fold's validation rows
    assert result.score == pytest.approx(np.mean(result.fold_scores))
    for (_, val), fold_score in zip(folds, result.fold_scores):
        assert score_proba("roc_auc", y[val], result.oof[val], [0, 1]) == pytest.approx(fold_score)
    assert not np.isnan(result.oof).any()  # every row was validated once


class _Recorder(TransformerMixin, BaseEstimator):
    """Passes rows through; remembers the row ids (column 0) it was fitted on."""

    seen = []

    def fit(self, X, y=None):
        _Recorder.seen.append(("fit", frozenset(np.asarray(X)[:, 0].astype(int).tolist())))
        return self

    def transform(self, X):
        return X


class _IdModel(ClassifierMixin, BaseEstimator):
    """Remembers the ids of the rows it was fitted on and the rows it scored."""

    def fit(self, X, y):
        _Recorder.seen.append(("model", frozenset(np.asarray(X)[:, 0].astype(int).tolist())))
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        _Recorder.seen.append(("predict", frozenset(np.asarray(X)[:, 0].astype(int).tolist())))
        return np.full((len(X), len(self.classes_)), 1 / len(self.classes_))


def test_no_fold_fits_on_its_own_validation_rows(data):
    X, y, folds = data
    X = np.column_stack([np.arange(len(y)), X])  # column 0: the row id
    _Recorder.seen = []
    pipe = Pipeline([("first", _Recorder()), ("model", _IdModel())])
    search_models({"probe": [({}, pipe)]}, X, y, folds, classes=[0, 1], verbose=False, backend="sequential")
    fits = [rows for what, rows in _Recorder.seen if what in ("fit", "model")]
    scored = [rows for what, rows in _Recorder.seen if what == "predict"]
    assert len(fits) == 2 * len(folds) and len(scored) == len(folds)
    for train, val in folds:
        train_ids, val_ids = frozenset(train.tolist()), frozenset(val.tolist())
        assert fits.count(train_ids) == 2  # both steps fitted on exactly the fold's training rows
        assert val_ids in scored
        assert all(not (rows & val_ids) for rows in fits if rows == train_ids)


def test_parallel_and_sequential_agree(data):
    X, y, folds = data
    cands = {"logreg": _grid(LogisticRegression(), C=[0.01, 1.0]),
             "tree": _grid(DecisionTreeClassifier(random_state=0), max_depth=[2, 4])}
    a, _ = search_models(cands, X, y, folds, classes=[0, 1], n_jobs=2, verbose=False)
    b, _ = search_models(cands, X, y, folds, classes=[0, 1], verbose=False, backend="sequential")
    for name in cands:
        assert a[name].params == b[name].params
        assert [t["fold_scores"] for t in a[name].trials] == [t["fold_scores"] for t in b[name].trials]


class _Slow(LogisticRegression):
    """A logistic regression whose fit sleeps, and appends its start time to ``log``."""

    def __init__(self, seconds=0.0, log=None, C=1.0):
        super().__init__(C=C)
        self.seconds = seconds
        self.log = log

    def fit(self, X, y):
        with open(self.log, "a", encoding="utf-8") as handle:
            handle.write(f"{time.time()!r}\n")
        time.sleep(self.seconds)
        return super().fit(X, y)


def _starts(log):
    return [float(line) for line in log.read_text(encoding="utf-8").split()]


@pytest.mark.parametrize("backend, n_jobs", [("sequential", 1), ("loky", 2)])
def test_no_fold_starts_after_the_time_limit_not_even_a_models_first(data, tmp_path, backend, n_jobs):
    # Each slow fit takes 0.7 s: its first candidate alone (4 folds) would take 2.8 s
    # of work, over the 0.5 s budget.
    X, y, folds = data
    log = tmp_path / "starts.txt"
    cands = {"slow": _grid(_Slow(seconds=0.7, log=str(log)), C=[0.1, 1.0, 10.0]),
             "fast": _grid(_Slow(log=str(log)), C=[0.1, 1.0])}
    limit = 0.5
    # warm the workers (their imports of this module are not the search's to pay)
    search_models({"fast": cands["fast"][:1]}, X, y, folds, classes=[0, 1], n_jobs=n_jobs, verbose=False,
                  backend=backend)
    log.unlink()
    began = time.time()
    found, skipped = search_models(cands, X, y, folds, classes=[0, 1], n_jobs=n_jobs, verbose=False,
                                   backend=backend, time_limit=limit, race=False)
    assert max(_starts(log)) <= began + limit
    slow = found["slow"]
    assert 1 <= len(slow.fold_scores) < len(folds)  # its first candidate was cut short but kept
    assert slow.params == {"C": 0.1} and np.isnan(slow.oof).any()
    assert {"model": "slow", "params": {"C": 10.0}, "reason": "not started: time limit spent"} in skipped
    # the search ended at most one fold's length after the budget
    assert time.time() - began <= limit + max(t["longest_fold_s"] for t in slow.trials) + 0.5


def test_a_candidate_cut_short_by_the_time_limit_does_not_compete(data, tmp_path):
    X, y, folds = data
    log = tmp_path / "starts.txt"
    # Candidate 0 (no wait) finishes its 4 folds well inside the limit; candidate 1
    # (3 s a fold) starts, and is cut after its first fold.
    cands = {"m": [({"C": 1e-4}, _Slow(log=str(log), C=1e-4)),
                   ({"C": 1.0}, _Slow(seconds=3.0, log=str(log), C=1.0))]}
    found, _ = search_models(cands, X, y, folds, classes=[0, 1], verbose=False, backend="sequential",
                             time_limit=3.0, race=False)
    complete, cut = found["m"].trials
    assert len(complete["fold_scores"]) == len(folds) and "stopped" not in complete
    assert cut["stopped"] and cut["stop_reason"] == "time limit" and len(cut["fold_scores"]) < len(folds)
    assert found["m"].params == {"C": 1e-4}  # the cut candidate is not chosen, whatever its score


def test_a_model_that_finished_no_fold_is_skipped_with_the_reason(data, tmp_path):
    X, y, folds = data
    log = tmp_path / "starts.txt"
    cands = {"slow": [({}, _Slow(seconds=0.5, log=str(log)))], "fast": [({}, LogisticRegression())],
             "late": [({}, LogisticRegression())]}
    # slow's first fold ends after the budget; its other folds, and `late`'s, never start
    found, skipped = search_models(cands, X, y, folds, classes=[0, 1], verbose=False, backend="sequential",
                                   time_limit=0.3, race=False)
    assert list(found) == ["slow"] and len(found["slow"].fold_scores) == 1
    reason = "no fold finished within time_limit=0.3 s"
    assert skipped == [{"model": "fast", "params": None, "reason": reason},
                       {"model": "late", "params": None, "reason": reason}]


def test_a_time_limit_no_model_can_keep_is_an_error_naming_it(data):
    X, y, folds = data
    cands = {"logreg": _grid(LogisticRegression(), C=[0.01, 0.1])}
    with pytest.raises(ConfigError, match=r"time_limit=1e-09 s was spent before any model finished a fold"
                                          r".*Raise --time-limit"):
        search_models(cands, X, y, folds, classes=[0, 1], verbose=False, backend="sequential",
                      time_limit=1e-9)


class _Fails(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        raise ValueError("cannot fit this")


def test_a_failing_candidate_is_recorded_not_fatal(data):
    X, y, folds = data
    cands = {"mixed": [({"which": "bad"}, _Fails()), ({"which": "good"}, LogisticRegression())]}
    found, _ = search_models(cands, X, y, folds, classes=[0, 1], verbose=False, backend="sequential")
    bad, good = found["mixed"].trials
    assert "cannot fit this" in bad["error"] and bad["cv_mean"] is None
    assert found["mixed"].params == {"which": "good"}


def test_multiclass_and_log_loss_selection():
    X, y = make_classification(n_samples=300, n_classes=3, n_informative=5, random_state=1)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    cands = {"logreg": _grid(LogisticRegression(), C=[1e-4, 1.0])}
    found, _ = search_models(cands, X, y, folds, classes=[0, 1, 2], metric="log_loss", verbose=False,
                             backend="sequential")
    # lower log loss is better: the barely regularised model wins
    assert found["logreg"].params == {"C": 1.0}
    assert found["logreg"].score == min(t["cv_mean"] for t in found["logreg"].trials)


@pytest.mark.parametrize("metric", ["roc_auc", "average_precision", "f1", "balanced_accuracy", "log_loss"])
def test_every_metric_scores_binary_and_multiclass(metric):
    rng = np.random.default_rng(0)
    for k in (2, 3):
        y = np.arange(60) % k
        proba = rng.dirichlet(np.ones(k), size=60)
        proba[np.arange(60), y] += 1.0
        proba /= proba.sum(axis=1, keepdims=True)
        score = score_proba(metric, y, proba, list(range(k)))
        assert np.isfinite(score)
        if metric != "log_loss":
            assert 0.5 < score <= 1.0 + 1e-12


def test_positive_class_changes_the_binary_scores():
    y = np.array([0, 0, 0, 0, 1, 1])
    proba = np.array([[.9, .1], [.8, .2], [.4, .6], [.3, .7], [.2, .8], [.6, .4]])
    assert score_proba("f1", y, proba, [0, 1], positive=1) == pytest.approx(0.4)
    assert score_proba("f1", y, proba, [0, 1], positive=0) == pytest.approx(4 / 7)


@pytest.mark.parametrize("options, message", [
    ({"backend": "dusk"}, r"backend='dusk' is not one of loky, dask, sequential"),
    ({"backend": "loky", "scheduler": "tcp://host:8786"},
     r"scheduler='tcp://host:8786' is only used by backend='dask'"),
])
def test_bad_backend_options_are_named(data, options, message):
    X, y, folds = data
    with pytest.raises(ConfigError, match=message):
        search_models({"logreg": [({}, LogisticRegression())]}, X, y, folds, classes=[0, 1], verbose=False,
                      **options)


def test_dask_backend_without_dask_says_how_to_install(data, monkeypatch):
    X, y, folds = data
    monkeypatch.setitem(sys.modules, "dask", None)  # makes `import dask` fail
    with pytest.raises(ConfigError, match=r"pip install 'dmflow\[distributed\]'"):
        search_models({"logreg": [({}, LogisticRegression())]}, X, y, folds, classes=[0, 1], verbose=False,
                      backend="dask")


@pytest.mark.parametrize("values, message", [
    ({"backend": "ray"}, r"`backend` got 'ray', which is not one of loky, dask, sequential"),
    ({"scheduler": "tcp://host:8786"}, r"`scheduler` is set .* but `backend` is 'loky'"),
    ({"backend": "dask", "scheduler": 8786}, r"`scheduler` must be a string or null"),
    ({"metric": "auc"}, r"`metric` got 'auc', which is not one of roc_auc, .*Did you mean 'roc_auc'"),
    ({"selection": "kfold"}, r"`selection` got 'kfold', which is not one of cv, holdout"),
    ({"cv": 1}, r"`cv` must be at least 2, got 1"),
    ({"time_limit": 0}, r"`time_limit` must be greater than 0(\.0)?; got 0"),
    ({"outliers": "drop,trim"}, r"`outliers` got 'trim', which is not one of "),
    ({"balance": []}, r"`balance` is empty; name at least one of none, weight, smote, smotenc"),
    ({"ensemble": "yes"}, r"`ensemble` must be true or false; got 'yes'"),
])
def test_settings_are_validated(values, message):
    with pytest.raises(ConfigError, match=message):
        load_config(**values)


def test_backend_dask_setting_refused_early_without_dask(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "distributed" else real_find_spec(name, *a))
    with pytest.raises(ConfigError, match=r"dask.distributed is not installed"):
        load_config(backend="dask")
    assert load_config(backend="sequential").backend == "sequential"


class _PidModel(LogisticRegression):
    """Scores each row with the id of the process that fitted it."""

    def fit(self, X, y):
        super().fit(X, y)
        self.pid_ = os.getpid()
        return self

    def predict_proba(self, X):
        return np.tile([self.pid_ / 1e9, 1 - self.pid_ / 1e9], (len(X), 1))


def test_loky_backend_yields_to_the_callers_joblib_backend(data):
    # How Ray (ray.util.joblib.register_ray) or any other joblib backend takes over.
    X, y, folds = data
    cands = {"logreg": [({}, _PidModel())]}
    with parallel_config(backend="threading"):
        found, _ = search_models(cands, X, y, folds, classes=[0, 1], n_jobs=2, verbose=False)
    assert found["logreg"].oof[0, 0] == pytest.approx(os.getpid() / 1e9)
    found, _ = search_models(cands, X, y, folds, classes=[0, 1], n_jobs=2, verbose=False)
    assert found["logreg"].oof[0, 0] != pytest.approx(os.getpid() / 1e9)  # loky: another process


def test_after_every_models_first_the_model_with_least_time_spent_goes_next():
    from pipeline.selection._search import _next_model

    cands = {"slow": [1, 2, 3], "cheap": [1, 2, 3], "new": [1]}
    launched = {"slow": 1, "cheap": 1, "new": 0}
    assert _next_model(cands, launched, {}) == "new"  # every model's defaults first
    launched["new"] = 1
    assert _next_model(cands, launched, {"slow": [10.0], "cheap": [1.0]}) == "cheap"
    launched["cheap"] = 3
    assert _next_model(cands, launched, {"slow": [10.0], "cheap": [1.0]}) == "slow"
    launched["slow"] = 3
    assert _next_model(cands, launched, {}) is None


def test_the_race_stops_only_candidates_clearly_behind_on_the_first_folds(data):
    X, y, folds = data
    cands = {"mixed": [({"which": "chance"}, DummyClassifier()),
                       ({"which": "logreg"}, LogisticRegression()),
                       ({"which": "same"}, LogisticRegression()),
                       ({"which": "stump"}, DecisionTreeClassifier(max_depth=1, random_state=0)),
                       ({"which": "tree"}, DecisionTreeClassifier(max_depth=3, random_state=0))]}
    found, _ = search_models(cands, X, y, folds, classes=[0, 1], verbose=False, backend="sequential")
    full, _ = search_models(cands, X, y, folds, classes=[0, 1], verbose=False, backend="sequential",
                            race=False)
    first = len(folds) // 2
    trials = {t["params"]["which"]: t for t in found["mixed"].trials}
    assert trials["chance"].get("stopped") and len(trials["chance"]["fold_scores"]) == first
    # the leader and its twin always go on; so does everything that went on, to every fold
    assert not trials["logreg"].get("stopped") and not trials["same"].get("stopped")
    assert all(len(t["fold_scores"]) == len(folds) for t in trials.values() if not t.get("stopped"))
    # the same fits as without a race, on the folds each got
    for raced, whole in zip(found["mixed"].trials, full["mixed"].trials):
        assert raced["fold_scores"] == whole["fold_scores"][: len(raced["fold_scores"])]
    assert found["mixed"].params == full["mixed"].params
    assert not np.isnan(found["mixed"].oof).any()


def test_a_candidate_stops_only_beyond_two_standard_errors_of_the_differences():
    from pipeline.selection._search import _Search

    search = _Search({}, None, None, [], None, "roc_auc", None, False)
    # deficits to the leader: b = 0.05 +- 0.01 (clearly behind), c = 0.01 +- 0.03 (not)
    scores = {0: [0.80, 0.90], 1: [0.74, 0.86], 2: [0.82, 0.86]}
    assert search._behind(scores) == {1}
    assert search._behind({0: [0.8, 0.9]}) == set()  # nobody to compare
    assert search._behind({0: [0.8, None], 1: [0.1, 0.1]}) == set()  # undefined folds: not judged
    # log loss: lower is better, so the leader has the lowest scores
    search.metric = "log_loss"
    assert search._behind({0: [0.30, 0.20], 1: [0.36, 0.24], 2: [0.28, 0.24]}) == {1}


def test_no_race_with_fewer_than_four_folds(data):
    X, y, folds = data
    cands = {"probe": [({"which": "chance"}, DummyClassifier()), ({"which": "fit"}, LogisticRegression())]}
    found, _ = search_models(cands, X, y, folds[:3], classes=[0, 1], verbose=False, backend="sequential")
    assert [len(t["fold_scores"]) for t in found["probe"].trials] == [3, 3]
    assert not any(t.get("stopped") for t in found["probe"].trials)
