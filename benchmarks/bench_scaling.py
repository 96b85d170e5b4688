"""Scaling of dmflow's phases 1-4 at 10k, 100k and 1M rows: time and peak memory per phase.

One command:

    python benchmarks/bench_scaling.py            # about 6-8 minutes on 2 cores

Each size runs in a child process of its own (peak memory is that child's), the
sizes interleaved within each repeat; the table holds medians over repeats.
Targets: 1M rows take at most 11x the time of 100k rows, and peak at most 3 GB.
Writes results/scaling.json and results/scaling.md (``--tag`` changes the name,
``--repo`` measures another checkout of the package, e.g. an older commit).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from _common import (
    emit,
    fmt,
    load_data,
    machine,
    machine_markdown,
    run_child,
    summarise,
    table,
    write_results,
)

SIZES = (10_000, 100_000, 1_000_000)
PHASES = ("split", "outliers", "prepare", "balance", "reduce", "transform")


def child(rows):
    from _phases import dmflow_phases

    X, y = load_data("synthetic", rows)
    emit(dmflow_phases(X, y, steps_only=True))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per size below 1M (median)")
    parser.add_argument("--repeats-1m", type=int, default=2, help="runs at 1M rows (median)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--tag", default="", help="suffix of the result files")
    parser.add_argument("--repo", help="checkout whose `pipeline` package to measure")
    parser.add_argument("--repo-label", help="how the results name that checkout (e.g. a commit)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sizes = [int(s) for s in args.sizes.split(",")]
    env = {"DMFLOW_REPO": str(Path(args.repo).resolve())} if args.repo else None
    runs = {size: [] for size in sizes}
    for repeat in range(max(args.repeats, args.repeats_1m)):
        for size in sizes:
            if repeat >= (args.repeats_1m if size >= 1_000_000 else args.repeats):
                continue
            result = run_child(Path(__file__), "--child", size, env=env)
            logging.info("%d rows, repeat %d: %.1f s, %.2f GB", size, repeat + 1,
                         result["total_s"], result["peak_gb"])
            runs[size].append(result)
    summary = {size: summarise(results) for size, results in runs.items()}
    info = machine()
    repo = args.repo_label or ("another checkout" if args.repo else "this checkout")
    payload = {"machine": info, "sizes": summary, "runs": runs, "growth": _growth(summary), "repo": repo}
    stem = "scaling" + (f"-{args.tag}" if args.tag else "")
    paths = write_results(stem, payload, _markdown(summary, payload, info, args))
    print(*paths, sep="\n")
    return 0


def _growth(summary):
    if 100_000 not in summary or 1_000_000 not in summary:
        return None
    small, big = summary[100_000], summary[1_000_000]
    growth = {"total_time": big["total_s"] / small["total_s"],
              "peak_memory": big["peak_gb"] / small["peak_gb"]}
    growth.update({phase: big["seconds"][phase] / max(small["seconds"][phase], 1e-3)
                   for phase in PHASES})
    return {key: round(value, 2) for key, value in growth.items()}


def _markdown(summary, payload, info, args):
    rows = []
    for size, s in summary.items():
        rows.append([f"{size:,}", *(fmt(s["seconds"].get(p)) for p in PHASES), fmt(s["total_s"]),
                     fmt(s["peak_gb"]), s["repeats"]])
    text = [f"# Scaling of phases 1-4{' (' + args.tag + ')' if args.tag else ''}", "",
            "`python benchmarks/bench_scaling.py`: dmflow's phase steps fitted one by one on the "
            "synthetic mixed table (20 numeric columns with outliers and missing values, 10 "
            "categorical of 5-50 levels, 10% positive); the validation and test parts then go "
            "through the fitted steps (`transform`). Seconds and peak memory are medians over "
            "repeats, each size in its own process.", "",
            table(["rows", *PHASES, "total s", "peak GB", "repeats"], rows), ""]
    growth = payload["growth"]
    if growth:
        verdict_time = "met" if growth["total_time"] <= 11 else "missed"
        peak = summary[1_000_000]["peak_gb"]
        verdict_memory = "met" if peak <= 3 else "missed"
        text += [f"Growth 100k -> 1M: **{growth['total_time']:.1f}x** in time (target <= 11x: "
                 f"{verdict_time}), {growth['peak_memory']:.1f}x in peak memory; peak at 1M "
                 f"**{peak:.2f} GB** (target <= 3 GB: {verdict_memory}).", "",
                 "Per phase: " + ", ".join(f"{p} {growth[p]:.1f}x" for p in PHASES) + ".", ""]
    text += [machine_markdown(info), f"Package measured: {payload['repo']}."]
    return "\n".join(text)


if __name__ == "__main__":
    sys.exit(main())
