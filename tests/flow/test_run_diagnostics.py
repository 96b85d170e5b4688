"""A run records curves, importance and its decision threshold; predict answers at that threshold;
--track logs it to MLflow."""

import json
from pathlib import Path

import mlflow  # the tracking extra is part of the test install
import numpy as np
import pytest

from pipeline.errors import ConfigError
from pipeline.evaluation import f1_optimal_threshold
from pipeline.flow.config import RunConfig, load_config
from pipeline.flow.runner import run
from pipeline.persistence import load_model
from pipeline.predict import predict_frame
from pipeline.reporting import shown_models


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    from tests.conftest import make_mixed_frame

    folder = tmp_path_factory.mktemp("tuned")
    make_mixed_frame(n=300, seed=4).to_csv(folder / "mixed.csv", index=False)
    config = RunConfig(data=str(folder / "mixed.csv"), target="label", models=["logreg", "rf"],
                       out=str(folder / "runs"), n_jobs=1, threshold="auto", selection="holdout",
                       track=(folder / "mlruns").as_uri())
    return run(config, verbose=False)


def test_every_model_has_curves_importance_and_an_auto_threshold(tuned):
    metrics = json.loads((tuned.path / "metrics.json").read_text(encoding="utf-8"))
    for model in metrics["models"].values():
        assert model["threshold"]["source"] == "auto" and 0 < model["threshold"]["value"] < 1
        assert set(model["curves"]) == {"average_precision", "pr_curve", "calibration", "thresholds"}
        columns = [c["column"] for c in model["importance"]["columns"]]
        assert sorted(columns) == ["colour", "size", "x1", "x2", "x3"]  # raw columns, one-hot groups merged
        assert columns[0] == "x1"  # the strongest term of the label's score
    report = (tuned.path / "report.html").read_text(encoding="utf-8")
    # an ensemble pruned to one member is that member, shown once under its own name
    shown, _ = shown_models(metrics["models"], None)
    assert report.count('<figure class="curve"><svg') == 3 * len(shown)


def test_auto_threshold_comes_from_validation_not_test(tuned):
    from sklearn.base import clone

    from pipeline.phases import train_val_test_split
    from tests.conftest import make_mixed_frame

    frame = make_mixed_frame(n=300, seed=4)
    X, y = frame.drop(columns="label"), frame["label"]
    X = X[["x1", "x2", "x3", "colour", "size"]]
    X_train, X_val, _, y_train, y_val, _ = train_val_test_split(X, y, test_size=0.2, val_size=0.2,
                                                                random_state=0)
    # The threshold is found on the selection predictions: those of the chosen
    # candidate fitted on the training part, scored on the validation part.
    model = clone(tuned.models["logreg"]).fit(X_train, y_train)
    score = model.predict_proba(X_val)[:, list(model.classes_).index("yes")]
    found = tuned.metrics["models"]["logreg"]["threshold"]["value"]
    assert found == f1_optimal_threshold(y_val == "yes", score)


def test_predict_answers_at_the_saved_threshold(tuned):
    from tests.conftest import make_mixed_frame

    model = load_model(tuned.path / "model")
    threshold = model.manifest_["metadata"]["threshold"]
    assert threshold == tuned.metrics["models"][tuned.best_model]["threshold"]["value"]
    rows = make_mixed_frame(n=120, seed=9)
    output = predict_frame(model, None, rows)
    assert model.threshold_ == threshold
    assert (model.predict(rows) == output["prediction"].to_numpy()).all()
    expected = np.where(output["proba_yes"] >= threshold, "yes", "no")
    assert (output["prediction"].to_numpy() == expected).all()


@pytest.mark.parametrize("value, message", [("1.5", "between 0.0 and 1.0"),
                                            ("often", "a number between 0 and 1"),
                                            (0, "between 0.0 and 1.0")])
def test_a_bad_threshold_is_refused_naming_the_key(value, message):
    with pytest.raises(ConfigError, match=f"`threshold`.*{message}"):
        load_config(threshold=value)


def test_threshold_flag_reads_a_number_or_auto():
    assert load_config(threshold="0.25").threshold == 0.25
    assert load_config(threshold="auto").threshold == "auto"


def test_a_tracked_run_leaves_an_mlflow_run_with_metrics_and_artifacts(tuned):
    uri = tuned.metrics["run"]["config"]["track"]
    client = mlflow.MlflowClient(tracking_uri=uri)
    runs = client.search_runs([client.get_experiment_by_name("dmflow").experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and len(children) == len(tuned.metrics["models"])  # the ensemble too
    parent = parents[0]
    assert parent.info.run_name == tuned.path.name
    assert parent.data.params["models"] == '["logreg", "rf"]' and parent.data.params["threshold"] == "auto"
    best_auc = tuned.metrics["models"][tuned.best_model]["test"]["roc_auc"]
    assert parent.data.metrics["best_test_roc_auc"] == best_auc
    assert {c.data.tags["mlflow.parentRunId"] for c in children} == {parent.info.run_id}
    assert {c.info.run_name for c in children} == set(tuned.metrics["models"])
    for child in children:
        model = tuned.metrics["models"][child.info.run_name]
        assert child.data.metrics["test_roc_auc"] == model["test"]["roc_auc"]
        assert child.data.metrics["test_average_precision"] == model["curves"]["average_precision"]
    artifacts = {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert {"report.html", "metrics.json", "config.yaml"} <= artifacts
    # the model folder, whole, as the data of a logged pyfunc model of the parent run
    experiment = client.get_experiment_by_name("dmflow").experiment_id
    logged = client.search_logged_models([experiment])
    (model_id,) = [m.model_id for m in logged if m.source_run_id == parent.info.run_id]
    model_files = {Path(a.path).name for a in client.list_logged_model_artifacts(model_id, "data/model")}
    assert model_files == {p.name for p in (tuned.path / "model").iterdir()}
