"""A default dmflow run against PyCaret 3.3.2 on the same data and models.

One command (PyCaret needs an environment of its own, as it pins scikit-learn 1.4):

    python3.11 -m venv ../pycaret-env
    ../pycaret-env/bin/pip install pycaret==3.3.2 six   # scikit-plot imports six
    python benchmarks/bench_pycaret.py --pycaret-python ../pycaret-env/bin/python

dmflow: ``dmflow run`` on the bundled Adult data with models rf, mlp and logreg
(every other setting its default: z-score outlier drop, mean / most-frequent
imputation, one-hot, min-max, SMOTE, LDA or none searched on the validation
split, 2 parallel fits). PyCaret: ``setup(remove_outliers=True, mean / mode
imputation, normalize="minmax", fix_imbalance=True (SMOTE))`` and
``compare_models(include=["rf", "mlp", "lr"])`` on the same training rows
(dmflow's training and validation parts), scored on the same test rows. Wall
time of each tool's work in its own process, and test ROC AUC of the model each
picks; medians over repeats. Writes results/pycaret.json and results/pycaret.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import HERE, emit, fmt, machine, machine_markdown, median, run_child, table, write_results

MODELS = ["rf", "mlp", "logreg"]
PYCARET_NAMES = {"RandomForestClassifier": "rf", "MLPClassifier": "mlp", "LogisticRegression": "logreg"}


def dmflow_child(out):
    from pipeline import RunConfig
    from pipeline.flow.runner import run

    start = time.perf_counter()
    result = run(RunConfig(data="adult", models=MODELS, seed=0, n_jobs=2, out=out), verbose=False)
    seconds = time.perf_counter() - start
    models = result.metrics["models"]
    emit({"seconds": round(seconds, 2), "best": result.best_model,
          "best_test_auc": models[result.best_model]["test"]["roc_auc"],
          "test_auc": {name: models[name]["test"]["roc_auc"] for name in MODELS},
          "validation_auc": {name: models[name]["validation"]["roc_auc"] for name in MODELS}})


def write_split(folder):
    """dmflow's split of Adult as CSV: training + validation rows for PyCaret, test rows."""
    import pandas as pd
    from _common import adult_table

    from pipeline.datasets import BUNDLED
    from pipeline.phases import train_val_test_split

    X, y = adult_table()
    X_train, X_val, X_test, y_train, y_val, y_test = train_val_test_split(X, y, random_state=0)
    target = BUNDLED["adult"].target
    train = pd.concat([X_train, X_val])
    train[target] = pd.concat([y_train, y_val]).to_numpy()
    test = X_test.copy()
    test[target] = y_test.to_numpy()
    train.to_csv(folder / "train.csv", index=False)
    test.to_csv(folder / "test.csv", index=False)
    return target, BUNDLED["adult"].positive


def pycaret_run(python, folder, target, positive, fold, n_jobs):
    command = [python, str(HERE / "_pycaret_child.py"), str(folder / "train.csv"),
               str(folder / "test.csv"), target, positive, str(fold), str(n_jobs)]
    # PyCaret writes a logs.log into its working folder: keep it out of the checkout.
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600, cwd=folder)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else
                           f"exit code {done.returncode}")
    return json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pycaret-python", help="interpreter of an environment with pycaret==3.3.2")
    parser.add_argument("--repeats", type=int, default=2, help="runs per tool (median)")
    parser.add_argument("--fold", type=int, default=3,
                        help="PyCaret's cross-validation folds (its default, 10, takes about 3x longer)")
    parser.add_argument("--n-jobs", type=int, default=-1, help="PyCaret's n_jobs (its default: -1)")
    parser.add_argument("--child", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return dmflow_child(args.child)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    dmflow_runs, pycaret_runs, pycaret_error = [], [], None
    with tempfile.TemporaryDirectory(prefix="dmflow-bench-") as tmp:
        folder = Path(tmp)
        target, positive = write_split(folder)
        for repeat in range(args.repeats):
            result = run_child(Path(__file__), "--child", folder / "runs", timeout=3600)
            logging.info("dmflow, repeat %d: %.1f s, best %s, test AUC %.4f", repeat + 1,
                         result["seconds"], result["best"], result["best_test_auc"])
            dmflow_runs.append(result)
            if args.pycaret_python is None:
                pycaret_error = "no --pycaret-python given"
                continue
            try:
                result = pycaret_run(args.pycaret_python, folder, target, positive, args.fold,
                                     args.n_jobs)
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as err:
                pycaret_error = f"PyCaret could not run: {err}"
                logging.warning("%s", pycaret_error)
                continue
            logging.info("PyCaret, repeat %d: %.1f s, best %s, test AUC %.4f", repeat + 1,
                         result["seconds"], result["best"], result["best_test_auc"])
            pycaret_runs.append(result)
    info = machine()
    summary = {"dmflow": _summary(dmflow_runs), "pycaret": _summary(pycaret_runs) if pycaret_runs else None,
               "pycaret_error": pycaret_error if not pycaret_runs else None,
               "fold": args.fold, "pycaret_n_jobs": args.n_jobs}
    if pycaret_runs:
        summary["time_ratio_dmflow_over_pycaret"] = round(
            summary["dmflow"]["seconds"] / summary["pycaret"]["seconds"], 3)
        summary["pycaret_versions"] = pycaret_runs[0]["versions"]
    payload = {"machine": info, "summary": summary, "runs": {"dmflow": dmflow_runs, "pycaret": pycaret_runs}}
    paths = write_results("pycaret", payload, _markdown(summary, info))
    print(*paths, sep="\n")
    return 0


def _summary(runs):
    best = [run["best"] if run["best"] in MODELS else PYCARET_NAMES.get(run["best"], run["best"])
            for run in runs]
    test_auc = {}
    for run in runs:
        for name, auc in run["test_auc"].items():
            test_auc.setdefault(PYCARET_NAMES.get(name, name), []).append(auc)
    return {"seconds": median([run["seconds"] for run in runs]),
            "best": max(set(best), key=best.count),
            "best_test_auc": median([run["best_test_auc"] for run in runs]),
            "test_auc": {name: median(values) for name, values in test_auc.items()},
            "repeats": len(runs)}


def _markdown(summary, info):
    d, p = summary["dmflow"], summary["pycaret"]
    lines = ["# Default run: dmflow against PyCaret 3.3.2", "",
             "`python benchmarks/bench_pycaret.py --pycaret-python PYCARET_ENV/bin/python` on the "
             "bundled Adult data (39,073 training and 9,769 test rows, the same for both), models "
             "rf, mlp and logistic regression; see the script's docstring for the settings.", ""]
    if p is None:
        lines += [f"PyCaret was not measured: {summary['pycaret_error']}.", "",
                  table(["tool", "wall s", "best", "test ROC AUC"],
                        [["dmflow", fmt(d["seconds"], 1), d["best"], fmt(d["best_test_auc"], 4)]])]
    else:
        rows = [["dmflow", fmt(d["seconds"], 1), d["best"], fmt(d["best_test_auc"], 4),
                 *(fmt(d["test_auc"].get(m), 4) for m in MODELS), d["repeats"]],
                [f"PyCaret ({summary['fold']}-fold CV, n_jobs={summary['pycaret_n_jobs']})",
                 fmt(p["seconds"], 1), p["best"], fmt(p["best_test_auc"], 4),
                 *(fmt(p["test_auc"].get(m), 4) for m in MODELS), p["repeats"]]]
        ratio = summary["time_ratio_dmflow_over_pycaret"]
        faster = "met" if ratio < 1 else "missed"
        auc = "met" if d["best_test_auc"] >= p["best_test_auc"] else "missed"
        versions = ", ".join(f"{k} {v}" for k, v in summary["pycaret_versions"].items())
        lines += [table(["tool", "wall s", "picked", "its test AUC", "rf", "mlp", "logreg", "repeats"], rows),
                  "", f"dmflow takes **{ratio:.2f}x** PyCaret's wall time (target < 1: {faster}); "
                  f"test ROC AUC of the picked model {d['best_test_auc']:.4f} against "
                  f"{p['best_test_auc']:.4f} (target not lower: {auc}).", "",
                  f"PyCaret's environment: {versions}."]
    lines += ["", "Differences that remain: PyCaret's `remove_outliers` is an isolation forest "
              "(5% of rows), not a z-score filter; it has no LDA step; it cross-validates every "
              "model and refits it, where dmflow scores each candidate once on a validation split "
              "and also searches a small grid per model (LDA or none, and one or two "
              "hyperparameters).", "", machine_markdown(info)]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
