"""What the ensemble rule costs or saves: every fitted model of a default run, scored on unseen rows.

A default run fits each model's best candidate and, when several are left, their
weighted ensemble; it then picks the ensemble only when it is clearly ahead of the
best single model in cross-validation (more than two standard errors of the
fold-by-fold differences). This benchmark asks how that choice does on rows the
run never saw: on the quality benchmark's splits (75/25, stratified, seed 0,
row-number columns dropped), it runs the flow from Python with its defaults on the
training rows and scores *every* fitted model on the test rows. Three policies are
then compared on the same models:

- ``rule``: the run's own pick (the ensemble only when clearly ahead);
- ``ensemble``: the ensemble whenever one was formed;
- ``best CV``: the highest cross-validated mean, ensemble included, with no margin.

Binary tables only (the quality benchmark's means are over those). Run:
``python benchmarks/bench_ensemble_rule.py --tables DIR [--only adult,OJ]``; writes
``results/ensemble-rule.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

import pandas as pd
from _common import REPO, fmt, git_commit, machine, machine_markdown, table, write_results
from _quality_split import heldout_auc, listed_tables, positive_label, read_split

import pipeline
from pipeline.persistence import FittedModel, describe_model

ADULT = ("adult", REPO / "data" / "adult" / "adult.csv.gz", "income")


def score_every_model(path, target, work):
    """Run the flow on the table's training rows; test ROC AUC and CV mean of every fitted model."""
    split = read_split(path, target)
    if split.train[target].nunique() != 2:
        return None
    data = Path(work) / f"{Path(path).name.split('.')[0]}-train.csv"
    split.train.to_csv(data, index=False)
    result = pipeline.run(pipeline.RunConfig(data=str(data), target=target, out=str(Path(work) / "runs")),
                          verbose=False)
    positive = positive_label(split.train[target])
    X, y = split.test.drop(columns=[target]), split.test[target]
    models = {}
    for name, estimator in result.models.items():
        model = FittedModel(estimator, describe_model(estimator, result.model_metadata)).fit()
        proba = pd.DataFrame(model.predict_proba(X), columns=[str(c) for c in model.classes_])
        cv = result.metrics.models[name].cv
        models[name] = {"test_auc": heldout_auc(y, proba, positive), "cv_mean": cv.mean if cv else None}
    return {"pick": result.metrics.best_model, "models": models}


def policies(found):
    """Test AUC of the model each policy picks."""
    models = found["models"]
    by_cv = max(models, key=lambda n: -1.0 if models[n]["cv_mean"] is None else models[n]["cv_mean"])
    ensemble = "ensemble" if "ensemble" in models else found["pick"]
    return {"rule": found["pick"], "ensemble": ensemble, "best CV": by_cv}


def markdown(payload):
    rows, totals = [], {}
    for name, found in payload["tables"].items():
        picks = policies(found)
        aucs = {policy: found["models"][model]["test_auc"] for policy, model in picks.items()}
        for policy, auc in aucs.items():
            totals.setdefault(policy, []).append(auc)
        singles = {n: m for n, m in found["models"].items() if n != "ensemble"}
        rows.append([name, *(f"{picks[p]} {fmt(aucs[p], 4)}" for p in picks),
                     ", ".join(f"{n} {fmt(m['test_auc'], 4)}" for n, m in singles.items())])
    means = {policy: sum(v) / len(v) for policy, v in totals.items()}
    rule = means["rule"]
    return "\n".join([
        "# The ensemble rule on unseen rows",
        "",
        f"Command: `python benchmarks/bench_ensemble_rule.py --tables DIR` at {payload['commit']}. "
        "Each binary table of the quality benchmark, split as there; a default run from Python on the "
        "training rows; every fitted model scored on the test rows (ROC AUC).",
        "",
        table(["table", "rule (the run's pick)", "ensemble when formed", "best CV mean", "single models"],
              rows),
        "",
        "Mean test ROC AUC over the tables: " + "; ".join(
            f"{policy} {means[policy]:.4f} ({means[policy] - rule:+.4f})" for policy in means) + ".",
        "",
        "`rule` picks the ensemble only when it leads the best single model in cross-validation by more "
        "than two standard errors of the fold-by-fold differences; `best CV` takes the highest "
        "cross-validated mean with no margin. All three choose among the same fitted models, so the "
        "differences are the policies' alone.",
        "",
        machine_markdown(payload["machine"]),
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", required=True, help="folder of tables with a DATASETS.md")
    parser.add_argument("--only", default=None, help="comma-separated table names (default: all, and adult)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("pipeline").setLevel(logging.ERROR)
    tables = {ADULT[0]: ADULT[1:], **listed_tables(args.tables)}
    if args.only:
        tables = {name: tables[name] for name in args.only.split(",")}
    commit, dirty = git_commit(REPO, ("pipeline",))
    found = {}
    with tempfile.TemporaryDirectory(prefix="dmflow-ensemble-rule-") as work:
        for name, (path, target) in tables.items():
            scored = score_every_model(path, target, work)
            if scored is not None:
                found[name] = scored
                logging.info("%s: %s", name, scored)
    payload = {"commit": f"{(commit or 'unknown')[:7]}{' (uncommitted changes)' if dirty else ''}",
               "machine": machine(), "tables": found}
    for path in write_results("ensemble-rule", payload, markdown(payload)):
        print(path)


if __name__ == "__main__":
    main()
