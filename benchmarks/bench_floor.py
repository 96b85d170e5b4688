"""The fixed cost of a dmflow run: the least search a run can do, against the default one.

For every table of the quality benchmark (the same 75/25 split), two runs through
the CLI, each followed by ``dmflow predict`` on the test rows, as the quality
benchmark times them:

- ``floor``: one logistic regression at its defaults (``--models logreg
  --n-candidates 1 --no-ensemble``), so nearly all of its time is what every run
  pays whatever it searches: starting Python and importing the libraries, the
  search workers, the diagnostics, the report's figures, the model folder and,
  for the prediction, loading the model;
- ``default``: the default run.

The two arms alternate per table and repeat; the tables hold medians.

Run: ``python benchmarks/bench_floor.py --tables DIR [--repeats 2]``; writes
``results/floor.json`` and ``results/floor.md``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from _common import fmt, git_commit, machine, machine_markdown, table, timed_command, write_results
from _quality_split import listed_tables, read_split

ROOT = Path(__file__).resolve().parent.parent
ARMS = {"floor": ["--models", "logreg", "--n-candidates", "1", "--no-ensemble"], "default": []}
KEYS = ("run_s", "predict_s", "total_s")


def write_split(path, target, folder):
    split = read_split(path, target)  # the quality benchmark's split
    folder.mkdir(parents=True)
    split.train.to_csv(folder / "train.csv", index=False)
    split.test.drop(columns=[target]).to_csv(folder / "test.csv", index=False)


def timed_run(python, folder, target, flags):
    run_s, out = timed_command([python, "cli.py", "-q", "run", "--data", folder / "train.csv", "--target",
                                target, "--out", folder / "runs", *flags], cwd=ROOT)
    model = Path(out.strip().splitlines()[-1]) / "model"
    predict_s, _ = timed_command([python, "cli.py", "-q", "predict", "--model", model, "--data",
                                  folder / "test.csv", "--out", folder / "predictions.csv"], cwd=ROOT)
    return {"run_s": round(run_s, 2), "predict_s": round(predict_s, 2),
            "total_s": round(run_s + predict_s, 2)}


def measure(tables, python, repeats):
    results = {}
    with tempfile.TemporaryDirectory(prefix="dmflow-floor-") as work:
        for name, (path, target) in tables.items():
            folder = Path(work) / name
            write_split(path, target, folder)
            runs = {arm: [] for arm in ARMS}
            for _ in range(repeats):
                for arm, flags in ARMS.items():
                    runs[arm].append(timed_run(python, folder, target, flags))
            results[name] = runs
    return results


def markdown(payload):
    rows = []
    for name, runs in payload["tables"].items():
        med = {arm: {key: statistics.median(r[key] for r in runs[arm]) for key in KEYS} for arm in ARMS}
        rows.append([name, fmt(med["floor"]["run_s"], 1), fmt(med["floor"]["predict_s"], 1),
                     fmt(med["floor"]["total_s"], 1), fmt(med["default"]["total_s"], 1),
                     f"{med['floor']['total_s'] / med['default']['total_s']:.0%}"])
    return "\n".join([
        "# The fixed cost of a run",
        "",
        f"Command: `python benchmarks/bench_floor.py --tables DIR --repeats {payload['repeats']}` at "
        f"{payload['commit']}. Each table's 75 % training split (as in `quality.md`) to `dmflow run`, its "
        "25 % test rows to `dmflow predict`; medians of the repeats, seconds.",
        "",
        table(["table", "floor run", "floor predict", "floor total", "default run + predict",
               "floor / default"], rows),
        "",
        "The floor fits one logistic regression per fold and once on all rows, with no ensemble; the rest "
        "of its time (interpreter and library imports, diagnostics, the report's figures, the model "
        "folder, loading the model to predict) every run pays. Its fits take under a second, so they "
        "run in the main process and no worker process starts.",
        "",
        machine_markdown(payload["machine"]),
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", required=True, help="folder of tables with a DATASETS.md")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each arm per table (default: 2)")
    venv = ROOT / ".venv" / "bin" / "python"
    parser.add_argument("--python", default=str(venv) if venv.exists() else sys.executable,
                        help="interpreter with dmflow installed (default: .venv/bin/python when present, "
                             "else this one)")
    args = parser.parse_args(argv)
    commit, dirty = git_commit(ROOT, ("pipeline", "cli.py", "pyproject.toml"))
    payload = {"machine": machine(), "repeats": args.repeats,
               "commit": f"{commit}{' (uncommitted changes)' if dirty else ''}",
               "tables": measure(listed_tables(args.tables), args.python, args.repeats)}
    for path in write_results("floor", payload, markdown(payload)):
        print(path)


if __name__ == "__main__":
    main()
