"""The article protocol: every model and data kind, each step refitted on test rows as the article does."""

import json

import numpy as np
import pandas as pd
import pytest

from pipeline import RunConfig
from pipeline.datasets import infer_roles
from pipeline.evaluation._protocol import article_proba, article_test_split, refitted_steps
from pipeline.flow.runner import run
from pipeline.models import MODELS, build_model
from pipeline.selection import EnsembleClassifier
from tests.conftest import make_mixed_frame


@pytest.fixture(scope="module")
def table():
    frame = make_mixed_frame(n=300)
    X, y = frame.drop(columns="label"), frame["label"].to_numpy()
    return X.iloc[:200], y[:200], X.iloc[200:].reset_index(drop=True), y[200:], infer_roles(X)


def _fitted(name, table, **options):
    X, y, _, _, roles = table
    # The article's steps, unless a test asks for other variants: the search's
    # own first variants are not what this protocol is about.
    options = {"outliers": "drop", "balance": "smote", **options}
    model = build_model(name, RunConfig(models=[name], **options), roles)
    if MODELS[name].neural:
        model.set_params(model__max_epochs=2)
    return model.fit(X, y)


def test_table_model_gets_its_own_outliers_smote_and_lda_on_test_rows(table):
    _, _, X_test, y_test, _ = table
    model = _fitted("logreg", table, reduce=["lda"])
    assert refitted_steps(model) == ["outliers (drop)", "balance (smote)", "reduce (lda)"]
    X_spiked = X_test.copy()
    remover = model.named_steps["outliers"]
    majority = pd.Series(y_test).value_counts().idxmax()
    row = int(np.flatnonzero(y_test == majority)[0])
    X_spiked.loc[row, remover.columns_[0]] = 1e6  # far out on the test rows' own scale
    Xt, yt = article_test_split(model, X_spiked, y_test)
    counts = pd.Series(yt).value_counts()
    assert counts.nunique() == 1  # balanced by a SMOTE fitted on the test rows
    # The test split's own outlier treatment drops the spiked majority row, so
    # the majority class (which SMOTE leaves alone) is one row short.
    X_kept, y_kept = type(remover)(remover.threshold, columns=remover.columns).fit_resample(X_spiked, y_test)
    assert row not in X_kept.index
    assert counts[majority] == (y_kept == majority).sum() < (y_test == majority).sum()
    # An LDA fitted on the (balanced) test rows: one axis, centred on them.
    assert Xt.shape == (len(yt), 1)
    assert abs(float(np.mean(Xt))) < 1e-4

@pytest.mark.parametrize(("name", "options", "expected"), [
    ("lstm", {}, ["outliers (drop)"]),  # a neural model: searched without reduction, nor SMOTE
    ("mlp", {"reduce": ["none"]}, ["outliers (drop)"]),
    ("logreg", {"outliers": "clip", "reduce": ["pca"]},
     ["outliers (clip)", "balance (smote)", "reduce (pca)"]),
    ("logreg", {"outliers": "none", "balance": "none", "reduce": ["none"]}, []),
])
def test_refitted_steps_name_exactly_what_the_pipeline_has(table, name, options, expected):
    _, _, X_test, y_test, _ = table
    model = _fitted(name, table, **options)
    assert refitted_steps(model) == expected
    Xt, yt = article_test_split(model, X_test, y_test)
    proba = model[-1].predict_proba(Xt)
    assert proba.shape == (len(yt), 2)
    if not expected:  # nothing refitted: the strict test split, row for row
        np.testing.assert_allclose(proba, model.predict_proba(X_test))


@pytest.mark.parametrize(("name", "expected"), [
    ("gru", ["prepare (clip)"]),  # neural: never after SMOTE
    ("logreg", ["prepare (clip)", "balance (smote)"]),
])
def test_sequence_pipelines_refit_their_scaler_and_smote(name, expected):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 8, 1)).astype(np.float32)
    y = np.where(X[:, :, 0].mean(axis=1) > 0.2, "up", "down")
    model = build_model(name, RunConfig(models=[name], outliers="drop", balance="smote"), kind="sequence")
    if name == "gru":
        model.set_params(model__max_epochs=2)
    model.fit(X[:60], y[:60])
    assert refitted_steps(model) == expected
    Xt, yt = article_test_split(model, X[60:], y[60:])
    assert len(Xt) == len(yt)
    assert (pd.Series(yt).value_counts().nunique() == 1) == ("balance (smote)" in expected)
    assert model[-1].predict_proba(Xt).shape == (len(yt), 2)


def test_ensemble_is_scored_the_article_way_through_its_members(table):
    _, _, X_test, y_test, _ = table
    leaky = _fitted("logreg", table, reduce=["lda"])
    plain = _fitted("logreg", table, outliers="none", balance="none", reduce=["none"])
    ensemble = EnsembleClassifier([("leaky", leaky), ("plain", plain)], [3, 1]).fit()
    assert refitted_steps(ensemble) == [f"leaky: {step}" for step in refitted_steps(leaky)]
    assert refitted_steps(leaky) == ["outliers (drop)", "balance (smote)", "reduce (lda)"]
    proba, yt = article_proba(ensemble, X_test, y_test)
    # the members resample the test rows differently: the blend is scored on the rows themselves
    assert proba.shape == (len(y_test), 2) and np.array_equal(yt, y_test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # the plain member refits nothing, so the leak is the leaky member's refitted steps alone
    leaky_article = (proba - 0.25 * plain.predict_proba(X_test)) / 0.75
    assert not np.allclose(leaky_article, leaky.predict_proba(X_test))
    alone, _ = article_proba(EnsembleClassifier([("plain", plain)], [1]).fit(), X_test, y_test)
    np.testing.assert_allclose(alone, plain.predict_proba(X_test))


def test_article_run_on_sequences_reports_the_refitted_steps(tmp_path):
    rng = np.random.default_rng(1)
    values = rng.normal(size=(120, 10)).astype(np.float32)
    frame = pd.DataFrame(values, columns=[f"t{i}" for i in range(10)])
    frame["label"] = np.where(values.mean(axis=1) > 0.1, "a", "b")
    frame.to_csv(tmp_path / "series.csv", index=False)
    config = RunConfig(data=str(tmp_path / "series.csv"), target="label", kind="sequence",
                       models=["gru", "logreg"], protocol="article", out=str(tmp_path), n_jobs=1,
                       outliers="drop", balance="smote",
                       model_params={"gru": {"max_epochs": 2}})
    result = run(config, verbose=False)
    metrics = json.loads((result.path / "metrics.json").read_text())
    assert metrics["models"]["gru"]["article_refitted"] == ["prepare (clip)"]  # neural: no SMOTE
    assert metrics["models"]["logreg"]["article_refitted"] == ["prepare (clip)", "balance (smote)"]
    for name in ("gru", "logreg"):
        assert metrics["models"][name]["test_article"]["roc_auc"] is not None
    html = (result.path / "report.html").read_text(encoding="utf-8")
    assert "Refitted on the test split: prepare (clip), balance (smote)." in html
    assert "Refitted on the test split: prepare (clip)." in html


def test_table_article_run_says_when_nothing_is_refitted(tmp_path):
    make_mixed_frame(n=200).to_csv(tmp_path / "mixed.csv", index=False)
    config = RunConfig(data=str(tmp_path / "mixed.csv"), target="label", models=["logreg"],
                       protocol="article", outliers="none", balance="none", reduce=["none"],
                       out=str(tmp_path), n_jobs=1)
    result = run(config, verbose=False)
    assert result.metrics["models"]["logreg"]["article_refitted"] == []
    html = (result.path / "report.html").read_text(encoding="utf-8")
    assert "Refitted on the test split: nothing" in html
