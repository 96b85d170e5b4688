"""Model quality: dmflow's default run against plain scikit-learn and AutoGluon, per table.

    python benchmarks/bench_quality.py --tables TABLES_DIR --autogluon-python AG_ENV/bin/python

Tables: the bundled Adult data, plus every table that ``TABLES_DIR/DATASETS.md``
lists (``| file.csv.gz | `target` | ...``). Each is split 75/25, stratified, with
a fixed seed; columns that only number the rows are dropped for every arm. Arms,
each in processes of its own, on the same rows:

- ``dmflow``: ``python cli.py run --data train.csv --target T --out DIR`` (every
  setting its default) in the checkout ``--dmflow-root``, then ``python cli.py
  predict`` on the test rows; ROC AUC from the positive class's probability;
  wall time of both commands, as a user waits for them.
- ``hgb``, ``logreg``, ``rf``: three plain scikit-learn pipelines (see
  ``_plain_child.py``), wall time of their process.
- ``autogluon``: AutoGluon-Tabular ``medium_quality`` in its own environment,
  with a time limit equal to dmflow's measured ``run`` time on that table (so
  the dmflow arm runs first, or is taken from the recorded results).

Every arm's figures are recorded per table in ``results/quality.json`` together
with the run (date, machine, dmflow's git commit) it came from, so one arm can be
rerun alone (``--arms dmflow --dmflow-root OTHER_CHECKOUT``) and the tables,
differences and means are rebuilt from what is recorded. Writes
``results/quality.json`` and ``results/quality.md``.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from _common import (
    HERE,
    RESULTS,
    git_commit,
    git_last_change,
    load_average,
    machine,
    run_child,
    timed_command,
    write_results,
)
from _quality_report import ARMS, PLAIN, quality_markdown
from _quality_split import SEED, TEST_SIZE, heldout_auc, listed_tables, positive_label, read_split

logger = logging.getLogger("benchmarks")
ROOT = HERE.parent
ADULT = ("adult", ROOT / "data" / "adult" / "adult.csv.gz", "income")
# What the dmflow arm's behaviour depends on, for its "uncommitted changes" flag.
DMFLOW_SOURCES = ("pipeline", "cli.py", "pyproject.toml")
SETTINGS = {"seed": SEED, "test_size": TEST_SIZE, "autogluon_preset": "medium_quality"}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", type=Path, help="folder of tables with a DATASETS.md "
                        "(default: none; the bundled Adult data is always measured)")
    parser.add_argument("--only", help="comma-separated table names to measure (default: all)")
    parser.add_argument("--arms", default=",".join(ARMS),
                        help=f"comma-separated arms to run (default: {','.join(ARMS)}); the others "
                             "keep their recorded figures")
    parser.add_argument("--dmflow-root", type=Path, default=ROOT,
                        help="checkout whose cli.py the dmflow arm runs (default: this one)")
    parser.add_argument("--dmflow-python", type=Path,
                        help="interpreter for the dmflow arm (default: DMFLOW_ROOT/.venv/bin/python "
                             "when present, else this one)")
    parser.add_argument("--autogluon-python", type=Path,
                        help="interpreter of an environment with autogluon.tabular==1.6.3")
    parser.add_argument("--stem", default="quality", help="results/<stem>.json and .md (default: quality)")
    parser.add_argument("--rebuild", action="store_true",
                        help="only rewrite results/<stem>.md from the recorded results/<stem>.json")
    parser.add_argument("--fresh", action="store_true",
                        help="forget the recorded figures instead of updating them")
    args = parser.parse_args(argv)
    args.arms = [arm.strip() for arm in args.arms.split(",") if arm.strip()]
    unknown = sorted(set(args.arms) - set(ARMS))
    if unknown:
        parser.error(f"unknown arm(s) {', '.join(unknown)}; choose from {', '.join(ARMS)}")
    if args.dmflow_python is None:
        venv = args.dmflow_root / ".venv" / "bin" / "python"
        args.dmflow_python = venv if venv.exists() else Path(sys.executable)
    return args


def table_sources(args):
    """``[(name, path, target)]``: Adult, then the tables folder's tables, filtered by --only."""
    sources = [ADULT]
    if args.tables is not None:
        sources += [(name, path, target) for name, (path, target) in listed_tables(args.tables).items()]
    if args.only:
        wanted = {name.strip() for name in args.only.split(",")}
        missing = wanted - {name for name, _, _ in sources}
        if missing:
            raise SystemExit(f"--only names unknown table(s): {', '.join(sorted(missing))}")
        sources = [source for source in sources if source[0] in wanted]
    return sources


def write_split(name, path, target, work):
    """Split one table into CSV files under ``work``; return its description."""
    frame, train, test, fingerprint, dropped = read_split(path, target, seed=SETTINGS["seed"],
                                                          test_size=SETTINGS["test_size"])
    folder = work / name
    folder.mkdir(parents=True)
    paths = {"train": folder / "train.csv", "test": folder / "test.csv",
             "test_features": folder / "test_features.csv"}
    train.to_csv(paths["train"], index=False)
    test.to_csv(paths["test"], index=False)
    test.drop(columns=[target]).to_csv(paths["test_features"], index=False)
    y = frame[target].astype(str)
    positive = positive_label(y)
    return {"name": name, "target": target, "positive": positive, "paths": paths,
            "y_test": test[target].astype(str).to_numpy(), "folder": folder,
            "info": {"target": target, "positive": positive, "n_classes": int(y.nunique()),
                     "rows_train": len(train), "rows_test": len(test), "features": frame.shape[1] - 1,
                     "dropped_columns": dropped, "split": fingerprint}}


def dmflow_arm(table, args):
    """The default ``dmflow run`` on the training rows, then ``dmflow predict`` on the test rows."""
    python, root, folder = args.dmflow_python, args.dmflow_root, table["folder"]
    run_s, out = timed_command([python, "cli.py", "-q", "run", "--data", table["paths"]["train"],
                                "--target", table["target"], "--out", folder / "runs"], cwd=root)
    run_dir = Path(out.strip().splitlines()[-1])
    if not run_dir.is_absolute():
        run_dir = root / run_dir
    predict_s, _ = timed_command([python, "cli.py", "-q", "predict", "--model", run_dir / "model",
                                  "--data", table["paths"]["test_features"], "--out",
                                  folder / "predictions.csv"], cwd=root)
    predictions = pd.read_csv(folder / "predictions.csv")
    proba = predictions[[c for c in predictions.columns if c.startswith("proba_")]]
    proba.columns = [c[len("proba_"):] for c in proba.columns]
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    best = metrics["best_model"]
    commit, dirty = git_commit(root, DMFLOW_SOURCES)
    return {"auc": heldout_auc(table["y_test"], proba, table["positive"]),
            "wall_s": round(run_s + predict_s, 2), "run_s": round(run_s, 2),
            "predict_s": round(predict_s, 2), "model": best,
            "validation_auc": metrics["models"][best]["validation"].get("roc_auc"),
            "commit": commit, "dirty": dirty,
            "sources_commit": git_last_change(root, DMFLOW_SOURCES)}


def plain_arm(arm, table, args):
    """One plain scikit-learn pipeline in a child process."""
    start = time.perf_counter()
    result = run_child(HERE / "_plain_child.py", arm, table["paths"]["train"], table["paths"]["test"],
                       table["target"], table["positive"], SETTINGS["seed"], timeout=3600)
    return {**result, "wall_s": round(time.perf_counter() - start, 2)}


def autogluon_arm(table, args, limit):
    """AutoGluon-Tabular in its own environment, with dmflow's run time as its limit."""
    if args.autogluon_python is None:
        raise RuntimeError("no --autogluon-python given")
    if limit is None:
        raise RuntimeError("no dmflow run time recorded for this table to set the time limit; "
                           "run the dmflow arm too")
    start = time.perf_counter()
    result = run_child(HERE / "_autogluon_child.py", table["paths"]["train"], table["paths"]["test"],
                       table["target"], table["positive"], SETTINGS["autogluon_preset"],
                       round(limit, 1), table["folder"], python=args.autogluon_python,
                       timeout=3600 + 3 * limit)
    return {**result, "wall_s": round(time.perf_counter() - start, 2), "time_limit_s": round(limit, 1)}


def measure_table(table, args, record, run_id):
    """Run the chosen arms on one table; update ``record`` (the table's recorded entry)."""
    arms = record.setdefault("arms", {})
    for arm in [a for a in ARMS if a in args.arms]:
        load = load_average()
        try:
            if arm == "dmflow":
                result = dmflow_arm(table, args)
            elif arm in PLAIN:
                result = plain_arm(arm, table, args)
            else:
                result = autogluon_arm(table, args, arms.get("dmflow", {}).get("run_s"))
        except (RuntimeError, OSError, ValueError, KeyError, subprocess.TimeoutExpired) as err:
            logger.warning("%s on %s failed: %s", arm, table["name"], err)
            result = {"error": str(err).strip().splitlines()[-1][:500] if str(err).strip() else repr(err)}
        arms[arm] = {**result, "run": run_id, "load_before": load}
        logger.info("%s on %s: %s", arm, table["name"],
                    {k: v for k, v in arms[arm].items() if k in ("auc", "wall_s", "error")})


def recorded(args):
    path = RESULTS / f"{args.stem}.json"
    if args.fresh or not path.exists():
        return {"settings": SETTINGS, "tables": {}, "runs": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    payload = recorded(args)
    if args.rebuild:
        print(*write_results(args.stem, payload, quality_markdown(payload)), sep="\n")
        return 0
    if payload.get("settings") != SETTINGS:
        raise SystemExit("The recorded results used other split settings; rerun with --fresh.")
    run_id = datetime.now(UTC).isoformat(timespec="seconds")
    commit, dirty = git_commit(ROOT)
    payload["runs"][run_id] = {"arms": args.arms, "tables": [], "machine": machine(),
                               "benchmark_commit": commit, "benchmark_dirty": dirty,
                               "load_start": load_average()}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dmflow-quality-") as tmp:
        for name, path, target in table_sources(args):
            table = write_split(name, path, target, Path(tmp))
            record = payload["tables"].get(name, {})
            if record.get("info", {}).get("split") != table["info"]["split"]:
                record = {}  # other rows than recorded: the old figures no longer compare
            record["info"] = table["info"]
            payload["tables"][name] = record
            measure_table(table, args, record, run_id)
            payload["runs"][run_id]["tables"].append(name)
            payload["runs"][run_id]["wall_s"] = round(time.perf_counter() - start, 1)
            paths = write_results(args.stem, payload, quality_markdown(payload))
    payload["runs"][run_id]["load_end"] = load_average()
    paths = write_results(args.stem, payload, quality_markdown(payload))
    print(*paths, sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
