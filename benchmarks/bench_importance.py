"""dmflow's permutation importance against scikit-learn's, on the flow's own Adult models.

Each default-configured model Pipeline (``build_model`` with a default
``RunConfig``: outlier, balance and reduction variants at their first option) is
fitted on 10,000 of the rows a default run selects on, then both arms explain it
on the same test rows, 5 shuffles per column, ROC AUC:

- ``dmflow``: :func:`pipeline.evaluation.column_importance`, which stacks the
  shuffled copies and predicts them in a few large calls;
- ``scikit-learn``: :func:`sklearn.inspection.permutation_importance` (one call per
  column and shuffle), ``n_jobs=1``.

Two test sizes: 250 rows (a small table's test split, where each call's fixed cost
dominates) and 1,000 rows (the most the report scores). Agreement: the shuffles
differ, so the means differ by noise; the largest absolute difference of the
column means and whether the top three columns agree are reported.

Run: ``python benchmarks/bench_importance.py``; writes ``results/importance.json``
and ``results/importance.md``.
"""

from __future__ import annotations

import time

import pandas as pd
import torch
from _common import adult_table, machine, machine_markdown, table, write_results
from sklearn.inspection import permutation_importance
from threadpoolctl import threadpool_limits

from pipeline import RunConfig
from pipeline.datasets import infer_roles
from pipeline.evaluation import column_importance
from pipeline.models import build_model
from pipeline.phases import train_val_test_split

MODELS = ("logreg", "rf", "hgb", "mlp")
TEST_ROWS = (250, 1000)
FIT_ROWS, REPEATS = 10_000, 5


def the_rows():
    X, y = adult_table()
    X_train, _, X_test, y_train, _, y_test = train_val_test_split(X, y, random_state=0)
    return X_train.iloc[:FIT_ROWS], y_train.iloc[:FIT_ROWS], X_test, y_test.to_numpy(), infer_roles(X)


def timed(function):
    start = time.perf_counter()
    found = function()
    return found, round(time.perf_counter() - start, 2)


def compare(model, X, y):
    ours, ours_s = timed(lambda: column_importance(model, X, y, n_repeats=REPEATS, max_rows=len(X)))
    theirs, theirs_s = timed(lambda: permutation_importance(model, X, y, scoring="roc_auc",
                                                            n_repeats=REPEATS, random_state=0))
    ours_mean = pd.Series({c["column"]: c["mean"] for c in ours["columns"]})[X.columns]
    theirs_mean = pd.Series(theirs.importances_mean, index=X.columns)
    top = set(ours_mean.nlargest(3).index) == set(theirs_mean.nlargest(3).index)
    return {"dmflow_s": ours_s, "sklearn_s": theirs_s, "speed_ratio": round(theirs_s / ours_s, 1),
            "max_abs_diff": round(float((ours_mean - theirs_mean).abs().max()), 4), "same_top3": top}


def markdown(payload):
    rows = [[r["model"], f"{r['rows']:,}", r["dmflow_s"], r["sklearn_s"], f"{r['speed_ratio']}×",
             r["max_abs_diff"], "yes" if r["same_top3"] else "no"] for r in payload["results"]]
    return "\n".join([
        "# Permutation importance: dmflow against scikit-learn",
        "",
        f"Command: `python benchmarks/bench_importance.py`. Adult, {payload['columns']} raw columns; each "
        f"default model Pipeline fitted on {FIT_ROWS:,} rows; {REPEATS} shuffles per column; one thread.",
        "",
        table(["model", "test rows", "dmflow s", "scikit-learn s", "speed-up", "max |Δ mean|",
               "same top 3"], rows),
        "",
        machine_markdown(payload["machine"]),
    ])


def main():
    torch.set_num_threads(1)
    X_train, y_train, X_test, y_test, roles = the_rows()
    results = []
    with threadpool_limits(1):
        for name in MODELS:
            model = build_model(name, RunConfig(seed=0), roles).fit(X_train, y_train)
            for n_rows in TEST_ROWS:
                found = compare(model, X_test.iloc[:n_rows], y_test[:n_rows])
                results.append({"model": name, "rows": n_rows, **found})
                print(results[-1], flush=True)
    payload = {"columns": int(X_test.shape[1]), "results": results, "machine": machine()}
    write_results("importance", payload, markdown(payload))


if __name__ == "__main__":
    main()
