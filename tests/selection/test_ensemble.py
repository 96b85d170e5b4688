"""Greedy ensemble selection, the ensemble estimator, and the refit on all selection rows."""

import importlib
import io
import zipfile

import numpy as np
import pytest
import skops.io
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from pipeline import RunConfig
from pipeline.datasets import infer_roles
from pipeline.flow.stages import Parts
from pipeline.models import build_model
from pipeline.persistence import (
    RENAMED_TYPES,
    TRUSTED_TYPES,
    ModelFileError,
    load_model,
    read_folder,
    save_model,
    write_folder,
)
from pipeline.selection import (
    ENSEMBLE,
    MIN_WEIGHT,
    EnsembleClassifier,
    SearchResult,
    clearly_ahead,
    ensemble_cv_scores,
    greedy_weights,
    refit_models,
    select,
)
from tests.conftest import make_mixed_frame


def _noisy(y, noise, seed):
    rng = np.random.default_rng(seed)
    score = np.clip(y + rng.normal(scale=noise, size=len(y)), -3, 4)
    p = 1 / (1 + np.exp(-3 * (score - 0.5)))
    return np.column_stack([1 - p, p])


def test_weights_favour_the_better_member_and_sum_to_one():
    y = np.arange(400) % 2
    probas = {"good": _noisy(y, 0.4, 0), "fair": _noisy(y, 0.8, 1), "coin": _noisy(y, 50.0, 2)}
    weights = greedy_weights(probas, y, [0, 1])
    assert sum(weights.values()) == pytest.approx(1.0)
    assert max(weights, key=weights.get) == "good"
    assert weights.get("coin", 0.0) < weights["good"]


def test_two_independent_errors_are_averaged():
    y = np.arange(600) % 2
    probas = {"a": _noisy(y, 0.7, 3), "b": _noisy(y, 0.7, 4)}
    weights = greedy_weights(probas, y, [0, 1])
    assert set(weights) == {"a", "b"}  # averaging two equally good, independent models helps


@pytest.mark.parametrize("seed", [0, 1, 5])
def test_a_member_picked_too_rarely_is_dropped_and_the_rest_renormalised(seed):
    # greedy selection picks the coin once in 20 rounds here (weight 0.05) before pruning
    y = np.arange(400) % 2
    probas = {"good": _noisy(y, 0.4, seed), "weak": _noisy(y, 0.6, seed + 100),
              "coin": _noisy(y, 3.0, seed + 200)}
    weights = greedy_weights(probas, y, [0, 1])
    assert "coin" not in weights and set(weights) == {"good", "weak"}
    assert min(weights.values()) >= MIN_WEIGHT
    assert sum(weights.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("metric, gain", [("roc_auc", 1), ("log_loss", -1)])  # log loss: lower is better
def test_clearly_ahead_needs_more_than_the_fold_noise(metric, gain):
    base = np.array([0.40, 0.45, 0.42, 0.48, 0.44])
    steady = base + gain * 0.01
    noisy = base + gain * np.array([0.05, -0.04, 0.03, -0.03, 0.01])  # mean 0.004, spread 0.04
    assert clearly_ahead(steady, base, metric)
    assert not clearly_ahead(base, steady, metric)
    assert not clearly_ahead(noisy, base, metric)
    assert not clearly_ahead(base, base, metric)
    assert not clearly_ahead([0.9], [0.1], metric)  # one fold gives no standard error
    assert not clearly_ahead([0.9, None], [0.1, 0.2], metric)


def test_ensemble_cv_scores_hold_each_fold_out_of_its_own_weights():
    y = np.arange(300) % 2
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(np.zeros(300), y))
    probas = {"a": _noisy(y, 0.6, 5), "b": _noisy(y, 0.9, 6)}
    scores = ensemble_cv_scores(probas, y, folds, [0, 1])
    assert len(scores) == 3 and all(0.5 < s <= 1.0 for s in scores)


class _Probe(ClassifierMixin, BaseEstimator):
    """Remembers how many rows it was fitted on."""

    def fit(self, X, y):
        self.n_fit_rows_ = len(X)
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 0.5)


def _result(estimator, score, y):
    oof = np.column_stack([1 - y, y]).astype(float) * 0.6 + 0.2
    return SearchResult(estimator=estimator, params={}, score=score, std=0.0, fold_scores=[score], oof=oof)


def _parts(n):
    y = np.arange(n) % 2
    folds = list(StratifiedKFold(2, shuffle=True, random_state=0).split(np.zeros(n), y))
    return Parts(np.zeros((n, 2)), y, None, None, folds, np.array([0, 1]), 1)


def test_refit_uses_every_selection_row():
    parts = _parts(80)
    results = {"a": _result(_Probe(), 0.7, parts.y), "b": _result(_Probe(), 0.8, parts.y)}
    found = refit_models(select(results, [], parts), parts.X, parts.y, n_jobs=1, backend="sequential")
    for name in ("a", "b"):
        assert found.models[name].n_fit_rows_ == 80
    assert found.best_single == "b"


def test_ensemble_is_chosen_only_when_its_cv_score_is_better():
    parts = _parts(80)
    results = {"a": _result(_Probe(), 0.7, parts.y), "b": _result(_Probe(), 1.0, parts.y)}
    found = select(results, [], parts)
    assert ENSEMBLE in found.results
    # out-of-fold predictions are perfect (AUC 1.0), so the ensemble ties "b": a tie keeps the single model
    assert found.best == "b"
    assert select(results, [], parts, ensemble=False).results.keys() == {"a", "b"}


def _noisy_result(y, noise, seed):
    oof = _noisy(y, noise, seed)
    return SearchResult(estimator=_Probe(), params={}, score=0.0, std=0.0, oof=oof)


@pytest.mark.parametrize("n_folds", [1, 5])
def test_ensemble_of_independent_members_is_chosen_when_clearly_ahead(n_folds):
    y = np.arange(1000) % 2
    folds = list(StratifiedKFold(max(n_folds, 2), shuffle=True, random_state=0).split(np.zeros(1000), y))
    parts = Parts(np.zeros((1000, 2)), y, None, None, folds[:n_folds],
                  np.array([0, 1]), 1)
    results = {"a": _noisy_result(y, 0.8, 3), "b": _noisy_result(y, 0.8, 4)}
    found = refit_models(select(results, [], parts), parts.X, parts.y, n_jobs=1, backend="sequential")
    assert found.best == ENSEMBLE and set(found.weights) == {"a", "b"}
    assert found.refit_times[ENSEMBLE] == pytest.approx(found.refit_times["a"] + found.refit_times["b"],
                                                        abs=1e-3)


def test_ensemble_not_clearly_ahead_keeps_the_best_single_model():
    y = np.arange(1000) % 2
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(1000), y))
    parts = Parts(np.zeros((1000, 2)), y, None, None, folds, np.array([0, 1]), 1)
    good = _noisy_result(y, 0.5, 3)
    jitter = np.random.default_rng(9).normal(0, 1e-3, good.oof.shape)
    twin = SearchResult(estimator=_Probe(), params={}, score=0.0, std=0.0,
                        oof=np.clip(good.oof + jitter, 0, 1))
    found = select({"good": good, "twin": twin}, [], parts)
    assert found.best in {"good", "twin"} and found.best == found.best_single


def test_every_model_failing_is_a_clear_error():
    from pipeline.errors import DataError

    with pytest.raises(DataError, match=r"Every candidate of every model failed to fit \(a\)"):
        select({"a": SearchResult()}, [], _parts(10))


def test_members_must_agree_on_classes():
    X, y = np.random.default_rng(0).normal(size=(30, 2)), np.arange(30) % 2
    a = LogisticRegression().fit(X, y)
    b = LogisticRegression().fit(X, np.where(y == 1, "yes", "no"))
    with pytest.raises(ValueError, match=r"Ensemble member 'b' has classes \['no', 'yes'\], not \[0, 1\]"):
        EnsembleClassifier([("a", a), ("b", b)], [1, 1]).fit()
    with pytest.raises(ValueError, match=r"one weight per member; got 1 members and 2 weights"):
        EnsembleClassifier([("a", a)], [1, 1]).fit()


def test_ensemble_saves_loads_and_predicts_raw_rows(tmp_path):
    frame = make_mixed_frame(n=200, seed=2)
    X, y = frame.drop(columns="label"), frame["label"].to_numpy()
    roles = infer_roles(X)
    config = RunConfig(models=["logreg", "rf"], model_params={"rf": {"n_estimators": 10}})
    members = [(name, build_model(name, config, roles).fit(X, y)) for name in ("logreg", "rf")]
    ensemble = EnsembleClassifier(members, [0.75, 0.25]).fit()
    save_model(ensemble, tmp_path / "model", metadata={"model": "ensemble"})
    restored = load_model(tmp_path / "model")
    loaded, manifest = restored.estimator_, restored.manifest_
    rows = make_mixed_frame(n=20, seed=9).drop(columns="label")
    rows.loc[0, "colour"] = "ultraviolet"  # unseen category
    rows.loc[1, "x1"] = np.nan
    expected = 0.75 * members[0][1].predict_proba(rows) + 0.25 * members[1][1].predict_proba(rows)
    np.testing.assert_allclose(loaded.predict_proba(rows), expected)
    assert list(loaded.predict(rows)) == list(ensemble.predict(rows))
    assert manifest["metadata"]["model"] == "ensemble"
    assert manifest["feature_names"] == list(rows.columns)


def _saved_under(folder, module, destination):
    """A copy of a model folder whose skops file names ``EnsembleClassifier`` in ``module``,
    as a folder written while the class lived there stores it, with its digests remade."""
    manifest, files = read_folder(folder)
    now = EnsembleClassifier.__module__
    with zipfile.ZipFile(io.BytesIO(files["estimator.skops"])) as source:
        copy = io.BytesIO()
        with zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as target:
            for name in source.namelist():
                data = source.read(name)
                target.writestr(name, data.replace(f'"{now}"'.encode(), f'"{module}"'.encode()))
    files["estimator.skops"] = copy.getvalue()
    facts = {key: value for key, value in manifest.items() if key not in ("format_version", "files")}
    return write_folder(destination, files, facts)


@pytest.fixture(scope="module")
def saved_ensemble(tmp_path_factory):
    frame = make_mixed_frame(n=120, seed=4)
    X, y = frame.drop(columns="label"), frame["label"].to_numpy()
    config = RunConfig(models=["logreg", "rf"], model_params={"rf": {"n_estimators": 5}})
    members = [(name, build_model(name, config, infer_roles(X)).fit(X, y)) for name in ("logreg", "rf")]
    ensemble = EnsembleClassifier(members, [0.5, 0.5]).fit()
    return save_model(ensemble, tmp_path_factory.mktemp("ensemble") / "model"), ensemble, X


def test_a_folder_saved_before_the_ensemble_moved_loads_and_predicts(saved_ensemble, tmp_path):
    folder, ensemble, X = saved_ensemble
    old = next(name for name, new in RENAMED_TYPES.items()
               if new == f"{EnsembleClassifier.__module__}.EnsembleClassifier")
    old_folder = _saved_under(folder, old.rsplit(".", 1)[0], tmp_path / "old")
    stored = skops.io.get_untrusted_types(data=(old_folder / "estimator.skops").read_bytes())
    assert old in stored and old not in TRUSTED_TYPES  # the folder really names the old path
    model = load_model(old_folder)
    assert isinstance(model.estimator_, EnsembleClassifier)
    np.testing.assert_allclose(model.predict_proba(X), ensemble.predict_proba(X))
    assert list(model.predict(X)) == list(ensemble.predict(X))


def test_a_moved_type_not_listed_as_renamed_is_refused_by_name(saved_ensemble, tmp_path):
    folder = _saved_under(saved_ensemble[0], "pipeline.gone._ensemble", tmp_path / "unknown")
    refused = r"does not trust: pipeline\.gone\._ensemble\.EnsembleClassifier"
    with pytest.raises(ModelFileError, match=refused):
        load_model(folder)


def test_every_renamed_type_points_at_a_trusted_class_that_exists():
    for old, new in RENAMED_TYPES.items():
        module, name = new.rsplit(".", 1)
        assert new in TRUSTED_TYPES and old not in TRUSTED_TYPES
        assert isinstance(getattr(importlib.import_module(module), name), type)
