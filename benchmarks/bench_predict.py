"""Peak memory and time of `dmflow predict` on a large CSV: streamed in chunks, and in one pass.

One command:

    python benchmarks/bench_predict.py        # about 3-5 minutes on 2 cores

Writes the synthetic mixed table (1M rows x 30 feature columns and the label, the
31 columns of the other benchmarks) to a CSV in a temporary folder, trains a
model on 20,000 other rows of the same generator (logistic regression after a
run's default phases) and saves it as a run does. Then, each in a process of its
own, two arms predict every row of the CSV into a CSV:

- ``streamed``: ``dmflow predict`` as shipped, reading and writing in chunks;
- ``one pass``: the whole file loaded with ``load_table``, predicted at once
  and written, as ``predict`` did before it streamed.

The child's peak resident set size is its memory figure. Arms alternate within
each repeat; medians are reported. Target: the streamed arm at most 1 GB.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    emit,
    fmt,
    machine,
    machine_markdown,
    peak_rss_gb,
    run_child,
    summarise,
    synthetic_table,
    table,
    write_results,
)

ARMS = ("streamed", "one pass")
TRAIN_ROWS = 20_000
TARGET_GB = 1.0


def _train(folder):
    from pipeline import RunConfig
    from pipeline.datasets import infer_roles
    from pipeline.models import build_model
    from pipeline.persistence import save_model

    X, y = synthetic_table(TRAIN_ROWS, seed=1)
    roles = infer_roles(X)
    model = build_model("logreg", RunConfig(models=["logreg"], reduce=["lda"]), roles).fit(X, y)
    metadata = {"target": "label", "kind": "table", "roles": roles.to_dict()}
    return save_model(model, folder / "model", metadata=metadata)


def child(arm, model, data, out):
    from pipeline.persistence import load_model

    start = time.perf_counter()
    estimator, manifest = load_model(model), None
    if arm == "streamed":
        from pipeline.predict import predict_file

        n_rows = predict_file(estimator, manifest, data, out)
    else:
        from pipeline.datasets import load_table
        from pipeline.predict import predict_frame, write_predictions

        output = predict_frame(estimator, manifest, load_table(data, min_columns=1))
        write_predictions(output, out)
        n_rows = len(output)
    emit({"total_s": round(time.perf_counter() - start, 3), "peak_gb": round(peak_rss_gb(), 3),
          "rows": n_rows, "output_mb": round(Path(out).stat().st_size / 2**20, 1)})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the CSV to predict")
    parser.add_argument("--repeats", type=int, default=2, help="runs per arm (median)")
    parser.add_argument("--csv", help="predict this CSV of the synthetic table instead of writing one")
    parser.add_argument("--child", nargs=4, metavar=("ARM", "MODEL", "DATA", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        arm, model, data, out = args.child
        return child(arm, model, data, out)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with tempfile.TemporaryDirectory(prefix="bench-predict-") as scratch:
        folder = Path(scratch)
        model = _train(folder)
        rows_csv = Path(args.csv) if args.csv else folder / "rows.csv"
        if not args.csv:
            X, y = synthetic_table(args.rows)
            X.assign(label=y).to_csv(rows_csv, index=False)
            del X, y
        csv_mb = rows_csv.stat().st_size / 2**20
        runs = {arm: [] for arm in ARMS}
        for repeat in range(args.repeats):
            for arm in ARMS if repeat % 2 == 0 else ARMS[::-1]:
                result = run_child(Path(__file__), "--child", arm, model, rows_csv,
                                   folder / "predictions.csv")
                logging.info("%s, repeat %d: %.1f s, %.2f GB", arm, repeat + 1, result["total_s"],
                             result["peak_gb"])
                runs[arm].append(result)
    summary = {arm: summarise(r) for arm, r in runs.items()}
    summary["memory_ratio"] = round(summary["streamed"]["peak_gb"] / summary["one pass"]["peak_gb"], 3)
    summary["time_ratio"] = round(summary["streamed"]["total_s"] / summary["one pass"]["total_s"], 3)
    rows = sum(1 for _ in open(rows_csv, encoding="utf-8")) - 1 if args.csv else args.rows
    info = machine()
    payload = {"machine": info, "rows": rows, "columns": 31, "csv_mb": round(csv_mb, 1),
               "summary": summary, "runs": runs}
    paths = write_results("predict", payload, _markdown(summary, rows, csv_mb, info))
    print(*paths, sep="\n")
    return 0


def _markdown(summary, rows, csv_mb, info):
    body = [[arm, fmt(summary[arm]["peak_gb"]), fmt(summary[arm]["total_s"], 1), summary[arm]["repeats"]]
            for arm in ARMS]
    met = summary["streamed"]["peak_gb"] <= TARGET_GB
    return "\n".join([
        "# Predicting a large CSV: streamed in chunks against one pass", "",
        f"`python benchmarks/bench_predict.py`. {rows:,} rows x 31 columns ({csv_mb:.0f} MB of CSV), "
        "a logistic regression after the default phases; each arm in its own process, peak resident "
        "memory of that process, medians over repeats (see the script's docstring).", "",
        table(["arm", "peak GB", "seconds", "repeats"], body), "",
        f"Streamed / one pass: memory {summary['memory_ratio']:.2f}x, time {summary['time_ratio']:.2f}x. "
        f"Target: streamed peak <= {TARGET_GB:.0f} GB: {'met' if met else 'missed'}.", "",
        machine_markdown(info),
    ])


if __name__ == "__main__":
    sys.exit(main())
