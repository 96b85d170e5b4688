"""The whole flow on a small mixed table (binary and multi-class)."""

import json

import numpy as np
import pytest

from pipeline import RunConfig
from pipeline.errors import ConfigError
from pipeline.flow.runner import run
from pipeline.persistence import load_model
from tests.conftest import make_mixed_frame

RATES = {"accuracy", "misclassification_rate", "tpr", "fpr", "tnr", "precision", "prevalence", "f1",
         "roc_auc", "confusion_matrix"}
# Small and quick: two candidates per model, three folds, a small forest.
QUICK = dict(target="label", models=["logreg", "rf"], n_jobs=1, cv=3, n_candidates=2,
             model_params={"rf": {"n_estimators": 20}})


@pytest.fixture(scope="module")
def strict_and_article(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    data = root / "mixed.csv"
    make_mixed_frame(n=500).to_csv(data, index=False)
    common = dict(QUICK, data=str(data), out=str(root), outliers=["drop"], balance=["smote"])
    strict = run(RunConfig(**common), verbose=False)
    article = run(RunConfig(**common, protocol="article"), verbose=False)
    return strict, article


def test_run_folder_holds_every_artifact(strict_and_article):
    strict, _ = strict_and_article
    names = sorted(p.name for p in strict.path.iterdir())
    assert names == ["config.yaml", "figures.json", "metrics.json", "model", "report.html", "run.log"]
    on_disk = json.loads((strict.path / "metrics.json").read_text())
    assert on_disk["best_model"] == strict.best_model
    assert "Loading" in (strict.path / "run.log").read_text()


def test_metrics_cover_every_model_and_split(strict_and_article):
    metrics = strict_and_article[0].metrics
    for name in ("logreg", "rf"):
        entry = metrics["models"][name]
        for split in ("validation", "test"):
            assert RATES <= set(entry[split])
            assert 0.5 < entry[split]["roc_auc"] <= 1.0
        assert entry["reduction"]["method"] in {"lda", "none"}
        assert len(entry["cv"]["folds"]) == 3 and entry["cv"]["metric"] == "roc_auc"
        assert entry["cv"]["mean"] == pytest.approx(np.mean(entry["cv"]["folds"]))
        assert len(entry["search"]) == 2
    counts = metrics["dataset"]["class_counts"]
    assert sum(sum(c.values()) for c in counts.values()) == metrics["dataset"]["n_rows"]
    balance = metrics["phases"]["balance"]
    assert len(set(balance["class_counts_after"].values())) == 1  # SMOTE evened the classes
    assert metrics["phases"]["outliers"]["rows_removed"] >= 4  # the planted outliers
    # out-of-fold predictions cover every selection row once
    n_selection = sum(counts["selection"].values())
    assert np.sum(metrics["models"]["rf"]["validation"]["confusion_matrix"]) == n_selection


def test_best_model_has_the_best_cross_validated_score(strict_and_article):
    metrics = strict_and_article[0].metrics
    means = {name: m["cv"]["mean"] for name, m in metrics["models"].items()}
    assert set(means) == {"logreg", "rf", "ensemble"}
    best_single = max(("logreg", "rf"), key=means.get)
    # the ensemble replaces the best single model only when clearly ahead of it
    assert metrics["best_model"] in {best_single, "ensemble"}
    if metrics["best_model"] == "ensemble":
        assert means["ensemble"] > means[best_single]


def test_console_names_the_final_report_and_repr_is_short(tmp_path, caplog):
    data = tmp_path / "mixed.csv"
    make_mixed_frame(n=200).to_csv(data, index=False)
    # the package logger's own level too: an earlier command-line run in this process set it
    with caplog.at_level("INFO"), caplog.at_level("INFO", logger="pipeline"):
        result = run(RunConfig(data=str(data), target="label", models=["logreg"], n_jobs=1, cv=2,
                               n_candidates=1, out=str(tmp_path)), verbose=False)
    messages = [record.getMessage() for record in caplog.records]
    assert not [m for m in messages if ".partial" in m]  # the staging folder is gone when the run ends
    final = [m for m in messages if m.startswith("Run finished in")]
    assert len(final) == 1 and final[0].endswith(str(result.path / "report.html"))
    assert (result.path / "report.html").is_file()
    text = repr(result)
    assert len(text) < 300 and text.startswith("RunResult(") and "logreg" in text


def test_ensemble_lists_its_members_and_the_report_shows_them(strict_and_article):
    strict, _ = strict_and_article
    members = strict.metrics["models"]["ensemble"]["members"]
    assert set(members) <= {"logreg", "rf"} and sum(members.values()) == pytest.approx(1.0)
    html = (strict.path / "report.html").read_text()
    assert 'id="selection"' in html and html.count("<svg") >= 1
    if len(members) > 1:
        assert "Ensemble members" in html
    else:  # pruned to one model: no ensemble is formed, and the report says which model it is
        assert f"Not formed: pruned to {next(iter(members))}" in html


def test_refit_uses_every_non_test_row(strict_and_article):
    strict, _ = strict_and_article
    counts = strict.metrics["dataset"]["class_counts"]
    n_selection = sum(counts["selection"].values())
    for name in ("logreg", "rf"):
        steps = strict.models[name].named_steps
        seen = len(steps["outliers"].sample_indices_) + steps["outliers"].n_outliers_
        assert seen == n_selection  # the first step of the refit saw every non-test row
        assert sum(steps["balance"].class_counts_before_.values()) == len(steps["outliers"].sample_indices_)


def test_test_split_is_scored_row_for_row(strict_and_article):
    metrics = strict_and_article[0].metrics
    n_test = sum(metrics["dataset"]["class_counts"]["test"].values())
    for entry in metrics["models"].values():
        assert np.sum(entry["test"]["confusion_matrix"]) == n_test  # no row dropped or added


def test_article_protocol_differs_only_where_it_should(strict_and_article):
    strict, article = strict_and_article
    for name in ("logreg", "rf"):
        s, a = strict.metrics["models"][name], article.metrics["models"][name]
        assert s["validation"] == a["validation"] and s["test"] == a["test"] and s["params"] == a["params"]
        assert "test_article" not in s
        # the article balances the test split, so its confusion matrix holds more rows
        n_test = np.sum(s["test"]["confusion_matrix"])
        assert np.sum(a["test_article"]["confusion_matrix"]) > n_test
    assert "article" in (article.path / "report.html").read_text()


def test_saved_model_takes_raw_rows(strict_and_article):
    strict, _ = strict_and_article
    loaded = load_model(strict.path / "model")
    model, manifest = loaded.estimator_, loaded.manifest_
    rows = make_mixed_frame(n=30, seed=5).drop(columns="label")
    rows.loc[0, "colour"] = "ultraviolet"  # unseen category
    rows.loc[1, "x1"] = np.nan
    proba = model.predict_proba(rows)
    assert proba.shape == (30, 2) and np.isfinite(proba).all()
    np.testing.assert_allclose(proba, strict.estimator.predict_proba(rows))
    assert manifest["metadata"]["target"] == "label"
    assert manifest["metadata"]["model"] == strict.best_model


def test_same_seed_same_metrics(strict_and_article, tmp_path):
    strict, _ = strict_and_article
    config = RunConfig(**{**strict.metrics["run"]["config"], "out": str(tmp_path)})
    again = run(config, verbose=False)
    for name, entry in strict.metrics["models"].items():
        for split in ("validation", "test", "cv"):
            assert again.metrics["models"][name][split] == entry[split]


def test_holdout_selection_keeps_the_time_limit(tmp_path):
    # 500 trees on 1,600 rows: the forest's first candidate alone takes longer than the limit.
    data = tmp_path / "mixed.csv"
    make_mixed_frame(n=2000).to_csv(data, index=False)
    limit = 1.0
    config = RunConfig(**dict(QUICK, n_candidates=3, model_params={"rf": {"n_estimators": 500}}),
                       data=str(data), out=str(tmp_path), selection="holdout", time_limit=limit,
                       metric="balanced_accuracy")
    result = run(config, verbose=False)
    metrics = result.metrics
    selection = metrics["selection"]
    assert selection["method"] == "holdout" and selection["folds"] == 1
    assert selection["metric"] == "balanced_accuracy"
    # no fold started after the limit: the search ended at most one fold later
    assert selection["search_s"] <= limit + selection["longest_fold_s"] + 0.5
    run_s = metrics["run"]["duration_s"] + metrics["run"]["write_s"]
    assert selection["fixed_cost_s"] == pytest.approx(run_s - selection["search_s"], abs=0.02)
    # what the budget left out is listed with the reason; every model scored or is listed
    skipped = selection["skipped"]
    assert skipped and all(s["reason"] for s in skipped)
    for name in ("logreg", "rf"):
        assert name in metrics["models"] or {"model": name, "params": None,
                                             "reason": "no fold finished within time_limit=1 s"} in skipped
    assert json.loads((result.path / "metrics.json").read_text())["selection"] == selection
    html = (result.path / "report.html").read_text()
    assert "Skipped by the time limit" in html and "no fold started after it" in html


def test_a_time_limit_too_short_for_any_fold_fails_naming_it(tmp_path):
    data = tmp_path / "mixed.csv"
    make_mixed_frame(n=200).to_csv(data, index=False)
    out = tmp_path / "runs"
    config = RunConfig(**QUICK, data=str(data), out=str(out), time_limit=1e-9)
    with pytest.raises(ConfigError, match=r"time_limit=1e-09 s was spent before any model finished a fold"):
        run(config, verbose=False)
    assert list(out.iterdir()) == []  # no run folder, not even a partial one


def test_multiclass_run_reports_prevalence_per_class(tmp_path):
    data = tmp_path / "three.csv"
    make_mixed_frame(n=450, n_classes=3).to_csv(data, index=False)
    config = RunConfig(**QUICK, data=str(data), out=str(tmp_path), metric="log_loss")
    result = run(config, verbose=False)
    test = result.metrics["models"]["logreg"]["test"]
    assert np.shape(test["confusion_matrix"]) == (3, 3)
    assert 0.5 < test["roc_auc"] <= 1.0
    assert test["prevalence"] is None  # a macro mean would always be 1/3
    shares = [c["prevalence"] for c in test["per_class"].values()]
    assert sum(shares) == pytest.approx(1.0) and len(set(shares)) > 1
    prevalence = result.metrics["dataset"]["prevalence"]["test"]
    assert sorted(prevalence) == ["c0", "c1", "c2"] and sum(prevalence.values()) == pytest.approx(1.0)
    means = {n: m["cv"]["mean"] for n, m in result.metrics["models"].items()}
    assert means[result.best_model] == min(means.values())  # log loss: lower is better
    assert result.estimator.predict_proba(make_mixed_frame(n=5, seed=1).drop(columns="label")).shape == (5, 3)


def test_sequence_run_with_neural_models(tmp_path):
    import pandas as pd

    from pipeline.datasets import bundled_path

    frame = pd.read_csv(bundled_path("ecg200")).iloc[:120, :33]  # 120 series x 32 steps keeps it quick
    frame.to_csv(tmp_path / "series.csv", index=False)
    config = RunConfig(data=str(tmp_path / "series.csv"), target="label", kind="sequence",
                       models=["logreg", "gru", "transformer"], out=str(tmp_path), n_jobs=2, cv=2,
                       n_candidates=1, balance=["smote"], ensemble=False,
                       model_params={"gru": {"max_epochs": 5}, "transformer": {"max_epochs": 5}})
    result = run(config, verbose=False)
    metrics = result.metrics
    assert metrics["dataset"]["kind"] == "sequence"
    assert metrics["dataset"]["roles"] == {"sequence": {"n_steps": 32, "n_channels": 1}}
    assert metrics["run"]["config"]["models"] == ["logreg", "gru", "transformer"]
    for name in ("gru", "transformer"):
        assert metrics["models"][name]["reduction"] == {"method": "none", "n_components": None}
        assert metrics["models"][name]["test"]["roc_auc"] is not None
    after = metrics["phases"]["balance"]["class_counts_after"]
    assert len(set(after.values())) == 1
    html = (result.path / "report.html").read_text()
    for section in ('id="training"', 'id="attention"', 'id="positional-encoding"'):
        assert section in html
    # the saved best model takes raw series
    model = load_model(result.path / "model")
    assert model.manifest_["metadata"]["kind"] == "sequence"
    series = frame.drop(columns="label").to_numpy("float32")[:5, :, None]
    assert model.predict(series).shape == (5,)


def test_workers_start_at_once_unless_the_search_has_at_most_one_candidate_per_job():
    from pipeline.flow.runner import _start_after
    from pipeline.selection import START_AFTER_S

    assert _start_after(RunConfig(models=["logreg"], n_candidates=1, n_jobs=2)) == START_AFTER_S
    assert _start_after(RunConfig(models=["logreg", "hgb"], n_candidates=1, n_jobs=2)) == START_AFTER_S
    assert _start_after(RunConfig(models=["logreg", "hgb", "rf"], n_candidates=1, n_jobs=2)) == 0.0
    assert _start_after(RunConfig(models=["logreg"], n_jobs=2)) == 0.0  # its own 6 candidates
