"""The model folder as an MLflow pyfunc model: loaded by MLflow, served by its scoring server."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import mlflow.pyfunc
import numpy as np
import pandas as pd
import pytest
import yaml

from pipeline import RunConfig
from pipeline.datasets import infer_roles
from pipeline.models import build_model
from pipeline.persistence import ModelFileError, load_model, save_model
from tests.conftest import make_mixed_frame

ROOT = Path(__file__).resolve().parent.parent
SERVER_START_S = 300  # a cold MLflow server on a busy 2-core machine


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    frame = make_mixed_frame(n=150)
    X, y = frame.drop(columns="label"), frame["label"]
    roles = infer_roles(X)
    X = X[roles.numeric + roles.categorical]
    fitted = build_model("logreg", RunConfig(models=["logreg"]), roles).fit(X, y)
    metadata = {"target": "label", "kind": "table", "roles": roles.to_dict(), "threshold": 0.3,
                "positive_class": "yes"}
    return save_model(fitted, tmp_path_factory.mktemp("pyfunc") / "model", metadata=metadata)


def _awkward_rows():
    """Rows in another column order, with a missing value and an unseen category."""
    rows = make_mixed_frame(n=6, seed=4).drop(columns="label")[["size", "x3", "colour", "x1", "x2"]]
    rows.loc[0, "x1"] = np.nan
    rows.loc[1, "colour"] = "ultraviolet"
    return rows


def test_the_folder_is_an_mlflow_model_checked_by_dmflow_on_load(folder):
    flavor = yaml.safe_load((folder / "MLmodel").read_text())["flavors"]["python_function"]
    assert flavor["loader_module"] == "pipeline.persistence._pyfunc"
    assert "MLmodel" in json.loads((folder / "manifest.json").read_text())["files"]
    rows = _awkward_rows()
    answer = mlflow.pyfunc.load_model(str(folder)).predict(rows)
    model = load_model(folder)
    assert answer["prediction"].tolist() == model.predict(rows).tolist()
    np.testing.assert_allclose(answer[["proba_no", "proba_yes"]], model.predict_proba(rows))


def test_an_altered_mlmodel_file_is_refused(folder, tmp_path):
    import shutil

    copy = Path(shutil.copytree(folder, tmp_path / "model"))
    (copy / "MLmodel").write_text((copy / "MLmodel").read_text().replace("_pyfunc", "_other"))
    with pytest.raises(ModelFileError, match="MLmodel.*does not match its recorded SHA-256"):
        load_model(copy)


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _post(url, payload):
    request = urllib.request.Request(url, data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def _wait_until_up(server, url):
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"mlflow models serve exited: {server.stderr.read()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(1)
    raise AssertionError(f"mlflow models serve did not answer {url} within {SERVER_START_S} s")


@pytest.mark.slow
def test_mlflow_models_serve_answers_rows_with_gaps_and_unseen_categories(folder):
    port = _free_port()
    # MLflow starts the `uvicorn` command: found beside this interpreter, as in an activated venv
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": path}
    command = [sys.executable, "-m", "mlflow", "models", "serve", "-m", str(folder),
               "--env-manager", "local", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True, start_new_session=True)
    try:
        _wait_until_up(server, f"http://127.0.0.1:{port}/ping")
        rows = _awkward_rows()
        split = json.loads(rows.to_json(orient="split", index=False))  # NaN travels as null
        answer = _post(f"http://127.0.0.1:{port}/invocations", {"dataframe_split": split})
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)  # its own process group: uvicorn and its worker
        server.wait(timeout=60)
    served = pd.DataFrame(answer["predictions"])
    model = load_model(folder)
    assert served["prediction"].tolist() == model.predict(rows).tolist()
    np.testing.assert_allclose(served[["proba_no", "proba_yes"]], model.predict_proba(rows), rtol=1e-6)


# MLflow's SQL store uses a loader strategy SQLAlchemy 2.1 deprecates: MLflow's to change, not ours
@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")
def test_track_logs_the_model_folder_as_a_logged_pyfunc_model(folder, tmp_path, monkeypatch):
    import shutil

    monkeypatch.chdir(tmp_path)  # MLflow's SQL store puts artifacts under ./mlruns
    from pipeline.flow.tracking import track_run

    run_folder = tmp_path / "run"
    shutil.copytree(folder, run_folder / "model")
    metrics = {"best_model": "logreg", "models": {"logreg": {"test": {"roc_auc": 0.9}}}}
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    run_id = track_run(uri, run_folder, metrics)
    mlflow.set_tracking_uri(uri)
    logged = mlflow.last_logged_model()
    assert logged.source_run_id == run_id and logged.name == "model"
    rows = _awkward_rows()
    for model_uri in (f"models:/{logged.model_id}", f"runs:/{run_id}/model"):
        answer = mlflow.pyfunc.load_model(model_uri).predict(rows)
        assert answer["prediction"].tolist() == load_model(folder).predict(rows).tolist()
