"""What the input limits cost a genuine table, and what refusing a compression bomb costs.

One command:

    python benchmarks/bench_input_limits.py        # about a minute on 2 cores

Each arm runs in a process of its own; its peak resident set size is its memory
figure, and medians over repeats are reported:

- ``adult, checked``: the bundled Adult table (``adult.csv.gz``) read by
  ``load_table``, through the limit-checking reader, as ``run`` reads it;
- ``adult, pandas``: the same file read by ``pandas.read_csv`` alone, as before;
- ``table bomb, run`` / ``table bomb, predict``: a valid table of 4 GB in a few MB
  of gzip, read whole (``load_table``) or in chunks (``read_chunks``) at the
  default limits; both must refuse it;
- ``line bomb, run`` / ``line bomb, predict``: a header then one 4 GB line, the
  ratio limit raised out of the way so the line limit is what stops it.
"""

from __future__ import annotations

import argparse
import gzip
import json
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
    table,
    write_results,
)

ROOT = Path(__file__).resolve().parents[1]
ARMS = ("adult, checked", "adult, pandas", "table bomb, run", "table bomb, predict", "line bomb, run",
        "line bomb, predict")
BOMB_GB = 4
_MB = 1 << 20
HEADER = b"x1,x2,x3,colour,size,label\n"


def _gzip_bomb(path, body):
    """``HEADER`` then ``body`` repeated to ``BOMB_GB``, from copies of one compressed member."""
    block = body * (32 * _MB // len(body))
    member = gzip.compress(block, compresslevel=9)
    with open(path, "wb") as handle:
        handle.write(gzip.compress(HEADER))
        for _ in range(BOMB_GB * 1024 * _MB // len(block)):
            handle.write(member)
    return path


def child(arm, data):
    sys.path.insert(0, str(ROOT))
    import pandas as pd

    from pipeline.datasets import load_table
    from pipeline.errors import DataError
    from pipeline.limits import InputLimits
    from pipeline.predict import read_chunks

    limits = InputLimits(max_compression_ratio=1e9) if arm.startswith("line") else InputLimits()
    start = time.perf_counter()
    refused, rows = None, None
    try:
        if arm == "adult, pandas":
            rows = len(pd.read_csv(data, low_memory=False))
        elif arm.endswith("predict"):
            rows = sum(len(chunk) for chunk in read_chunks(data, limits=limits))
        else:
            rows = len(load_table(data, limits=limits))
    except DataError as err:
        refused = str(err).split(" (")[0].split("' ")[-1]
    emit({"total_s": round(time.perf_counter() - start, 3), "peak_gb": round(peak_rss_gb(), 3),
          "rows": rows, "refused": refused})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per arm (median)")
    parser.add_argument("--child", nargs=2, metavar=("ARM", "DATA"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(*args.child)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with tempfile.TemporaryDirectory(prefix="bench-limits-") as scratch:
        folder = Path(scratch)
        files = {"adult": ROOT / "data" / "adult" / "adult.csv.gz",
                 "table bomb": _gzip_bomb(folder / "rows.csv.gz", b"0,0,0,red,S,no\n"),
                 "line bomb": _gzip_bomb(folder / "line.csv.gz", b"0" * 4096)}
        sizes = {name: round(path.stat().st_size / _MB, 2) for name, path in files.items()}
        runs = {arm: [] for arm in ARMS}
        for repeat in range(args.repeats):
            for arm in ARMS if repeat % 2 == 0 else ARMS[::-1]:
                result = run_child(Path(__file__), "--child", arm, files[arm.split(",")[0]])
                logging.info("%s, repeat %d: %s", arm, repeat + 1, json.dumps(result))
                runs[arm].append(result)
    summary = {arm: {**summarise(r), "rows": r[0]["rows"], "refused": r[0]["refused"]}
               for arm, r in runs.items()}
    info = machine()
    payload = {"machine": info, "bomb_gb": BOMB_GB, "file_mb": sizes, "summary": summary, "runs": runs}
    paths = write_results("input-limits", payload, _markdown(summary, sizes, info))
    print(*paths, sep="\n")
    return 0


def _markdown(summary, sizes, info):
    body = [[arm, f"{sizes[arm.split(',')[0]]:.2f}", fmt(summary[arm]["peak_gb"]),
             fmt(summary[arm]["total_s"], 2),
             summary[arm]["refused"] or f"read {summary[arm]['rows']:,} rows", summary[arm]["repeats"]]
            for arm in ARMS]
    checked, plain = summary["adult, checked"], summary["adult, pandas"]
    return "\n".join([
        "# Input limits: the cost on a genuine table, and refusing compression bombs", "",
        f"`python benchmarks/bench_input_limits.py`. Bombs expand to {BOMB_GB} GB; each arm in its own "
        "process, peak resident memory of that process, medians over repeats (see the script's docstring).",
        "",
        table(["arm", "file MB", "peak GB", "seconds", "outcome", "repeats"], body), "",
        "Adult through the checked reader / pandas alone: "
        f"time {checked['total_s'] / plain['total_s']:.2f}x, "
        f"memory {checked['peak_gb'] / plain['peak_gb']:.2f}x.",
        "",
        machine_markdown(info),
    ])


if __name__ == "__main__":
    sys.exit(main())
