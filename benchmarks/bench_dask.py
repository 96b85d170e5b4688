"""What a Dask cluster buys: the search on loky against Dask, and predict locally against Dask workers.

One command:

    python benchmarks/bench_dask.py [--models logreg,rf] [--time-limit 300] [--rows 10000000]
                                    [--rounds 2] [--deadline 19:00]

Arms, one after another in this process (the clusters' workers are processes of
their own):

- search: ``run`` on the bundled Adult table (the run's defaults unless
  ``--models`` / ``--time-limit`` say otherwise) with ``--backend loky``, with
  ``--backend dask`` (a local cluster of two one-thread workers, started and
  closed by the run), and with ``--backend dask --scheduler`` on an external
  cluster (``dask scheduler`` and two ``dask worker --nthreads 1`` subprocesses,
  started for the arm and not timed);
- per-task overhead: after each search arm, 200 tasks that do nothing on the
  same kind of pool (loky, a local cluster, the external cluster);
- predict: ``--rows`` rows drawn from Adult with replacement, in Parquet partitions
  of 250,000 rows, scored by a saved logistic regression locally (``predict_file``,
  one partition after another) and by ``predict_partitions`` on two Dask workers.

The machine may be shared, so its load drifts: the search arms are interleaved,
round 1 in the order loky, local, external, and every further round in the
reverse order of the one before; the predict arms run after round 1. A round's
arm starts only if the slowest arm so far would still end before ``--deadline``
(UTC). Each arm records the 1-minute load average sampled while it ran.

Peak memory: the largest resident set of each process of the arm (this process,
every worker, the external scheduler), sampled every 0.2 s. Writes
``results/dask.json`` and ``results/dask.md`` after every arm, so a run stopped
early keeps what it measured.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil
from _common import adult_table, fmt, machine, machine_markdown, table, write_results

from pipeline import RunConfig
from pipeline.flow.runner import run
from pipeline.selection import _backends

PARTITION_ROWS = 250_000
OVERHEAD_TASKS = 200
WORKERS = 2
SAMPLE_S = 0.2
ARMS = ("loky", "dask local", "dask external")
PREDICT_ARMS = ("local", "dask")


class Sampler:
    """Largest resident set (GB) of this process, its descendants and ``extra``; the load average.

    Sampled every :data:`SAMPLE_S` seconds in a thread while the block runs.
    """

    def __init__(self, extra=()):
        self.extra, self.peaks, self.loads, self._stop = list(extra), {}, [], threading.Event()

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        self._start, self.started = time.perf_counter(), datetime.now(UTC).strftime("%H:%M")
        return self

    def __exit__(self, *exc):
        self.seconds = round(time.perf_counter() - self._start, 1)
        self._stop.set()
        self._thread.join()

    def _sample(self):
        me = psutil.Process()
        while not self._stop.wait(SAMPLE_S):
            self.loads.append(os.getloadavg()[0])
            for process in [me, *me.children(recursive=True), *self.extra]:
                try:
                    gb = process.memory_info().rss / 2**30
                    name = "main" if process.pid == me.pid else f"{process.name()}-{process.pid}"
                except psutil.Error:
                    continue
                self.peaks[name] = max(self.peaks.get(name, 0.0), gb)

    def summary(self):
        others = [gb for name, gb in self.peaks.items() if name != "main"]
        loads = self.loads or [os.getloadavg()[0]]
        return {"seconds": self.seconds, "main_gb": round(self.peaks.get("main", 0.0), 3),
                "worker_gb_max": round(max(others), 3) if others else None, "processes": len(self.peaks),
                "load_mean": round(statistics.fmean(loads), 2), "load_max": round(max(loads), 2),
                "started": self.started}


def external_cluster(folder):
    """``dask scheduler`` and two one-thread ``dask worker`` subprocesses; returns (address, processes)."""
    folder.mkdir(parents=True, exist_ok=True)
    scheduler_file = folder / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    processes = [subprocess.Popen([*dask, "--scheduler-file", str(scheduler_file), "--host", "127.0.0.1",
                                   "--port", "0", "--dashboard-address", "127.0.0.1:0"],
                                  stderr=subprocess.DEVNULL)]
    while not scheduler_file.exists():
        if processes[0].poll() is not None:
            raise RuntimeError(f"dask scheduler exited with code {processes[0].returncode} before starting")
        time.sleep(0.2)
    for _ in range(WORKERS):
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", str(scheduler_file),
             "--nthreads", "1", "--nworkers", "1", "--host", "127.0.0.1"], stderr=subprocess.DEVNULL))
    from distributed import Client

    with Client(scheduler_file=str(scheduler_file)) as client:
        client.wait_for_workers(WORKERS, timeout=120)
        address = client.scheduler.address
    return address, processes


def _stop(processes):
    for process in reversed(processes):  # workers first, then the scheduler
        process.terminate()
        process.wait(30)


def search_arm(arm, models, time_limit, folder):
    """One search: its seconds, memory, load, what it found, and the per-task overhead after it."""
    backend = "loky" if arm == "loky" else "dask"
    processes, scheduler = [], None
    if arm == "dask external":
        scheduler, processes = external_cluster(folder)
    try:
        config = RunConfig(models=models, n_jobs=WORKERS, backend=backend, scheduler=scheduler,
                           time_limit=time_limit, out=str(folder / "run"))
        with Sampler([psutil.Process(p.pid) for p in processes]) as sampled:
            result = run(config, verbose=False)
        selection = result.metrics.get("selection", {})
        tests = {name: round(entry["test"]["roc_auc"], 4) for name, entry in result.metrics["models"].items()}
        per_task = overhead(backend, scheduler)
    finally:
        _stop(processes)
    return {**sampled.summary(), "best": result.best_model, "candidates": selection.get("candidates"),
            "search_s": selection.get("search_s"), "test_roc_auc": tests, "seconds_per_task": per_task}


def _nothing(i):
    return i


def overhead(backend, scheduler=None):
    """Seconds per task of OVERHEAD_TASKS tasks that do nothing, the pool already started."""
    from joblib import delayed

    with _backends.cluster(backend, WORKERS, scheduler), \
            _backends.parallel(backend, WORKERS, scheduler) as runner:
        list(runner(delayed(_nothing)(i) for i in range(WORKERS)))  # workers up and warm
        start = time.perf_counter()
        list(runner(delayed(_nothing)(i) for i in range(OVERHEAD_TASKS)))
        return round((time.perf_counter() - start) / OVERHEAD_TASKS, 5)


def predict_arms(n_rows, folder):
    from pipeline.flow.predict_dask import predict_partitions
    from pipeline.persistence import load_model
    from pipeline.predict import predict_file

    run_result = run(RunConfig(models=["logreg"], n_jobs=1, n_candidates=1, out=str(folder / "model-run")),
                     verbose=False)
    model_dir = run_result.path / "model"
    X, _ = adult_table()
    rows = folder / "rows"
    rows.mkdir()
    for i, start in enumerate(range(0, n_rows, PARTITION_ROWS)):
        size = min(PARTITION_ROWS, n_rows - start)
        X.sample(size, replace=True, random_state=i).to_parquet(rows / f"part-{i:04d}.parquet", index=False)
    files = sorted(rows.iterdir())
    model = load_model(model_dir)
    with Sampler() as local:
        for i, path in enumerate(files):
            predict_file(model, None, path, folder / f"local-{i:04d}.csv")
    with Sampler() as on_dask:
        predict_partitions(model_dir, rows, folder / "scored", n_jobs=WORKERS)
    return {"rows": n_rows, "partitions": len(files), "local": local.summary(), "dask": on_dask.summary()}


def _fits(deadline, runs):
    """Whether the slowest arm so far would still end before ``deadline`` (a UTC time of day)."""
    if deadline is None or not runs:
        return True
    hour, minute = map(int, deadline.split(":"))
    now = datetime.now(UTC)
    end = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return now.timestamp() + max(r["seconds"] for r in runs) < end.timestamp()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=None, help="models searched (default: the run's defaults)")
    parser.add_argument("--time-limit", type=float, default=RunConfig.time_limit,
                        help=f"search time limit, seconds (default: the run's, {RunConfig.time_limit:g})")
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows scored by predict")
    parser.add_argument("--rounds", type=int, default=2,
                        help="rounds of the three search arms; 0: the predict arms alone")
    parser.add_argument("--deadline", default=None, help="HH:MM UTC: start no arm that would end after it")
    parser.add_argument("--stem", default="dask", help="results file name (default: dask)")
    args = parser.parse_args()
    models = args.models.split(",") if args.models else None
    payload = {"command": " ".join(["python", "benchmarks/bench_dask.py", *sys.argv[1:]]), "models": models,
               "time_limit": args.time_limit, "search": {arm: [] for arm in ARMS}, "order": [],
               "predict": None, "machine": machine()}
    folder = Path(tempfile.mkdtemp(prefix="bench-dask-"))
    order = list(ARMS)
    try:
        for round_ in range(args.rounds):
            for arm in order:
                done = [r for runs in payload["search"].values() for r in runs]
                if not _fits(args.deadline, done):
                    payload["order"].append(f"{arm}: skipped, past the deadline")
                    continue
                measured = search_arm(arm, models, args.time_limit, folder / f"{round_}-{arm}")
                payload["search"][arm].append(measured)
                payload["order"].append(arm)
                write_results(args.stem, payload, markdown(payload))
            if round_ == 0:
                payload["predict"] = predict_arms(args.rows, folder / "predict")
                write_results(args.stem, payload, markdown(payload))
            order.reverse()
        if payload["predict"] is None:  # --rounds 0: the predict arms alone
            payload["predict"] = predict_arms(args.rows, folder / "predict")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    payload["complete"] = True
    write_results(args.stem, payload, markdown(payload))


def markdown(payload):
    loky = [r["seconds"] for r in payload["search"]["loky"]]
    base = statistics.median(loky) if loky else None
    rows = []
    for arm, runs in payload["search"].items():
        for i, r in enumerate(runs, 1):
            rows.append([arm, i, r["started"], fmt(r["seconds"], 1), fmt(base and r["seconds"] / base),
                         r.get("candidates", "–"), r["best"], fmt(r["test_roc_auc"].get(r["best"]), 4),
                         fmt(r["main_gb"]), fmt(r["worker_gb_max"]), fmt(r["load_mean"], 1),
                         fmt(r["load_max"], 1), fmt(r["seconds_per_task"] * 1000, 1)])
    parts = ["# Dask against loky: search and batch scoring",
             f"`{payload['command']}`, from the repository's root. Two workers of one thread in every arm. "
             "Peak resident memory per process (main: the process running the arm; worker: the largest "
             "other, a worker, the external scheduler, or for local predict a helper process). Load: the "
             "machine's 1-minute load average while the arm ran (2 cores; other jobs shared the machine)."]
    if rows:
        models = ", ".join(payload["models"]) if payload["models"] else "the run defaults"
        parts += [
            f"Search: Adult; models: {models}; time limit {payload['time_limit']:g} s. Arms in order: "
            + ", ".join(payload["order"]) + ".",
            table(["search on", "repeat", "started (UTC)", "seconds", "x loky (median)", "candidates", "best",
                   "best's test AUC", "main GB", "worker GB (max)", "load mean", "load max",
                   "ms per empty task"], rows),
            f"Per-task overhead: {OVERHEAD_TASKS} tasks that do nothing, on the same kind of pool right "
            "after the search arm, the workers already started."]
    scoring = payload["predict"]
    if scoring:
        local_s = scoring["local"]["seconds"]
        parts += [
            f"Predict: {scoring['rows']:,} rows drawn from Adult, {scoring['partitions']} Parquet "
            "partitions; a saved logistic regression.",
            table(["predict on", "started (UTC)", "seconds", "x local", "main GB", "worker GB (max)",
                   "load mean", "load max"],
                  [[arm, s["started"], fmt(s["seconds"], 1), fmt(s["seconds"] / local_s), fmt(s["main_gb"]),
                    fmt(s["worker_gb_max"]), fmt(s["load_mean"], 1), fmt(s["load_max"], 1)]
                   for arm, s in ((arm, scoring[arm]) for arm in PREDICT_ARMS)])]
    if not payload.get("complete"):
        parts.append("The run stopped (or was stopped) before the arms it would have run next.")
    parts.append(machine_markdown(payload["machine"]))
    return "\n\n".join(parts)


if __name__ == "__main__":
    main()
