"""The model search on a dask.distributed cluster, through joblib's Dask backend."""

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import StratifiedKFold

distributed = pytest.importorskip(
    "distributed",
    reason="dask.distributed is an optional extra: pip install 'dmflow[distributed]'",
)

from pipeline.cli import main  # noqa: E402
from pipeline.datasets import infer_roles  # noqa: E402
from pipeline.errors import ConfigError  # noqa: E402
from pipeline.flow.config import RunConfig  # noqa: E402
from pipeline.models import build_candidate, candidate_params  # noqa: E402
from pipeline.selection import _backends, search_models  # noqa: E402
from tests.conftest import make_mixed_frame  # noqa: E402


@pytest.fixture(scope="module")
def client():
    """The local cluster ``backend="dask"`` starts without a scheduler: 2 workers."""
    with _backends._dask_cluster(None, 2) as local_client:
        yield local_client


@pytest.fixture(scope="module")
def address(client):
    return client.scheduler.address


@pytest.fixture(scope="module")
def table():
    frame = make_mixed_frame(n=300, seed=4)
    X, y = frame.drop(columns="label"), frame["label"].to_numpy()
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    return infer_roles(X), X, y, folds


def _candidates(roles):
    config = RunConfig(models=["rf", "logreg"], seed=0, n_candidates=2,
                       model_params={"rf": {"n_estimators": 10}}).validate()
    return {name: [(params, build_candidate(name, config, params, roles))
                   for params in candidate_params(name, config)] for name in config.models}


def _without_times(trials):
    return [{k: v for k, v in trial.items() if k not in ("fit_time_s", "longest_fold_s")} for trial in trials]


def test_same_seed_same_best_models_and_scores_as_loky(address, table):
    roles, X, y, folds = table
    on_dask, _ = search_models(_candidates(roles), X, y, folds, classes=["no", "yes"], verbose=False,
                               backend="dask", scheduler=address)
    on_loky, _ = search_models(_candidates(roles), X, y, folds, classes=["no", "yes"], n_jobs=2,
                               verbose=False, backend="loky")
    for name in ("rf", "logreg"):
        assert on_dask[name].params == on_loky[name].params
        assert on_dask[name].score == on_loky[name].score
        assert _without_times(on_dask[name].trials) == _without_times(on_loky[name].trials)
        # the predictions came back from the workers alike
        np.testing.assert_array_equal(on_dask[name].oof, on_loky[name].oof)


class _ThreadRecorder(ClassifierMixin, BaseEstimator):
    """Scores rows with what it saw while fitting: a sequential joblib backend, one BLAS thread."""

    def __init__(self, n_jobs=2):
        self.n_jobs = n_jobs

    def fit(self, X, y):
        from joblib.parallel import get_active_backend
        from threadpoolctl import threadpool_info

        backend, _ = get_active_backend()
        self.backend_seen_ = type(backend).__name__
        self.blas_threads_ = sorted({pool["num_threads"] for pool in threadpool_info()})
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        single = self.backend_seen_ == "SequentialBackend" and self.blas_threads_ in ([], [1])
        return np.tile([0.0, 1.0] if single else [1.0, 0.0], (len(X), 1))


def test_tasks_run_single_threaded_without_nested_dask_tasks(address):
    X, y = np.random.default_rng(0).normal(size=(40, 3)), np.array([0, 1] * 20)
    folds = list(StratifiedKFold(2).split(X, y))
    found, _ = search_models({"probe": [({}, _ThreadRecorder())]}, X, y, folds, classes=[0, 1],
                             verbose=False, backend="dask", scheduler=address)
    assert (found["probe"].oof[:, 1] == 1.0).all()


def test_local_cluster_has_n_jobs_workers_of_one_thread(client):
    workers = client.scheduler_info()["workers"].values()
    assert [worker["nthreads"] for worker in workers] == [1, 1]


def test_unreachable_scheduler_names_the_address(monkeypatch):
    from sklearn.linear_model import LogisticRegression

    monkeypatch.setattr(_backends, "_CONNECT_TIMEOUT", "1s")
    X, y = np.zeros((8, 1)), np.array([0, 1] * 4)
    with pytest.raises(ConfigError, match=r"Cannot reach the Dask scheduler at 'tcp://127\.0\.0\.1:9'"):
        search_models({"logreg": [({}, LogisticRegression())]}, X, y, list(StratifiedKFold(2).split(X, y)),
                      classes=[0, 1], verbose=False, backend="dask", scheduler="tcp://127.0.0.1:9")


def test_command_line_runs_on_the_cluster(address, tmp_path, mixed_csv, capsys):
    code = main(["-q", "run", "--data", str(mixed_csv), "--target", "label", "--models", "logreg",
                 "--out", str(tmp_path), "--backend", "dask",
                 "--scheduler", address])
    assert code == 0
    run_dir = Path(capsys.readouterr().out.strip().splitlines()[-1])
    config = json.loads((run_dir / "metrics.json").read_text())["run"]["config"]
    assert config["backend"] == "dask" and config["scheduler"] == address
