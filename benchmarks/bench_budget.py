"""Does ``time_limit`` bound a run? Wall time against the limit, with the search's own share.

Cases, run through the CLI as a user runs them:

- ``adult``: the bundled Adult table (48,842 rows);
- ``table-1k``: a 1,000-row binary table from ``make_classification`` (20 columns,
  8 informative);
- ``table-10k``: a 10,000-row, 3-class table from ``make_classification`` (20
  columns, 8 informative);
- ``ecg200``: the bundled ECG200 series.

Each case runs with its own default limit, or with every limit of ``--limits``.
Each run's wall time is measured around the command; from its ``metrics.json``
come the search's seconds, its longest fold, and the fixed cost (the rest of the
run) when the code measured records them. ``DMFLOW_REPO`` (see ``_common``)
points the run at another checkout, to measure the code before a change; its
figures go under another ``--label``.

Run: ``python benchmarks/bench_budget.py --label after [--cases adult table-1k ecg200]
[--limits 30 60 120]``; merges into ``results/budget.json`` and rewrites
``results/budget.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from _common import (
    REPO,
    RESULTS,
    fmt,
    git_commit,
    machine,
    machine_markdown,
    table,
    timed_command,
    write_results,
)

#: Case name -> (default time limit in seconds, the data argument or the generated table's rows and classes).
CASES = {"adult": (60.0, "adult"), "table-1k": (30.0, (1_000, 2)), "table-10k": (30.0, (10_000, 3)),
         "ecg200": (60.0, "ecg200")}


def _table(folder, rows, classes):
    import pandas as pd
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=rows, n_features=20, n_informative=8, n_classes=classes,
                               random_state=0)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])]).assign(label=y)
    path = folder / f"table-{rows}.csv"
    frame.to_csv(path, index=False)
    return path


def measure(case, limit, folder):
    data = CASES[case][1]
    if isinstance(data, str):
        flags = ["--data", data]
    else:
        flags = ["--data", _table(folder, *data), "--target", "label"]
    wall_s, out = timed_command([sys.executable, "cli.py", "-q", "run", *flags, "--time-limit", limit,
                                 "--out", folder / "runs"], cwd=REPO)
    metrics = json.loads((Path(out.strip().splitlines()[-1]) / "metrics.json").read_text())
    selection = metrics["selection"]
    return {"case": case, "time_limit_s": limit, "wall_s": round(wall_s, 1),
            "search_s": selection.get("search_s"), "longest_fold_s": selection.get("longest_fold_s"),
            "fixed_cost_s": selection.get("fixed_cost_s"),
            "candidates": selection.get("candidates"), "skipped": len(selection.get("skipped") or []),
            "best_model": metrics["best_model"]}


def markdown(payload):
    rows = [[label, r.get("case", case), fmt(r["time_limit_s"], 0), fmt(r["wall_s"], 1),
             fmt(r["search_s"], 1), fmt(r["longest_fold_s"], 1), fmt(r["fixed_cost_s"], 1), r["candidates"],
             r["skipped"], r["best_model"]]
            for label, arm in payload["arms"].items() for case, r in arm["cases"].items()]
    commits = "; ".join(f"{label}: {arm['commit']}" for label, arm in payload["arms"].items())
    return "\n".join([
        "# The time budget",
        "",
        "Command: `python benchmarks/bench_budget.py --label LABEL [--cases ...] [--limits ...]` (with "
        f"`DMFLOW_REPO` set to the checkout measured). Commits: {commits}. Seconds; one run each.",
        "",
        table(["arm", "case", "time limit", "wall", "search", "longest fold", "fixed cost", "candidates",
               "skipped", "best"], rows),
        "",
        "Wall time is the whole `dmflow run` command (interpreter start and imports included); the "
        "search, its longest fold and the fixed cost (the rest of the run) come from `metrics.json`, "
        "where the code measured records them (– where it did not). The contract: wall time at most "
        "the time limit plus the fixed cost, and the search's overrun at most its longest fold (a "
        "fold that started before the limit finishes).",
        "",
        machine_markdown(payload["machine"]),
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", required=True, help="name of this arm, e.g. before or after")
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--limits", nargs="+", type=float, default=None,
                        help="time limits to run every case with (default: each case's own)")
    args = parser.parse_args(argv)
    runs = [(case, limit) for case in args.cases for limit in (args.limits or [CASES[case][0]])]
    stored = RESULTS / "budget.json"
    payload = json.loads(stored.read_text()) if stored.exists() else {"arms": {}}
    commit, dirty = git_commit(REPO, ("pipeline", "cli.py"))
    with tempfile.TemporaryDirectory(prefix="dmflow-budget-") as work:
        cases = {f"{case}@{limit:g}": measure(case, limit, Path(work)) for case, limit in runs}
    payload["machine"] = machine()
    commit = f"{commit}{' (uncommitted changes)' if dirty else ''}"
    arm = payload["arms"].get(args.label)
    if arm is not None and arm["commit"] == commit:  # more cases of the same code
        cases = {**arm["cases"], **cases}
    payload["arms"][args.label] = {"commit": commit, "cases": cases}
    for path in write_results("budget", payload, markdown(payload)):
        print(path)


if __name__ == "__main__":
    main()
