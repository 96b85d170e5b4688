"""--track logs a run to MLflow: a parent run with the config and artifacts, one nested run per model."""

import contextlib
import importlib.util
import io
from pathlib import Path

import pytest

from pipeline.cli import main

mlflow = pytest.importorskip("mlflow", reason="the tracking extra is part of the test install")


def test_a_tracked_run_leaves_an_mlflow_run_with_metrics_and_artifacts(tmp_path, mixed_csv, monkeypatch):
    monkeypatch.chdir(tmp_path)  # MLflow may write beside the working folder; keep it in tmp
    uri = (tmp_path / "mlruns").as_uri()
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["-q", "run", "--data", str(mixed_csv), "--target", "label", "--models", "logreg,rf",
                     "--n-jobs", "1", "--out", str(tmp_path / "runs"), "--track", uri])
    assert code == 0
    folder = Path(stdout.getvalue().strip().splitlines()[-1])
    client = mlflow.MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("dmflow")
    runs = client.search_runs([experiment.experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and len(children) == 2
    parent = parents[0]
    assert parent.info.run_name == folder.name
    assert parent.data.params["models"] == '["logreg", "rf"]' and parent.data.params["seed"] == "0"
    assert 0.5 < parent.data.metrics["best_test_roc_auc"] <= 1.0
    assert {c.data.tags["mlflow.parentRunId"] for c in children} == {parent.info.run_id}
    assert {c.info.run_name for c in children} == {"logreg", "rf"}
    for child in children:
        assert {"validation_roc_auc", "test_roc_auc", "test_average_precision"} <= set(child.data.metrics)
    artifacts = {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert {"report.html", "metrics.json", "config.yaml", "model"} <= artifacts
    model_files = {Path(a.path).name for a in client.list_artifacts(parent.info.run_id, "model")}
    assert model_files == {p.name for p in (folder / "model").iterdir()}


def test_without_mlflow_the_flag_says_what_to_install(tmp_path, mixed_csv, monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mlflow" else real(name, *a))
    code = main(["run", "--data", str(mixed_csv), "--out", str(tmp_path / "runs"), "--track", "file:./mlruns"])
    assert code == 78
    assert "pip install 'dmflow[tracking]'" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
