"""dmflow's torch MLP against scikit-learn's MLPClassifier on Adult: same rows, same preparation.

The rows a default run selects on (the bundled Adult table less its stratified 20 %
test split, seed 0) are prepared once per arm by the flow's own phase steps (mean
imputation, one-hot encoding, min-max scaling; no outlier drop, SMOTE or LDA, so the
models alone differ), inside one imbalanced-learn Pipeline fitted on those rows. Each
arm is fitted with three seeds and scored once on the test split by ROC AUC:

- ``TorchMLPClassifier``: dmflow's torch MLP at its defaults (one torch thread);
- ``MLPClassifier``: scikit-learn's at its defaults, with ``early_stopping=True``
  (what a user picking it for 39k rows would set);
- ``MLPClassifier (64,)``: the configuration dmflow's registry runs as ``sk_mlp``.

Run: ``python benchmarks/bench_mlp.py [--seeds 0 1 2]``; writes
``results/mlp.json`` and ``results/mlp.md``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import pandas as pd
import torch
from _common import adult_table, fmt, machine, machine_markdown, table, write_results
from imblearn.pipeline import Pipeline
from sklearn.metrics import roc_auc_score
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from pipeline.datasets import infer_roles
from pipeline.models.neural import TorchMLPClassifier
from pipeline.phases import build_phase_steps, train_val_test_split

ARMS = {
    "TorchMLPClassifier": lambda seed: TorchMLPClassifier(n_threads=1, random_state=seed),
    "MLPClassifier": lambda seed: MLPClassifier(early_stopping=True, random_state=seed),
    "MLPClassifier (64,)": lambda seed: MLPClassifier((64,), alpha=1e-3, early_stopping=True, max_iter=100,
                                                      random_state=seed),
}
BAR = "MLPClassifier"


def measure(arm, seed, rows):
    X_train, y_train, X_test, y_test, roles, positive = rows
    steps = build_phase_steps(roles.numeric, roles.categorical, outliers="none", balance="none",
                              reduce="none", random_state=seed)
    model = Pipeline([*steps, ("model", ARMS[arm](seed))])
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    scores = model.predict_proba(X_test)[:, list(model.classes_).index(positive)]
    return {"seed": seed, "auc": round(float(roc_auc_score(y_test == positive, scores)), 4),
            "fit_s": round(fit_s, 1)}


def the_rows():
    X, y = adult_table()
    X_train, X_val, X_test, y_train, y_val, y_test = train_val_test_split(X, y, random_state=0)
    X_train, y_train = pd.concat([X_train, X_val]), pd.concat([y_train, y_val])  # every non-test row
    positive = sorted(set(y))[-1]
    return X_train, y_train, X_test, y_test.to_numpy(), infer_roles(X), positive


def markdown(payload):
    summary = payload["summary"]
    bar = summary[BAR]["auc_mean"]
    rows = [[arm, " ".join(f"{r['auc']:.4f}" for r in payload["runs"][arm]), fmt(s["auc_mean"], 4),
             f"{s['auc_mean'] - bar:+.4f}", fmt(s["fit_s_median"], 1)] for arm, s in summary.items()]
    lines = [
        "# Torch MLP against scikit-learn's MLP on Adult",
        "",
        f"Command: `python benchmarks/bench_mlp.py --seeds {' '.join(map(str, payload['seeds']))}`. "
        f"{payload['rows']['train']:,} rows fitted, {payload['rows']['test']:,} test rows scored once; "
        "the flow's own preparation (imputation, one-hot, min-max) in front of every arm; one thread each.",
        "",
        table(["arm", "test ROC AUC per seed", "mean", f"mean − {BAR}", "fit s (median)"], rows),
        "",
        machine_markdown(payload["machine"]),
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    rows = the_rows()
    runs = {arm: [] for arm in ARMS}
    with threadpool_limits(1):
        for seed in args.seeds:  # arms interleaved, so load changes hit them alike
            for arm in ARMS:
                runs[arm].append(measure(arm, seed, rows))
                print(arm, runs[arm][-1], flush=True)
    summary = {arm: {"auc_mean": round(statistics.mean(r["auc"] for r in found), 4),
                     "fit_s_median": statistics.median(r["fit_s"] for r in found)}
               for arm, found in runs.items()}
    payload = {"seeds": args.seeds, "rows": {"train": len(rows[0]), "test": len(rows[2])},
               "runs": runs, "summary": summary, "machine": machine()}
    write_results("mlp", payload, markdown(payload))


if __name__ == "__main__":
    main()
