"""dmflow's torch MLP with and without SMOTE in front, cross-validated on real tables.

The flow searches no SMOTE for its neural models: a net early-stops on a fifth of
the rows it is fitted on, and after SMOTE part of that fifth is synthetic points
between the rows it trains on. This measures what that costs. For every table of
the quality benchmark (the same 75 % training rows: ``bench_quality``'s split), the
MLP at its defaults behind the flow's own phase steps (mean imputation, one-hot,
min-max; no outlier treatment or reduction) is fitted on each training part of a
stratified 5-fold split and scored on its validation part (ROC AUC; macro
one-vs-rest for more classes), once with ``balance="none"`` and once with
``balance="smote"``. Fits run two at a time, one torch thread each.

Run: ``python benchmarks/bench_mlp_smote.py --tables DIR``; writes
``results/mlp-smote.json`` and ``results/mlp-smote.md``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _common import fmt, machine, machine_markdown, table, write_results
from _quality_split import SEED, listed_tables, read_split
from imblearn.pipeline import Pipeline
from joblib import Parallel, delayed
from sklearn.model_selection import StratifiedKFold

from pipeline.datasets import infer_roles
from pipeline.models.neural import TorchMLPClassifier
from pipeline.phases import build_phase_steps
from pipeline.selection import rank_roc_auc

ARMS = ("none", "smote")
FOLDS = 5  # the flow's default


def training_rows(path, target):
    """The 75 % of a table that bench_quality hands to ``dmflow run``."""
    train = read_split(path, target).train
    return train.drop(columns=[target]), train[target].astype(str).to_numpy()


def fit_fold(name, arm, X, y, train, val):
    roles = infer_roles(X)
    steps = build_phase_steps(roles.numeric, roles.categorical, outliers="none", balance=arm,
                              reduce="none", random_state=SEED)
    model = Pipeline([*steps, ("model", TorchMLPClassifier(n_threads=1, random_state=SEED))])
    start = time.perf_counter()
    model.fit(X.iloc[train], y[train])
    seconds = time.perf_counter() - start
    auc = rank_roc_auc(y[val], model.predict_proba(X.iloc[val]), model.classes_)
    return name, arm, float(auc), seconds, int(model[-1].best_epoch_), int(model[-1].n_epochs_)


def measure(tables, n_jobs):
    data = {name: training_rows(path, target) for name, (path, target) in tables.items()}
    jobs = [delayed(fit_fold)(name, arm, X, y, train, val)
            for name, (X, y) in data.items()
            for train, val in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(X, y)
            for arm in ARMS]
    runs = {}
    for name, arm, auc, seconds, best, planned in Parallel(n_jobs=n_jobs)(jobs):
        runs.setdefault(name, {}).setdefault(arm, []).append(
            {"auc": round(auc, 4), "fit_s": round(seconds, 2), "best_epoch": best, "planned_epochs": planned})
    return {name: {"rows": len(data[name][1]), **runs[name]} for name in data}


def markdown(payload):
    rows, below = [], 0
    for name, result in payload["tables"].items():
        auc = {arm: statistics.mean(f["auc"] for f in result[arm]) for arm in ARMS}
        seconds = {arm: sum(f["fit_s"] for f in result[arm]) for arm in ARMS}
        epochs = {arm: statistics.mean(f["best_epoch"] for f in result[arm]) for arm in ARMS}
        below += auc["smote"] < auc["none"]
        rows.append([name, f"{result['rows']:,}", fmt(auc["none"], 4), fmt(auc["smote"], 4),
                     f"{auc['smote'] - auc['none']:+.4f}", fmt(seconds["none"], 1), fmt(seconds["smote"], 1),
                     fmt(seconds["smote"] / seconds["none"], 2),
                     f"{epochs['none']:.0f} / {epochs['smote']:.0f}"])
    return "\n".join([
        "# The torch MLP with and without SMOTE in front",
        "",
        f"Command: `python benchmarks/bench_mlp_smote.py --tables DIR --jobs {payload['jobs']}`. "
        "Each table's 75 % training split (as in `quality.md`), stratified 5-fold cross-validation, seed 0; "
        "the MLP at its defaults behind the flow's imputation, one-hot encoding and min-max scaling.",
        "",
        table(["table", "rows", "CV ROC AUC, no SMOTE", "with SMOTE", "difference", "fit s, no SMOTE",
               "with SMOTE", "time ratio", "best epoch (mean), no SMOTE / SMOTE"], rows),
        "",
        f"With SMOTE the cross-validated AUC is lower on {below} of {len(rows)} tables.",
        "",
        machine_markdown(payload["machine"]),
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", required=True, help="folder of tables with a DATASETS.md")
    parser.add_argument("--jobs", type=int, default=2, help="fits at once (default: 2)")
    args = parser.parse_args(argv)
    tables = listed_tables(args.tables)
    payload = {"machine": machine(), "jobs": args.jobs, "tables": measure(tables, args.jobs)}
    for path in write_results("mlp-smote", payload, markdown(payload)):
        print(path)


if __name__ == "__main__":
    main()
