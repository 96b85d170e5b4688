"""Cold and warm latency of one prediction, against a plain scikit-learn pipeline dumped with joblib.

One command:

    python benchmarks/bench_predict_latency.py     # about 5-10 minutes on 2 cores

Trains four models on the same 2,000 rows of the benchmarks' synthetic mixed
table (30 feature columns): ``logreg``, ``hgb``, the torch ``mlp`` (each built as
a run builds it, its default phase variants) and an ``ensemble`` of the first
two, and saves each as a run does. Beside each, the floor a user would otherwise
have: a plain scikit-learn pipeline (mean / most-frequent imputation, min-max
scaling, one-hot encoding, then the same estimator; for the ensemble a soft
VotingClassifier of the two) fitted on the same rows and dumped with joblib.
Three arms, each in a fresh interpreter, asked for the same 1-row CSV:

- ``cli``: ``python cli.py predict --model <folder> --data one.csv``, wall time
  of the whole process;
- ``load_model``: a process that imports dmflow, calls ``load_model`` and predicts
  the row (time from the process's first line to the answer), then predicts the
  row 20 more times: the median of those is the warm 1-row time;
- ``floor``: a process that imports joblib and pandas, loads the dump and predicts
  the row, timed the same two ways (whole process, and from its first line).

Arms alternate within each repeat; medians are reported, with the 1-minute load
average before and after, since the machine may be shared. Targets on a quiet
machine: cold CLI at most 2x the floor's whole process for a model without torch
parts; warm 1-row predict at most 20 ms for a single model.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    REPO,
    emit,
    fmt,
    load_average,
    machine,
    machine_markdown,
    run_child,
    summarise,
    synthetic_table,
    table,
    timed_command,
    write_results,
)

MODELS = ("logreg", "hgb", "ensemble", "mlp")
ARMS = ("cli", "load_model", "floor")
TRAIN_ROWS = 2_000
WARM_REPEATS = 20
COLD_RATIO_TARGET, WARM_MS_TARGET = 2.0, 20.0


def _dmflow_model(name, X, y, roles):
    from pipeline import RunConfig
    from pipeline.models import build_model
    from pipeline.selection import EnsembleClassifier

    if name == "ensemble":
        members = [(member, _dmflow_model(member, X, y, roles)) for member in ("logreg", "hgb")]
        return EnsembleClassifier(members, [0.5, 0.5]).fit()
    return build_model(name, RunConfig(models=[name]), roles).fit(X, y)


def _floor_model(name, roles):
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier, VotingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, OneHotEncoder

    def plain(estimator):
        prepare = ColumnTransformer([
            ("numeric", make_pipeline(SimpleImputer(), MinMaxScaler()), roles.numeric),
            ("categorical", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                          OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
                             roles.categorical),
        ])
        return make_pipeline(prepare, estimator)

    if name == "ensemble":
        return VotingClassifier([("logreg", _floor_model("logreg", roles)),
                                 ("hgb", _floor_model("hgb", roles))], voting="soft")
    if name == "mlp":
        from pipeline.models.neural import TorchMLPClassifier

        return plain(TorchMLPClassifier(random_state=0))
    return plain({"logreg": LogisticRegression(max_iter=1000),
                  "hgb": HistGradientBoostingClassifier(random_state=0)}[name])


def _prepare(folder):
    """Train and save every model and its floor; write the 1-row CSV."""
    import joblib

    from pipeline.datasets import infer_roles
    from pipeline.persistence import save_model

    X, y = synthetic_table(TRAIN_ROWS, seed=1)
    roles = infer_roles(X)
    X = X[roles.numeric + roles.categorical]
    metadata = {"target": "label", "kind": "table", "roles": roles.to_dict()}
    for name in MODELS:
        save_model(_dmflow_model(name, X, y, roles), folder / name, metadata=metadata)
        joblib.dump(_floor_model(name, roles).fit(X, y), folder / f"{name}.joblib")
    row, _ = synthetic_table(1, seed=2)
    row.to_csv(folder / "one.csv", index=False)


def child(arm, model, row_csv):
    """One cold process: load, predict the row once, then WARM_REPEATS more times."""
    start = time.perf_counter()
    import pandas as pd

    if arm == "load_model":
        from pipeline.persistence import load_model

        loaded = load_model(model)
    else:
        import joblib

        loaded = joblib.load(model)
    row = pd.read_csv(row_csv)
    loaded.predict(row)
    cold = time.perf_counter() - start
    warm = []
    for _ in range(WARM_REPEATS):
        tick = time.perf_counter()
        loaded.predict(row)
        warm.append(time.perf_counter() - tick)
    emit({"in_process_s": round(cold, 3), "warm_ms": round(1000 * statistics.median(warm), 2),
          "torch_imported": "torch" in sys.modules})


def _run_arm(arm, name, folder):
    if arm == "cli":
        seconds, _ = timed_command([sys.executable, REPO / "cli.py", "-q", "predict", "--model",
                                    folder / name, "--data", folder / "one.csv"])
        return {"total_s": round(seconds, 3)}
    model = folder / name if arm == "load_model" else folder / f"{name}.joblib"
    tick = time.perf_counter()
    result = run_child(Path(__file__), "--child", arm, model, folder / "one.csv")
    return {**result, "total_s": round(time.perf_counter() - tick, 3)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per arm and model (median)")
    parser.add_argument("--child", nargs=3, metavar=("ARM", "MODEL", "ROW"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(*args.child)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    load_before = load_average()
    runs = {name: {arm: [] for arm in ARMS} for name in MODELS}
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as scratch:
        folder = Path(scratch)
        _prepare(folder)
        for repeat in range(args.repeats):
            for name in MODELS:
                for arm in ARMS if repeat % 2 == 0 else ARMS[::-1]:
                    result = _run_arm(arm, name, folder)
                    logging.info("%s %s, repeat %d: %s", name, arm, repeat + 1, result)
                    runs[name][arm].append(result)
    summary = {name: {arm: summarise(runs[name][arm], keys=("total_s", "in_process_s", "warm_ms"))
                      for arm in ARMS} for name in MODELS}
    for name in MODELS:
        s = summary[name]
        s["cli_over_floor"] = round(s["cli"]["total_s"] / s["floor"]["total_s"], 2)
        s["load_over_floor"] = round(s["load_model"]["in_process_s"] / s["floor"]["in_process_s"], 2)
        s["torch_imported"] = runs[name]["load_model"][0]["torch_imported"]
    load = {"before": load_before, "after": load_average()}
    info = machine()
    payload = {"machine": info, "load_average": load, "train_rows": TRAIN_ROWS, "summary": summary,
               "runs": runs}
    paths = write_results("predict-latency", payload, _markdown(summary, load, info))
    print(*paths, sep="\n")
    return 0


def _markdown(summary, load, info):
    body = [[name, fmt(s["cli"]["total_s"]), fmt(s["floor"]["total_s"]), fmt(s["cli_over_floor"]) + "x",
             fmt(s["load_model"]["in_process_s"]), fmt(s["floor"]["in_process_s"]),
             fmt(s["load_over_floor"]) + "x", fmt(s["load_model"]["warm_ms"], 1),
             fmt(s["floor"]["warm_ms"], 1), "yes" if s["torch_imported"] else "no"]
            for name, s in summary.items()]
    busy = "shared and busy" if (load["before"] or 0) > 2 else "quiet"
    return "\n".join([
        "# One prediction, cold and warm: dmflow against a plain scikit-learn pipeline", "",
        f"`python benchmarks/bench_predict_latency.py`. {TRAIN_ROWS:,} training rows x 30 feature "
        "columns; one row predicted, each arm in a fresh interpreter, medians over repeats (see the "
        "script's docstring). 'floor': the same estimator in a plain scikit-learn pipeline, dumped "
        "with joblib.", "",
        table(["model", "cold CLI s", "floor process s", "CLI / floor", "load_model+predict s",
               "floor load+predict s", "ratio", "warm ms", "floor warm ms", "torch imported"], body), "",
        f"1-minute load average {load['before']} before, {load['after']} after, on "
        f"{info['cores']} cores: the machine was {busy}. Targets on a quiet machine: "
        f"CLI / floor <= {COLD_RATIO_TARGET:.0f}x for a model without "
        f"torch parts, warm <= {WARM_MS_TARGET:.0f} ms for a single model.", "",
        machine_markdown(info),
    ])


if __name__ == "__main__":
    sys.exit(main())
