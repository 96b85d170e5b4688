"""Phases 1-4 through dmflow against the same steps hand-written with scikit-learn.

One command:

    python benchmarks/bench_prep.py        # about 6-10 minutes on 2 cores

On UCI Adult and on the synthetic mixed table of 1M rows x 30 columns, both arms
split off test and validation parts, then on the training part drop z-score
outliers, impute, one-hot encode (at most 30 columns per categorical), min-max
scale, SMOTE (k = 5) and fit LDA, and finally transform the validation and test
parts. dmflow fits the Pipeline of its phase steps as a run does; the
hand-written arm composes scikit-learn / imbalanced-learn parts with their
defaults (exact neighbour search, LDA's SVD solver). Every run is a child
process of its own; arms alternate within each repeat; medians are reported.
Target: dmflow's time at most 1.1x the hand-written time.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from _common import (emit, fmt, load_data, machine, machine_markdown, run_child, summarise,
                     table, write_results)

ARMS = ("dmflow", "handwritten")


def child(arm, data, rows):
    from _phases import dmflow_phases, handwritten_phases

    X, y = load_data(data, rows)
    emit(dmflow_phases(X, y) if arm == "dmflow" else handwritten_phases(X, y))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per arm on Adult (median)")
    parser.add_argument("--repeats-1m", type=int, default=1,
                        help="runs per arm on the 1M-row table (the hand-written arm takes minutes)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the synthetic table")
    parser.add_argument("--child", nargs=3, metavar=("ARM", "DATA", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        arm, data, rows = args.child
        return child(arm, data, int(rows))
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    datasets = {"adult": (0, args.repeats), f"synthetic {args.rows:,}": (args.rows, args.repeats_1m)}
    runs = {name: {arm: [] for arm in ARMS} for name in datasets}
    for name, (rows, repeats) in datasets.items():
        data = name.split()[0]
        for repeat in range(repeats):
            for arm in ARMS if repeat % 2 == 0 else ARMS[::-1]:
                result = run_child(Path(__file__), "--child", arm, data, rows)
                logging.info("%s, %s, repeat %d: %.1f s, %.2f GB", name, arm, repeat + 1,
                             result["total_s"], result["peak_gb"])
                runs[name][arm].append(result)
    summary = {name: {arm: summarise(r) for arm, r in by_arm.items()} for name, by_arm in runs.items()}
    for name, by_arm in summary.items():
        by_arm["time_ratio"] = round(by_arm["dmflow"]["total_s"] / by_arm["handwritten"]["total_s"], 3)
        by_arm["memory_ratio"] = round(by_arm["dmflow"]["peak_gb"] / by_arm["handwritten"]["peak_gb"], 3)
    info = machine()
    payload = {"machine": info, "summary": summary, "runs": runs}
    paths = write_results("prep", payload, _markdown(summary, info))
    print(*paths, sep="\n")
    return 0


def _markdown(summary, info):
    rows = []
    for name, by_arm in summary.items():
        d, h = by_arm["dmflow"], by_arm["handwritten"]
        rows.append([name, fmt(d["total_s"], 1), fmt(h["total_s"], 1), f"**{by_arm['time_ratio']:.2f}x**",
                     fmt(d["peak_gb"]), fmt(h["peak_gb"]), f"{by_arm['memory_ratio']:.2f}x",
                     d["repeats"]])
    phases = []
    for name, by_arm in summary.items():
        for arm in ARMS:
            seconds = by_arm[arm]["seconds"]
            phases.append([name, arm, ", ".join(f"{k} {v:.1f}" for k, v in seconds.items())])
    met = all(by_arm["time_ratio"] <= 1.1 for by_arm in summary.values())
    return "\n".join([
        "# Phases 1-4: dmflow against hand-written scikit-learn / imbalanced-learn", "",
        "`python benchmarks/bench_prep.py`. Same protocol and settings in both arms (see the "
        "script's docstring); medians over repeats, each run in its own process.", "",
        table(["data", "dmflow s", "hand-written s", "time ratio", "dmflow peak GB",
               "hand-written peak GB", "memory ratio", "repeats"], rows), "",
        f"Target: time ratio <= 1.1x: {'met' if met else 'missed'}.", "",
        "Seconds per step (medians; dmflow's Pipeline fit is one step):", "",
        table(["data", "arm", "seconds"], phases), "",
        machine_markdown(info),
    ])


if __name__ == "__main__":
    sys.exit(main())
