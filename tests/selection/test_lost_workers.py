"""A Dask search survives its workers being killed; a run opens one cluster and closes it."""

import logging
import multiprocessing
import os
import signal

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

distributed = pytest.importorskip(
    "distributed",
    reason="dask.distributed is an optional extra: pip install 'dmflow[distributed]'",
)

from pipeline.flow.config import RunConfig  # noqa: E402
from pipeline.flow.runner import run  # noqa: E402
from pipeline.selection import _backends, search_models  # noqa: E402
from tests.conftest import make_mixed_frame  # noqa: E402


class _KillerModel(ClassifierMixin, BaseEstimator):
    """A logistic regression whose first fit anywhere SIGKILLs the worker processes ``pids``.

    ``marker`` is created by that first fit; later fits (the killed task run again
    among them) find it and only fit. ``"self"`` in ``pids`` is the fitting process.
    """

    def __init__(self, C=1.0, pids=(), marker=None):
        self.C = C
        self.pids = pids
        self.marker = marker

    def fit(self, X, y):
        if self.marker is not None and _first(self.marker):
            mine = os.getpid()
            targets = [mine if pid == "self" else pid for pid in self.pids]
            for pid in sorted(targets, key=lambda pid: pid == mine):  # this process last
                os.kill(pid, signal.SIGKILL)
        self.model_ = LogisticRegression(C=self.C).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)


def _first(marker):
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return False
    return True


@pytest.fixture(scope="module")
def client():
    with _backends._dask_cluster(None, 2) as local_client:
        yield local_client


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6))
    y = (X[:, 0] + rng.normal(size=300) > 0).astype(int)
    return X, y, list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))


def _search(client, table, pids=(), marker=None):
    X, y, folds = table
    candidates = {"killer": [({"C": c}, _KillerModel(C=c, pids=pids, marker=marker))
                             for c in (0.01, 1.0, 0.1)]}
    return search_models(candidates, X, y, folds, classes=[0, 1], verbose=False, backend="dask",
                         scheduler=client.scheduler.address, race=False)[0]["killer"]


def test_search_survives_killed_workers_with_the_same_results(client, table, tmp_path, monkeypatch, caplog):
    # The rows are scattered to a worker. The first fit SIGKILLs every worker, so the
    # one holding the rows too, mid-search; the nannies start new workers.
    monkeypatch.setattr(_backends, "SCATTER_BYTES", 1_000)
    client.wait_for_workers(2, timeout=60)
    workers = set(client.run(os.getpid).values())
    with caplog.at_level(logging.WARNING, logger=_backends.__name__):
        killed = _search(client, table, pids=tuple(workers), marker=str(tmp_path / "killed"))
    client.wait_for_workers(2, timeout=60)
    assert workers.isdisjoint(client.run(os.getpid).values())  # killed mid-search, replaced since
    assert any("lost its data" in r.getMessage() for r in caplog.records)  # and its tasks sent again
    plain = _search(client, table)
    assert killed.params == plain.params and killed.score == plain.score
    assert [t["fold_scores"] for t in killed.trials] == [t["fold_scores"] for t in plain.trials]
    np.testing.assert_array_equal(killed.oof, plain.oof)


def test_a_run_opens_one_local_cluster_and_closes_it(tmp_path, caplog):
    path = tmp_path / "mixed.csv"
    make_mixed_frame(n=200, seed=1).to_csv(path, index=False)
    config = RunConfig(data=str(path), target="label", models=["logreg"], out=str(tmp_path), n_jobs=2,
                       backend="dask", n_candidates=2, cv=3, outliers=["none"], balance=["none"],
                       reduce=["none"])
    before = set(multiprocessing.active_children())
    with caplog.at_level(logging.INFO, logger=_backends.__name__):
        run(config, verbose=False)
    started = [r for r in caplog.records if r.getMessage().startswith("Started a local Dask cluster")]
    assert len(started) == 1  # the search, the refit and the diagnostics shared it
    assert set(multiprocessing.active_children()) <= before  # its worker processes are gone
