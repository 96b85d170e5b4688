"""Does ``time_limit`` bound a run? Wall time against the limit, with the search's own share.

Two cases through the CLI, as a user runs them:

- ``table-10k``: a 10,000-row, 3-class table from ``make_classification`` (20
  columns, 8 informative) with ``--time-limit 30``;
- ``ecg200``: the bundled ECG200 series with ``--time-limit 60``.

Each run's wall time is measured around the command; from its ``metrics.json``
come the search's seconds, its longest fold, and the fixed cost (the rest of the
run) when the code measured records them. ``DMFLOW_REPO`` (see ``_common``)
points the run at another checkout, to measure the code before a change; its
figures go under another ``--label``.

Run: ``python benchmarks/bench_budget.py --label after [--cases table-10k ecg200]``;
merges into ``results/budget.json`` and rewrites ``results/budget.md``.
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

#: Case name -> (time limit in seconds, the data argument or None for the generated table).
CASES = {"table-10k": (30.0, None), "ecg200": (60.0, "ecg200")}


def _table(folder):
    import pandas as pd
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=10_000, n_features=20, n_informative=8, n_classes=3,
                               random_state=0)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])]).assign(label=y)
    path = folder / "table-10k.csv"
    frame.to_csv(path, index=False)
    return path


def measure(case, folder):
    limit, data = CASES[case]
    flags = ["--data", data] if data else ["--data", _table(folder), "--target", "label"]
    wall_s, out = timed_command([sys.executable, "cli.py", "-q", "run", *flags, "--time-limit", limit,
                                 "--out", folder / "runs"], cwd=REPO)
    metrics = json.loads((Path(out.strip().splitlines()[-1]) / "metrics.json").read_text())
    selection = metrics["selection"]
    return {"time_limit_s": limit, "wall_s": round(wall_s, 1), "search_s": selection.get("search_s"),
            "longest_fold_s": selection.get("longest_fold_s"), "fixed_cost_s": selection.get("fixed_cost_s"),
            "candidates": selection.get("candidates"), "skipped": len(selection.get("skipped") or []),
            "best_model": metrics["best_model"]}


def markdown(payload):
    rows = [[label, case, fmt(r["time_limit_s"], 0), fmt(r["wall_s"], 1), fmt(r["search_s"], 1),
             fmt(r["longest_fold_s"], 1), fmt(r["fixed_cost_s"], 1), r["candidates"], r["skipped"],
             r["best_model"]]
            for label, arm in payload["arms"].items() for case, r in arm["cases"].items()]
    commits = "; ".join(f"{label}: {arm['commit']}" for label, arm in payload["arms"].items())
    return "\n".join([
        "# The time budget",
        "",
        "Command: `python benchmarks/bench_budget.py --label LABEL` (with `DMFLOW_REPO` set to the "
        f"checkout measured). Commits: {commits}. Seconds; one run each.",
        "",
        table(["arm", "case", "time limit", "wall", "search", "longest fold", "fixed cost", "candidates",
               "skipped", "best"], rows),
        "",
        "Wall time is the whole `dmflow run` command (interpreter start and imports included); the "
        "search, its longest fold and the fixed cost (the rest of the run) come from `metrics.json`, "
        "where the code measured records them (– where it did not).",
        "",
        machine_markdown(payload["machine"]),
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", required=True, help="name of this arm, e.g. before or after")
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    args = parser.parse_args(argv)
    stored = RESULTS / "budget.json"
    payload = json.loads(stored.read_text()) if stored.exists() else {"arms": {}}
    commit, dirty = git_commit(REPO, ("pipeline", "cli.py"))
    with tempfile.TemporaryDirectory(prefix="dmflow-budget-") as work:
        cases = {case: measure(case, Path(work)) for case in args.cases}
    payload["machine"] = machine()
    payload["arms"][args.label] = {"commit": f"{commit}{' (uncommitted changes)' if dirty else ''}",
                                   "cases": cases}
    for path in write_results("budget", payload, markdown(payload)):
        print(path)


if __name__ == "__main__":
    main()
