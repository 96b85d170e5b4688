"""SMOTE's neighbour search on a large class: dmflow's partitioned search against ANN libraries.

One command (the libraries live in a virtual environment of their own):

    python -m venv ann && ann/bin/pip install numpy scikit-learn pynndescent hnswlib faiss-cpu
    python benchmarks/bench_neighbours.py --ann-python ann/bin/python

The data is what SMOTE searches in a run: the prepared minority-class rows of the
training part (after outlier removal, imputation, one-hot encoding, scaling) of
UCI Adult (6,340 rows x 92 columns) and of the synthetic 1M-row table (about 52,000
rows x 245 columns). Each arm builds the graph of every row's 5 nearest neighbours
in a process of its own, on one thread, and is scored by its recall: over 500
rows drawn at random, the share of found neighbours no farther than the true 5th
nearest one (exact search). Arms:

- ``exact``: scikit-learn's brute-force search (Adult only: minutes on the large class);
- ``partitioned``: dmflow's random-projection tree, leaves of at most 4096 rows;
- ``forest4``: four such trees, the best 5 of their candidates kept;
- ``pynndescent``, ``hnswlib`` (M 16, ef 100 / 50), ``faiss`` (HNSW flat, the same).

Peak memory is the process's peak resident set (data included); pynndescent's
figure includes numba compiling its functions, as a first run in a process pays it.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import time
from pathlib import Path

import numpy as np
from _common import machine, machine_markdown, run_child, table, write_results

K = 5
QUERIES = 500
OWN_ARMS = ("exact", "partitioned", "forest4")
LIBRARY_ARMS = ("pynndescent", "hnswlib", "faiss")
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "NUMBA_NUM_THREADS": "1"}


def _minority_rows(name, rows):
    from _common import load_data
    from imblearn.pipeline import Pipeline  # noqa: F401  (imported by the phases)

    from pipeline.datasets import infer_roles
    from pipeline.phases import build_phase_steps, train_val_test_split

    X, y = load_data(name, rows)
    roles = infer_roles(X)
    X_train, _, _, y_train, _, _ = train_val_test_split(X, y, test_size=0.2, val_size=0.2, random_state=0)
    steps = dict(build_phase_steps(roles.numeric, roles.categorical, max_categories=30, random_state=0))
    X_kept, y_kept = steps["outliers"].fit_resample(X_train, y_train)
    prepared = steps["prepare"].fit_transform(X_kept, y_kept)
    y_kept = np.asarray(y_kept)
    labels, counts = np.unique(y_kept, return_counts=True)
    return np.ascontiguousarray(prepared[y_kept == labels[np.argmin(counts)]], dtype=np.float32)


def _partitioned(X, trees):
    from pipeline.phases._neighbours import PartitionedNeighbors

    found = [PartitionedNeighbors(K + 1, leaf_size=4096, random_state=t).fit(X).kneighbors(X)
             for t in range(trees)]
    distance = np.concatenate([d for d, _ in found], axis=1)
    index = np.concatenate([i for _, i in found], axis=1)
    order = np.argsort(distance + index * 1e-12, axis=1, kind="stable")
    index = np.take_along_axis(index, order, axis=1)
    best = np.empty((len(X), K), dtype=np.intp)
    for row, candidates in enumerate(index):
        fresh = np.ones(len(candidates), dtype=bool)
        fresh[1:] = candidates[1:] != candidates[:-1]
        candidates = candidates[fresh]
        best[row] = candidates[candidates != row][:K]
    return best


def _library(arm, X):
    if arm == "pynndescent":
        from pynndescent import NNDescent

        return NNDescent(X, n_neighbors=K + 1, random_state=0, n_jobs=1).neighbor_graph[0][:, 1:]
    if arm == "hnswlib":
        import hnswlib

        index = hnswlib.Index(space="l2", dim=X.shape[1])
        index.init_index(max_elements=len(X), ef_construction=100, M=16, random_seed=0)
        index.set_num_threads(1)
        index.add_items(X, np.arange(len(X)))
        index.set_ef(50)
        return index.knn_query(X, k=K + 1)[0][:, 1:]
    import faiss

    faiss.omp_set_num_threads(1)
    index = faiss.IndexHNSWFlat(X.shape[1], 16)
    index.hnsw.efConstruction = 100
    index.add(X)
    index.hnsw.efSearch = 50
    return index.search(X, K + 1)[1][:, 1:]


def child(arm, folder, name):
    X = np.load(Path(folder) / f"{name}.npy")
    queries = np.load(Path(folder) / f"{name}.queries.npy")
    kth = np.load(Path(folder) / f"{name}.kth.npy")
    start = time.perf_counter()
    if arm == "exact":
        from sklearn.neighbors import NearestNeighbors

        found = NearestNeighbors(n_neighbors=K + 1).fit(X).kneighbors(X, return_distance=False)[:, 1:]
    elif arm in OWN_ARMS:
        found = _partitioned(X, 1 if arm == "partitioned" else 4)
    else:
        found = _library(arm, X)
    seconds = time.perf_counter() - start
    found = np.asarray(found, dtype=np.intp)
    found_rows = X[found[queries]].astype(np.float64)
    distance = np.linalg.norm(found_rows - X[queries, None].astype(np.float64), axis=2)
    print(json.dumps({"seconds": round(seconds, 2),
                      "recall": round(float(np.mean(distance <= kth[:, None] * (1 + 1e-5) + 1e-12)), 3),
                      "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))


def _prepare_data(folder, rows):
    from sklearn.neighbors import NearestNeighbors

    sizes = {}
    for name, n in (("adult", 0), ("synthetic", rows)):
        X = _minority_rows(name, n)
        queries = np.random.default_rng(0).choice(len(X), size=QUERIES, replace=False)
        kth = NearestNeighbors(n_neighbors=K + 1).fit(X).kneighbors(X[queries])[0][:, -1]
        np.save(folder / f"{name}.npy", X)
        np.save(folder / f"{name}.queries.npy", queries)
        np.save(folder / f"{name}.kth.npy", kth)
        sizes[name] = list(X.shape)
    return sizes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ann-python", help="python of a virtual environment with the ANN libraries")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the synthetic table")
    parser.add_argument("--arms", default=",".join(OWN_ARMS + LIBRARY_ARMS), help="comma-separated arms")
    parser.add_argument("--child", nargs=3, metavar=("ARM", "FOLDER", "DATA"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(*args.child)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    import tempfile

    arms = args.arms.split(",")
    with tempfile.TemporaryDirectory(prefix="bench-neighbours-") as scratch:
        folder = Path(scratch)
        sizes = _prepare_data(folder, args.rows)
        results = []
        for name in sizes:
            for arm in arms:
                if arm == "exact" and name != "adult":
                    continue
                python = sys.executable if arm in OWN_ARMS else args.ann_python
                if python is None:
                    logging.info("skipping %s: no --ann-python", arm)
                    continue
                result = run_child(Path(__file__), "--child", arm, folder, name,
                                   python=python, env=ONE_THREAD)
                logging.info("%s %s: %s", name, arm, result)
                results.append({"data": name, "rows": sizes[name], "arm": arm, **result})
    info = machine()
    paths = write_results("neighbours", {"machine": info, "results": results}, _markdown(results, info))
    print(*paths, sep="\n")
    return 0


def _markdown(results, info):
    base = {r["data"]: r for r in results if r["arm"] == "partitioned"}
    body = []
    for r in results:
        ratio = r["seconds"] / base[r["data"]]["seconds"] if r["data"] in base else None
        body.append([f"{r['data']} ({r['rows'][0]:,} x {r['rows'][1]})", r["arm"], f"{r['recall']:.3f}",
                     f"{r['seconds']:.1f}", "–" if ratio is None else f"{ratio:.2f}x", r["peak_mb"]])
    return "\n".join([
        "# SMOTE's neighbour search on a large class: recall, time and memory", "",
        "`python benchmarks/bench_neighbours.py --ann-python <venv>/bin/python`. The 5 nearest neighbours "
        "of every row of the prepared minority class, one thread, each arm in its own process; recall "
        "over 500 sampled rows against the exact search (see the script's docstring). One run per arm.",
        "",
        table(["class", "arm", "recall", "seconds", "time vs partitioned", "peak MB"], body), "",
        machine_markdown(info),
    ])


if __name__ == "__main__":
    sys.exit(main())
