"""Child of bench_sequences.py, run by the aeon environment's Python.

``export OUT NAME...``: read the named UCR/UEA sets that ship inside aeon (their .ts
files, by path, nothing downloaded) and write each official split to OUT/NAME.npz.
``score DIR NAME...``: fit aeon's MiniRocket and 1-NN Euclidean on each DIR/NAME.npz
training split and score the test split; print the results as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np


def _ts_path(name, split):
    import aeon

    return Path(aeon.__file__).parent / "datasets" / "data" / name / f"{name}_{split}.ts"


def _as_steps(X):
    """aeon's (n, channels, steps) array or list of (channels, steps_i) -> list of (steps_i, channels)."""
    return [np.asarray(x, dtype=np.float32).T for x in X]


def export(out, names):
    from aeon.datasets import load_from_ts_file

    for name in names:
        arrays = {}
        for split in ("TRAIN", "TEST"):
            X, y = load_from_ts_file(str(_ts_path(name, split)))
            series = _as_steps(X)
            key = split.lower()
            arrays[f"{key}_values"] = np.concatenate(series)
            arrays[f"{key}_lengths"] = np.array([len(s) for s in series])
            arrays[f"{key}_y"] = np.asarray(y).astype(str)
        np.savez(Path(out) / f"{name}.npz", **arrays)


def _padded(values, lengths, n_steps):
    """(n, channels, n_steps) for aeon: each series zero-padded at its end."""
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    out = np.zeros((len(lengths), values.shape[1], n_steps), dtype=np.float64)
    for i, (start, length) in enumerate(zip(starts, lengths)):
        out[i, :, :length] = values[start : start + length].T
    return out


def score(folder, names):
    from aeon.classification.convolution_based import MiniRocketClassifier
    from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier

    results = {}
    for name in names:
        data = np.load(Path(folder) / f"{name}.npz")
        n_steps = int(max(data["train_lengths"].max(), data["test_lengths"].max()))
        X_train = _padded(data["train_values"], data["train_lengths"], n_steps)
        X_test = _padded(data["test_values"], data["test_lengths"], n_steps)
        arms = {
            "minirocket": MiniRocketClassifier(random_state=0, n_jobs=1),
            "1nn_euclidean": KNeighborsTimeSeriesClassifier(n_neighbors=1, distance="euclidean"),
        }
        results[name] = {}
        for arm, clf in arms.items():
            start = time.perf_counter()
            clf.fit(X_train, data["train_y"])
            fit_s = time.perf_counter() - start
            accuracy = float(np.mean(clf.predict(X_test) == data["test_y"]))
            results[name][arm] = {"accuracy": accuracy, "fit_s": round(fit_s, 2)}
    import aeon

    results["_aeon_version"] = aeon.__version__
    return results


if __name__ == "__main__":
    mode, target, *sets = sys.argv[1:]
    if mode == "export":
        export(target, sets)
        print("\n" + json.dumps({"exported": sets}))
    else:
        print("\n" + json.dumps(score(target, sets)))
