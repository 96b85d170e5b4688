"""What a Dask cluster buys: the search on loky against Dask, and predict locally against Dask workers.

One command:

    python benchmarks/bench_dask.py [--models logreg,rf] [--time-limit 60] [--rows 10000000]

Arms, one after another in this process (the clusters' workers are processes of
their own):

- search: ``run`` on the bundled Adult table with ``--backend loky``, with
  ``--backend dask`` (a local cluster of two one-thread workers, started and
  closed by the run), and with ``--backend dask --scheduler`` on an external
  cluster (``dask scheduler`` and two ``dask worker --nthreads 1`` subprocesses);
- per-task overhead: 200 tasks that do nothing, on loky and on the Dask cluster;
- predict: ``--rows`` rows drawn from Adult with replacement, in Parquet partitions
  of 250,000 rows, scored by a saved logistic regression locally (``predict_file``,
  one partition after another) and by ``predict_partitions`` on two Dask workers.

Peak memory: the largest resident set of each process of the arm (this process,
every worker), sampled every 0.2 s. Writes ``results/dask.json`` and
``results/dask.md``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from _common import adult_table, fmt, machine, machine_markdown, table, write_results

from pipeline.config import RunConfig
from pipeline.runner import run
from pipeline.selection import _backends

PARTITION_ROWS = 250_000
OVERHEAD_TASKS = 200
WORKERS = 2


class PeakMemory:
    """Largest resident set (GB) of this process and each of its descendants, sampled in a thread."""

    def __init__(self, extra=()):
        self.extra, self.peaks, self._stop = list(extra), {}, threading.Event()

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _sample(self):
        me = psutil.Process()
        while not self._stop.wait(0.2):
            for process in [me, *me.children(recursive=True), *self.extra]:
                try:
                    gb = process.memory_info().rss / 2**30
                    name = "main" if process.pid == me.pid else f"{process.name()}-{process.pid}"
                except psutil.Error:
                    continue
                self.peaks[name] = max(self.peaks.get(name, 0.0), gb)

    def summary(self):
        workers = [gb for name, gb in self.peaks.items() if name != "main"]
        return {"main_gb": round(self.peaks.get("main", 0.0), 3),
                "worker_gb_max": round(max(workers), 3) if workers else None, "processes": len(self.peaks)}


def external_cluster(folder):
    """``dask scheduler`` and two one-thread ``dask worker`` subprocesses; returns (address, processes)."""
    scheduler_file = folder / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    processes = [subprocess.Popen([*dask, "--scheduler-file", str(scheduler_file), "--port", "0",
                                   "--dashboard-address", ":0"], stderr=subprocess.DEVNULL)]
    while not scheduler_file.exists():
        time.sleep(0.2)
    for _ in range(WORKERS):
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", str(scheduler_file),
             "--nthreads", "1", "--nworkers", "1"], stderr=subprocess.DEVNULL))
    from distributed import Client

    with Client(scheduler_file=str(scheduler_file)) as client:
        client.wait_for_workers(WORKERS, timeout=120)
        address = client.scheduler.address
    return address, processes


def search_arm(backend, models, time_limit, folder, scheduler=None, extra=()):
    config = RunConfig(models=models, n_jobs=WORKERS, backend=backend, scheduler=scheduler,
                       time_limit=time_limit, out=str(folder))
    with PeakMemory(extra) as memory:
        start = time.perf_counter()
        result = run(config, verbose=False)
        seconds = time.perf_counter() - start
    tests = {name: round(entry["test"]["roc_auc"], 4) for name, entry in result.metrics["models"].items()}
    return {"seconds": round(seconds, 1), "best": result.best_model, "test_roc_auc": tests,
            **memory.summary()}


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
    from pipeline.persistence import load_model
    from pipeline.predict import predict_file
    from pipeline.predict_dask import predict_partitions

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
    estimator, manifest = load_model(model_dir)
    with PeakMemory() as memory:
        start = time.perf_counter()
        for i, path in enumerate(files):
            predict_file(estimator, manifest, path, folder / f"local-{i:04d}.csv")
        local = {"seconds": round(time.perf_counter() - start, 1), **memory.summary()}
    with PeakMemory() as memory:
        start = time.perf_counter()
        predict_partitions(model_dir, rows, folder / "scored", n_jobs=WORKERS)
        on_dask = {"seconds": round(time.perf_counter() - start, 1), **memory.summary()}
    return {"rows": n_rows, "partitions": len(files), "local": local, "dask": on_dask}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="logreg,rf", help="models searched (default: logreg,rf)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="search time limit, seconds")
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows scored by predict")
    args = parser.parse_args()
    models = args.models.split(",")
    folder = Path(tempfile.mkdtemp(prefix="bench-dask-"))
    try:
        search = {"loky": search_arm("loky", models, args.time_limit, folder / "loky"),
                  "dask local": search_arm("dask", models, args.time_limit, folder / "local")}
        address, processes = external_cluster(folder)
        try:
            extra = [psutil.Process(p.pid) for p in processes]
            search["dask external"] = search_arm("dask", models, args.time_limit, folder / "external",
                                                 scheduler=address, extra=extra)
            per_task = {"loky": overhead("loky"), "dask": overhead("dask", address)}
        finally:
            for process in processes:
                process.terminate()
                process.wait(30)
        scoring = predict_arms(args.rows, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    payload = {"models": models, "time_limit": args.time_limit, "search": search,
               "seconds_per_task": per_task, "predict": scoring, "machine": machine()}
    write_results("dask", payload, markdown(payload))


def markdown(payload):
    base = payload["search"]["loky"]["seconds"]
    rows = [[arm, fmt(r["seconds"], 1), fmt(r["seconds"] / base), r["best"], fmt(r["main_gb"]),
             fmt(r["worker_gb_max"])] for arm, r in payload["search"].items()]
    scoring = payload["predict"]
    local_s = scoring["local"]["seconds"]
    predict_rows = [[arm, fmt(scoring[arm]["seconds"], 1), fmt(scoring[arm]["seconds"] / local_s),
                     fmt(scoring[arm]["main_gb"]), fmt(scoring[arm]["worker_gb_max"])]
                    for arm in ("local", "dask")]
    per_task = payload["seconds_per_task"]
    return "\n\n".join([
        "# Dask against loky: search and batch scoring",
        f"`python benchmarks/bench_dask.py --models {','.join(payload['models'])} --time-limit "
        f"{payload['time_limit']:g} --rows {scoring['rows']}`. Adult, {len(payload['models'])} models, "
        "two workers of one thread in every arm; peak resident memory per process (see the script).",
        table(["search on", "seconds", "x loky", "best", "main GB", "worker GB (max)"], rows),
        f"Per-task overhead, {OVERHEAD_TASKS} empty tasks: loky {per_task['loky'] * 1000:.1f} ms, "
        f"Dask (external cluster) {per_task['dask'] * 1000:.1f} ms.",
        f"Predict: {scoring['rows']:,} rows drawn from Adult, {scoring['partitions']} Parquet partitions.",
        table(["predict on", "seconds", "x local", "main GB", "worker GB (max)"], predict_rows),
        machine_markdown(payload["machine"]),
    ])


if __name__ == "__main__":
    main()
