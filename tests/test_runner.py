"""The whole flow on a small mixed table (binary and multi-class)."""

import json

import numpy as np
import pytest

from pipeline.config import RunConfig
from pipeline.persistence import load_model
from pipeline.runner import run
from tests.conftest import make_mixed_frame

RATES = {"accuracy", "misclassification_rate", "tpr", "fpr", "tnr", "precision", "prevalence", "f1", "roc_auc",
         "confusion_matrix"}


@pytest.fixture(scope="module")
def strict_and_article(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    data = root / "mixed.csv"
    make_mixed_frame(n=500).to_csv(data, index=False)
    common = dict(data=str(data), target="label", models=["logreg", "rf"], out=str(root), n_jobs=1)
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
    counts = metrics["dataset"]["class_counts"]
    assert sum(sum(c.values()) for c in counts.values()) == metrics["dataset"]["n_rows"]
    balance = metrics["phases"]["balance"]
    assert len(set(balance["class_counts_after"].values())) == 1  # SMOTE evened the classes
    assert metrics["phases"]["outliers"]["rows_removed"] >= 4  # the planted outliers


def test_best_model_has_the_best_validation_auc(strict_and_article):
    metrics = strict_and_article[0].metrics
    aucs = {name: m["validation"]["roc_auc"] for name, m in metrics["models"].items()}
    assert aucs[metrics["best_model"]] == max(aucs.values())


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
        counts = np.sum(a["test_article"]["confusion_matrix"], axis=1)
        assert counts[0] == counts[1]
    assert "article" in (article.path / "report.html").read_text()


def test_saved_model_takes_raw_rows(strict_and_article):
    strict, _ = strict_and_article
    model, manifest = load_model(strict.path / "model")
    rows = make_mixed_frame(n=30, seed=5).drop(columns="label")
    rows.loc[0, "colour"] = "ultraviolet"  # unseen category
    rows.loc[1, "x1"] = np.nan
    proba = model.predict_proba(rows)
    assert proba.shape == (30, 2) and np.isfinite(proba).all()
    assert manifest["metadata"]["target"] == "label"


def test_same_seed_same_metrics(strict_and_article, tmp_path):
    strict, _ = strict_and_article
    config = RunConfig(**{**strict.metrics["run"]["config"], "out": str(tmp_path)})
    again = run(config, verbose=False)
    for name, entry in strict.metrics["models"].items():
        for split in ("validation", "test"):
            assert again.metrics["models"][name][split] == entry[split]


def test_multiclass_run(tmp_path):
    data = tmp_path / "three.csv"
    make_mixed_frame(n=450, n_classes=3).to_csv(data, index=False)
    result = run(RunConfig(data=str(data), target="label", models=["logreg"], out=str(tmp_path), n_jobs=1),
                 verbose=False)
    test = result.metrics["models"]["logreg"]["test"]
    assert np.shape(test["confusion_matrix"]) == (3, 3)
    assert 0.5 < test["roc_auc"] <= 1.0
    assert result.metrics["models"]["logreg"]["reduction"]["n_components"] in (None, 2)


def test_sequence_run_with_neural_models(tmp_path):
    import pandas as pd

    from pipeline.datasets import bundled_path

    frame = pd.read_csv(bundled_path("ecg200")).iloc[:120, :33]  # 120 series x 32 steps keeps it quick
    frame.to_csv(tmp_path / "series.csv", index=False)
    config = RunConfig(data=str(tmp_path / "series.csv"), target="label", kind="sequence",
                       models=["logreg", "gru", "transformer"], out=str(tmp_path), n_jobs=2,
                       model_params={"gru": {"max_epochs": 8}, "transformer": {"max_epochs": 8}})
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
    model, manifest = load_model(result.path / "model")
    assert manifest["metadata"]["kind"] == "sequence"
    series = frame.drop(columns="label").to_numpy("float32")[:5, :, None]
    assert model.predict(series).shape == (5,)
