"""Local workers: started once a run's own fits took a second, and reused by the search."""

import os
import time

from joblib import delayed


def test_workers_started_early_are_the_ones_the_search_uses(monkeypatch):
    from pipeline.selection import _backends, _workers

    monkeypatch.setattr(_workers, "_starting", {})
    assert _workers.start_workers("sequential", 2) is None
    starter = _workers.start_workers("loky", 2, modules=("json",))
    assert _workers.start_workers("loky", 2) is None  # once per process
    starter.join()
    with _backends.parallel("loky", 2, None) as runner:
        pids = set(runner(delayed(os.getpid)() for _ in range(4)))
    assert os.getpid() not in pids and len(pids) <= 2


def _pid_after(seconds):
    time.sleep(seconds)
    return os.getpid()


def test_tasks_run_here_until_they_took_the_start_threshold_then_on_the_workers(monkeypatch):
    from pipeline.selection import _backends, _workers

    monkeypatch.setattr(_workers, "_starting", {})
    starter = _workers.start_workers("loky", 2, modules=("json",), after=0.3)
    with _backends.parallel("loky", 2, None) as runner:
        assert list(runner(delayed(_pid_after)(0.05) for _ in range(3))) == [os.getpid()] * 3
        assert starter.thread is None  # 0.15 s of work: no worker started
        here = list(runner(delayed(_pid_after)(0.2) for _ in range(2)))
    assert here == [os.getpid()] * 2 and starter.thread is not None  # the threshold passed: starting
    starter.join()
    assert _workers.workers_ready("loky", 2)
    with _backends.parallel("loky", 2, None) as runner:
        pids = set(runner(delayed(_pid_after)(0.0) for _ in range(4)))
    assert os.getpid() not in pids
