"""HistGradientBoosting's fit time with and without class weights, on real tables.

From scikit-learn 1.8, HistGradientBoosting bins the features with the sample
weights (weighted quantiles), one quantile at a time; ``class_weight="balanced"``
gives every row a weight. This measures what that costs on each table of the
quality benchmark (its 75 % training split), prepared by the flow's phase steps
(imputation, one-hot encoding, min-max scaling): the model at its defaults,
one thread, with ``class_weight=None`` and ``"balanced"``, fits alternating,
medians of the repeats; and the cross-validated ROC AUC of each (5 folds), so the
cost is set beside what the weights bring.

Run: ``python benchmarks/bench_hgb_weights.py --tables DIR [--repeats 3]``; writes
``results/hgb-weights.json`` and ``results/hgb-weights.md``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import sklearn
from _common import fmt, machine, machine_markdown, table, write_results
from _quality_split import SEED, listed_tables, read_split
from imblearn.pipeline import Pipeline
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from pipeline.datasets import infer_roles
from pipeline.phases import build_phase_steps
from pipeline.selection import rank_roc_auc

WEIGHTS = {"none": None, "balanced": "balanced"}
FOLDS = 5  # the flow's default


def prepared(path, target):
    """The table's 75 % training split, prepared by the flow's phase steps; and its labels."""
    train = read_split(path, target).train
    X, y = train.drop(columns=[target]), train[target].astype(str).to_numpy()
    roles = infer_roles(X)
    steps = Pipeline(build_phase_steps(roles.numeric, roles.categorical, outliers="none", balance="none",
                                       reduce="none", random_state=SEED))
    return np.asarray(steps.fit_transform(X, y)), y


def fit_seconds(X, y, weight):
    model = HistGradientBoostingClassifier(class_weight=WEIGHTS[weight], random_state=SEED)
    start = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - start


def cv_auc(X, y, weight):
    scores = []
    for train, val in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(X, y):
        model = HistGradientBoostingClassifier(class_weight=WEIGHTS[weight], random_state=SEED)
        model.fit(X[train], y[train])
        scores.append(float(rank_roc_auc(y[val], model.predict_proba(X[val]), model.classes_)))
    return statistics.mean(scores)


def measure(tables, repeats):
    results = {}
    with threadpool_limits(1):
        for name, (path, target) in tables.items():
            X, y = prepared(path, target)
            seconds = {weight: [] for weight in WEIGHTS}
            for _ in range(repeats):
                for weight in WEIGHTS:
                    seconds[weight].append(round(fit_seconds(X, y, weight), 3))
            results[name] = {"rows": int(X.shape[0]), "columns": int(X.shape[1]), "fit_s": seconds,
                             "cv_auc": {weight: round(cv_auc(X, y, weight), 4) for weight in WEIGHTS}}
    return results


def markdown(payload):
    rows = []
    for name, r in payload["tables"].items():
        med = {weight: statistics.median(r["fit_s"][weight]) for weight in WEIGHTS}
        rows.append([name, f"{r['rows']:,} x {r['columns']}", fmt(med["none"], 2), fmt(med["balanced"], 2),
                     fmt(med["balanced"] / med["none"], 1), fmt(r["cv_auc"]["none"], 4),
                     fmt(r["cv_auc"]["balanced"], 4)])
    return "\n".join([
        "# HistGradientBoosting with and without class weights",
        "",
        f"Command: `python benchmarks/bench_hgb_weights.py --tables DIR --repeats {payload['repeats']}`, "
        f"scikit-learn {payload['sklearn']}. Each table's 75 % training split (as in `quality.md`), prepared "
        "by the flow's imputation, one-hot encoding and min-max scaling; the model at its defaults, "
        "one thread.",
        "",
        table(["table", "rows x prepared columns", "fit s, no weights", "balanced", "ratio",
               "5-fold CV ROC AUC, no weights", "balanced"], rows),
        "",
        machine_markdown(payload["machine"]),
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", required=True, help="folder of tables with a DATASETS.md")
    parser.add_argument("--repeats", type=int, default=3, help="fits of each arm per table (default: 3)")
    args = parser.parse_args(argv)
    payload = {"machine": machine(), "repeats": args.repeats, "sklearn": sklearn.__version__,
               "tables": measure(listed_tables(args.tables), args.repeats)}
    for path in write_results("hgb-weights", payload, markdown(payload)):
        print(path)


if __name__ == "__main__":
    main()
