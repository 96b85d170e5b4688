import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from pipeline.persistence import ModelFileError, load_model, save_model


@pytest.fixture
def saved(tmp_path):
    X = np.random.default_rng(0).normal(size=(50, 3))
    y = (X[:, 0] > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    return save_model(model, tmp_path / "model", metadata={"target": "y"}), model, X


def test_round_trip_predicts_the_same(saved):
    folder, model, X = saved
    loaded, manifest = load_model(folder)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert manifest["metadata"] == {"target": "y"} and manifest["classes"] == ["0", "1"]


def test_tampered_file_is_refused_before_loading(saved):
    folder, _, _ = saved
    with open(folder / "estimator.joblib", "ab") as handle:
        handle.write(b"tamper")
    with pytest.raises(ModelFileError, match="does not match its recorded SHA-256"):
        load_model(folder)


def test_missing_pieces(saved, tmp_path):
    folder, _, _ = saved
    (folder / "estimator.joblib").unlink()
    with pytest.raises(ModelFileError, match="estimator.joblib is missing"):
        load_model(folder)
    with pytest.raises(ModelFileError, match="no manifest.json"):
        load_model(tmp_path)


def test_other_format_version(saved):
    folder, _, _ = saved
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["format_version"] = 99
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelFileError, match="format version 99"):
        load_model(folder)


def test_existing_folder_is_not_overwritten(saved):
    folder, model, _ = saved
    with pytest.raises(FileExistsError, match="exists already"):
        save_model(model, folder)
