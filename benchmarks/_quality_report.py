"""The quality benchmark's tables, differences and means, rebuilt from the recorded arms."""

from __future__ import annotations

import statistics

from _common import fmt, machine_markdown, table

ARMS = ("dmflow", "hgb", "logreg", "rf", "autogluon")
PLAIN = ("hgb", "logreg", "rf")
LABELS = {"dmflow": "dmflow", "hgb": "HGB", "logreg": "logreg", "rf": "RF 300",
          "autogluon": "AutoGluon"}
# The targets for the default run, checked in the summary lines: the mean test AUC at least
# AHEAD_OF_AUTOGLUON above AutoGluon's, no table more than AUTOGLUON_LIMIT below it, and no
# more wall time than AutoGluon on any table. The plain pipelines are context.
BELOW_PLAIN_LIMIT, AUTOGLUON_LIMIT, AHEAD_OF_AUTOGLUON = 0.02, 0.01, 0.005


def auc_of(record, arm):
    return record.get("arms", {}).get(arm, {}).get("auc")


def compare(record):
    """Per-table figures: each arm's AUC, the best plain pipeline and dmflow's differences.

    >>> row = compare({"arms": {"dmflow": {"auc": 0.8}, "hgb": {"auc": 0.85}, "logreg": {"auc": 0.9},
    ...                         "rf": {"auc": 0.7}, "autogluon": {"auc": 0.82}}})
    >>> row["best_plain"], row["best_plain_arm"]
    (0.9, 'logreg')
    >>> round(row["minus_plain"], 3), round(row["minus_autogluon"], 3)
    (-0.1, -0.02)
    """
    row = {arm: auc_of(record, arm) for arm in ARMS}
    plain = {arm: row[arm] for arm in PLAIN if row[arm] is not None}
    best = max(plain, key=plain.get) if len(plain) == len(PLAIN) else None
    row["best_plain_arm"], row["best_plain"] = best, plain.get(best)
    row["minus_plain"] = _minus(row["dmflow"], row["best_plain"])
    row["minus_autogluon"] = _minus(row["dmflow"], row["autogluon"])
    return row


def _minus(a, b):
    return None if a is None or b is None else a - b


def means(rows):
    """Mean of every column over the tables where every arm has a figure; and their count.

    >>> means([{"a": 1.0, "b": 2.0}, {"a": 3.0, "b": None}])
    ({'a': 1.0, 'b': 2.0}, 1)
    """
    complete = [row for row in rows if all(row[k] is not None for k in row if not k.endswith("_arm"))]
    keys = [k for k in (rows[0] if rows else {}) if not k.endswith("_arm")]
    return ({k: statistics.fmean(row[k] for row in complete) if complete else None for k in keys},
            len(complete))


def _signed(value):
    return "–" if value is None else f"{value:+.4f}"


def auc_section(tables, binary):
    rows, lines = [], []
    for name in binary:
        row = compare(tables[name])
        rows.append(row)
        info = tables[name]["info"]
        lines.append([name, f"{info['rows_train']:,}/{info['rows_test']:,}",
                      *(fmt(row[arm], 4) for arm in ARMS),
                      f"{fmt(row['best_plain'], 4)} ({LABELS.get(row['best_plain_arm'], '–')})",
                      _signed(row["minus_plain"]), _signed(row["minus_autogluon"])])
    mean, n = means([{k: v for k, v in row.items()} for row in rows])
    lines.append([f"**mean** ({n} tables)", "", *(fmt(mean.get(arm), 4) for arm in ARMS),
                  fmt(mean.get("best_plain"), 4), _signed(mean.get("minus_plain")),
                  _signed(mean.get("minus_autogluon"))])
    header = ["table", "train/test rows", *(LABELS[a] for a in ARMS), "best plain",
              "dmflow − best plain", "dmflow − AutoGluon"]
    return table(header, lines), rows, mean, n


def targets_line(rows, mean, n):
    if not n or mean.get("minus_plain") is None or mean.get("minus_autogluon") is None:
        return "Targets not checked: not every arm has a figure on every table."
    below = [row for row in rows if row["minus_plain"] is not None
             and row["minus_plain"] < -BELOW_PLAIN_LIMIT]
    behind = sum(1 for row in rows if row["minus_plain"] is not None and row["minus_plain"] < 0)
    far_behind = [row for row in rows if row["minus_autogluon"] is not None
                  and row["minus_autogluon"] < -AUTOGLUON_LIMIT]
    ahead = mean["minus_autogluon"] >= AHEAD_OF_AUTOGLUON
    return (f"dmflow's mean test AUC is {mean['minus_autogluon']:+.4f} from AutoGluon's (target "
            f"≥ +{AHEAD_OF_AUTOGLUON}: {'met' if ahead else 'missed'}); it is more than "
            f"{AUTOGLUON_LIMIT} below it on {len(far_behind)} of {len(rows)} tables (target 0: "
            f"{'met' if not far_behind else 'missed'}). Against the best plain pipeline per table: "
            f"{mean['minus_plain']:+.4f}, below it on {behind} tables, by more than {BELOW_PLAIN_LIMIT} "
            f"on {len(below)}.")


def time_section(tables, names):
    lines = []
    for name in names:
        arms = tables[name].get("arms", {})
        wall = {arm: arms.get(arm, {}).get("wall_s") for arm in ARMS}
        dm, ag = arms.get("dmflow", {}), arms.get("autogluon", {})
        ratio = (None if wall["dmflow"] is None or wall["autogluon"] is None
                 else wall["dmflow"] / wall["autogluon"])
        lines.append([name, f"{fmt(wall['dmflow'], 1)} ({fmt(dm.get('run_s'), 1)} + "
                      f"{fmt(dm.get('predict_s'), 1)})", *(fmt(wall[a], 1) for a in PLAIN),
                      f"{fmt(wall['autogluon'], 1)} (limit {fmt(ag.get('time_limit_s'), 1)})",
                      fmt(ratio, 2)])
    header = ["table", "dmflow (run + predict)", *(LABELS[a] for a in PLAIN),
              "AutoGluon (its time limit)", "dmflow / AutoGluon"]
    ratios = [line[-1] for line in lines if line[-1] != fmt(None, 2)]
    within = sum(1 for r in ratios if float(r) <= 1.0)
    verdict = (f"dmflow's wall time is at most AutoGluon's on {within} of {len(ratios)} tables "
               f"(target: all, {'met' if ratios and within == len(ratios) else 'missed'}).")
    return table(header, lines) + "\n\n" + verdict


def multiclass_section(tables, names):
    lines = [[name, f"{tables[name]['info']['n_classes']}",
              *(fmt(auc_of(tables[name], arm), 4) for arm in ARMS)] for name in names]
    return table(["table", "classes", *(LABELS[a] for a in ARMS)], lines)


def detail_section(tables, names):
    lines = []
    for name in names:
        arms = tables[name].get("arms", {})
        dm, ag = arms.get("dmflow", {}), arms.get("autogluon", {})
        lines.append([name, dm.get("model", "–"), fmt(dm.get("validation_auc"), 4),
                      fmt(dm.get("auc"), 4), ag.get("best_model", "–"),
                      ag.get("models_fitted", "–")])
    return table(["table", "dmflow's pick", "its validation AUC", "its test AUC",
                  "AutoGluon's best", "AutoGluon models fitted"], lines)


def errors_section(tables):
    found = [f"- {name}, {LABELS[arm]}: {entry['error']}" for name, record in tables.items()
             for arm, entry in record.get("arms", {}).items() if "error" in entry]
    return ["## Arms that failed", "", *found, ""] if found else []


def _dmflow_commits(payload, run_id):
    """The dmflow commits the run's dmflow figures were measured at.

    The last commit that changed dmflow's sources when recorded (commits that only touch
    the benchmarks leave dmflow as it was), else the checkout's HEAD.
    """
    found = set()
    for record in payload["tables"].values():
        entry = record.get("arms", {}).get("dmflow", {})
        if entry.get("run") == run_id and "error" not in entry:
            commit = entry.get("sources_commit") or entry.get("commit") or "?"
            found.add(f"{commit[:10]}"
                      f"{' (with uncommitted changes)' if entry.get('dirty') else ''}")
    return sorted(found)


def provenance_section(payload):
    """Which run (and dmflow commit) each recorded figure comes from."""
    used = {}
    for record in payload["tables"].values():
        for arm, entry in record.get("arms", {}).items():
            used.setdefault(entry["run"], set()).add(arm)
    commits = {c for run_id in used for c in _dmflow_commits(payload, run_id)}
    lines = ["## Where the figures come from", ""]
    if len(used) > 1 or len(commits) > 1:
        lines += ["**The arms come from different runs or dmflow commits** (below); the "
                  "tables, differences and means mix them.", ""]
    for run_id in sorted(used):
        run, commits = payload["runs"][run_id], _dmflow_commits(payload, run_id)
        lines.append(f"- Run {run_id}: arms {', '.join(LABELS[a] for a in ARMS if a in used[run_id])}"
                     f"{'; dmflow at commit ' + ', '.join(commits) if commits else ''}; "
                     f"{fmt(run.get('wall_s'), 0)} s in all; 1-minute load average "
                     f"{run.get('load_start', '–')} at its start, {run.get('load_end', '–')} at its end.")
    if used:
        lines += ["", machine_markdown(payload["runs"][max(used)]["machine"])]
    return lines


NOTES = [
    "The machine is shared: other jobs used the same 2 cores while this ran (see the load "
    "averages below), so the seconds are noisy; read the ratios and the AUCs.",
    "dmflow runs with its defaults (2 parallel fits); AutoGluon with its defaults, its time limit "
    "set to dmflow's measured `run` time on the same table. The limit covers AutoGluon's fitting "
    "only; its wall time also counts importing it and predicting.",
    "dmflow's wall time is that of its two commands as a user waits for them (interpreter start, "
    "reading the CSV, the run folder with its report, then prediction); each plain pipeline's is "
    "its whole child process.",
    "Test AUC is on the same held-out 25 % for every arm. dmflow's validation AUC (of its pick, on "
    "its own internal split of the 75 %) is shown beside it.",
    "HGB: {hgb}. Logistic regression: {logreg}. Random forest (300 trees, 2 jobs): {rf}.",
    "Columns that only number the rows (the tables' `rownames`) are dropped for every arm.",
]


def quality_markdown(payload):
    """The whole results page from the recorded payload."""
    from _plain_child import ENCODING

    tables = payload["tables"]
    binary = [name for name, record in tables.items() if record["info"]["n_classes"] == 2]
    multi = [name for name, record in tables.items() if record["info"]["n_classes"] > 2]
    auc_table, rows, mean, n = auc_section(tables, binary)
    settings = payload["settings"]
    lines = ["# Model quality: dmflow's default run against plain scikit-learn and AutoGluon", "",
             "`python benchmarks/bench_quality.py --tables TABLES_DIR --autogluon-python "
             "AG_ENV/bin/python` (see benchmarks/README.md). Each table split "
             f"{100 - 100 * settings['test_size']:.0f}/{100 * settings['test_size']:.0f}, "
             f"stratified, seed {settings['seed']}; AutoGluon-Tabular preset "
             f"`{settings['autogluon_preset']}`.", "", "## Test ROC AUC", "", auc_table, "",
             targets_line(rows, mean, n), ""]
    if multi:
        lines += ["## More than two classes: macro one-vs-rest test ROC AUC (not in the means)", "",
                  multiclass_section(tables, multi), "",
                  "AutoGluon optimises log loss here (its ROC AUC metric is binary only).", ""]
    lines += ["## Wall time, seconds", "", time_section(tables, binary + multi), "",
              "## The picks", "", detail_section(tables, binary + multi), "",
              *errors_section(tables), "## Notes", "",
              *(f"- {note.format(**ENCODING)}" for note in NOTES), "",
              *provenance_section(payload)]
    return "\n".join(lines)
