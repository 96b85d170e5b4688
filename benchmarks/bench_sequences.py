"""dmflow's sequence classifiers at their defaults against aeon's MiniRocket and 1-NN Euclidean.

One command (aeon needs an environment of its own):

    python3 -m venv ../aeon-env && ../aeon-env/bin/pip install aeon==1.6.0
    python benchmarks/bench_sequences.py --aeon-python ../aeon-env/bin/python

Data: the bundled ECG200 and the UCR/UEA sets that ship inside the aeon package
(ArrowHead, OSULeaf, JapaneseVowels: 12 channels of variable length, ACSF1), each on
its official train/test split, read from aeon's own files by a child process in the
aeon environment; nothing is downloaded. Every dmflow sequence estimator is fitted at
its defaults (``random_state=0``) on the raw training series, as arrays (ragged lists
for variable length), and scored once on the test split. aeon's arms run in the aeon
environment on the same arrays; they need equal lengths, so for variable-length sets
they get each series zero-padded at its end (approximate for those sets; dmflow's
estimators read the true lengths). Writes results/sequences.json and
results/sequences.md: test accuracy and fit seconds per arm, and the best dmflow
estimator's accuracy minus MiniRocket's.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from _common import HERE, REPO, fmt, machine, machine_markdown, run_child, table, write_results

AEON_SETS = ("ArrowHead", "OSULeaf", "JapaneseVowels", "ACSF1")
SETS = ("ECG200", *AEON_SETS)
ESTIMATORS = ("RocketClassifier", "CNNClassifier", "ResNetClassifier", "RNNClassifier", "LSTMClassifier",
              "GRUClassifier", "TransformerClassifier")
CHILD = HERE / "_aeon_child.py"
logger = logging.getLogger("bench_sequences")


def write_ecg200(folder):
    """The bundled ECG200 in the exported layout: rows 0-99 are UCR's TRAIN split, 100-199 TEST."""
    import pandas as pd

    frame = pd.read_csv(REPO / "data" / "ecg200" / "ecg200.csv.gz")
    X = frame.drop(columns="label").to_numpy(np.float32)
    y = frame["label"].astype(str).to_numpy(dtype=str)
    arrays = {}
    for key, rows in (("train", slice(0, 100)), ("test", slice(100, 200))):
        arrays[f"{key}_values"] = X[rows].reshape(-1, 1)
        arrays[f"{key}_lengths"] = np.full(len(X[rows]), X.shape[1])
        arrays[f"{key}_y"] = y[rows]
    np.savez(Path(folder) / "ECG200.npz", **arrays)


def load_split(path, key):
    """Series of one split: a 3-D array when lengths agree, else a list of (steps, channels)."""
    data = np.load(path)
    values, lengths = data[f"{key}_values"], data[f"{key}_lengths"]
    series = np.split(values, np.cumsum(lengths)[:-1])
    X = np.stack(series) if len(set(lengths.tolist())) == 1 else series
    return X, data[f"{key}_y"]


def dmflow_arms(path, names, params=None):
    import torch

    from pipeline.models import neural

    torch.set_num_threads(1)
    X_train, y_train = load_split(path, "train")
    X_test, y_test = load_split(path, "test")
    results = {}
    for name in names:
        clf = getattr(neural, name)(random_state=0, **(params or {}))
        start = time.perf_counter()
        clf.fit(X_train, y_train)
        fit_s = time.perf_counter() - start
        accuracy = float(np.mean(clf.predict(X_test) == y_test))
        results[name] = {"accuracy": accuracy, "fit_s": round(fit_s, 2),
                         # RocketClassifier trains no epochs
                         "epochs": len(getattr(clf, "history_", [])),
                         "best_epoch": getattr(clf, "best_epoch_", None)}
        logger.info("%s %s: accuracy %.3f in %.1f s", path.stem, name, accuracy, fit_s)
    return results


def _aeon_arms(job):
    aeon_python, folder, name = job
    return run_child(CHILD, "score", folder, name, python=aeon_python)


def _dmflow_set(job):
    folder, name, estimators, params = job
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    return dmflow_arms(Path(folder) / f"{name}.npz", estimators, params)


def describe(path):
    data = np.load(path)
    return {"train": len(data["train_lengths"]), "test": len(data["test_lengths"]),
            "channels": int(data["train_values"].shape[1]),
            "steps": sorted({int(data["train_lengths"].min()), int(data["train_lengths"].max())}),
            "classes": len(set(data["train_y"].tolist()))}


def markdown(payload):
    header = ["set", "train/test", "steps", "channels", "classes", *payload["estimators"],
              "MiniRocket", "1-NN ED", "best dmflow − MiniRocket"]
    rows = []
    for name, found in payload["sets"].items():
        d = found["data"]
        cells = [f"{fmt(found[a]['accuracy'], 3)} ({fmt(found[a]['fit_s'], 1)} s)"
                 for a in (*payload["estimators"], "minirocket", "1nn_euclidean")]
        best = max(found[a]["accuracy"] for a in payload["estimators"])
        rows.append([name, f"{d['train']}/{d['test']}", "–".join(map(str, d["steps"])), d["channels"],
                     d["classes"], *cells, f"{best - found['minirocket']['accuracy']:+.3f}"])
    params = payload.get("params") or {}
    setting = "".join(f", `{key}={value!r}`" for key, value in params.items())
    flags = ""
    if params:
        flags = f" --estimators {' '.join(payload['estimators'])} --params '{json.dumps(params)}'"
    return "\n\n".join([
        "# Sequence classifiers: dmflow " + ("with " + setting[2:] if params else "at its defaults")
        + " against MiniRocket and 1-NN Euclidean",
        f"Command: `python benchmarks/bench_sequences.py --aeon-python ENV/bin/python{flags}` "
        f"(aeon {payload['aeon']}; {payload['jobs']} set(s) measured at a time). Test accuracy on "
        "each set's official split (fit seconds, one torch thread). dmflow's estimators: "
        f"`random_state=0`{setting}, every other parameter its default. aeon's arms get variable-length "
        "series zero-padded to the longest (approximate "
        "for JapaneseVowels).",
        table(header, rows),
        machine_markdown(payload["machine"]),
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aeon-python", required=True, help="Python of an environment with aeon 1.6.0")
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    parser.add_argument("--estimators", nargs="+", default=list(ESTIMATORS), choices=ESTIMATORS)
    parser.add_argument("--jobs", type=int, default=1,
                        help="sets measured at the same time, each in a process of its own (default 1)")
    parser.add_argument("--params", type=json.loads, default={},
                        help="JSON object of parameters set on every dmflow estimator, for example "
                             "'{\"stem\": \"conv\"}' (default: none, every estimator at its defaults)")
    parser.add_argument("--stem", default="sequences",
                        help="results/<stem>.json and .md (default: sequences)")
    parser.add_argument("--no-write", action="store_true", help="print the table, write no result files")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        aeon_sets = [s for s in args.sets if s in AEON_SETS]
        if aeon_sets:
            run_child(CHILD, "export", folder, *aeon_sets, python=args.aeon_python)
        if "ECG200" in args.sets:
            write_ecg200(folder)
        with ProcessPoolExecutor(args.jobs) as pool:  # the slow dmflow sets first, then aeon's
            dmflow = [pool.submit(_dmflow_set, (folder, name, args.estimators, args.params))
                      for name in args.sets]
            baselines = [pool.submit(_aeon_arms, (args.aeon_python, folder, name)) for name in args.sets]
            baselines, dmflow = [f.result() for f in baselines], [f.result() for f in dmflow]
        sets = {name: {"data": describe(Path(folder) / f"{name}.npz"), **base[name], **arms}
                for name, base, arms in zip(args.sets, baselines, dmflow)}
    payload = {"machine": machine(), "aeon": baselines[0]["_aeon_version"], "estimators": args.estimators,
               "jobs": args.jobs, "params": args.params, "sets": sets,
               "total_s": round(time.perf_counter() - start, 1)}
    text = markdown(payload)
    if not args.no_write:
        write_results(args.stem, payload, text)
    print(text)


if __name__ == "__main__":
    main()
