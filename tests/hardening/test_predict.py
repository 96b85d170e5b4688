"""Predictions from a saved model: every row answered, sequence models included."""

import numpy as np
import pandas as pd
import pytest

from pipeline.config import RunConfig
from pipeline.errors import DataError
from pipeline.models import build_model
from pipeline.persistence import load_model, save_model
from pipeline.predict import predict_frame, write_predictions


@pytest.fixture(scope="module")
def sequence_model(tmp_path_factory):
    """A GRU over 2-channel series of 6 steps, saved the way a run saves it."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(48, 6, 2)).astype(np.float32)
    y = np.where(X[:, :, 0].mean(axis=1) > 0, "up", "down")
    model = build_model("gru", RunConfig(models=["gru"]), kind="sequence")
    model.set_params(model__max_epochs=2).fit(X, y)
    metadata = {"target": "label", "kind": "sequence", "channels": 2,
                "roles": {"sequence": {"n_steps": 6, "n_channels": 2}}}
    folder = save_model(model, tmp_path_factory.mktemp("seq") / "model", metadata=metadata)
    return load_model(folder), X, model


def test_sequence_rows_are_read_step_by_step(sequence_model):
    (loaded, manifest), X, model = sequence_model
    frame = pd.DataFrame(X.reshape(len(X), -1), columns=[f"t{i}" for i in range(12)]).assign(label="up")
    frame.iloc[3, 4] = np.nan  # a missing value is imputed, not a lost row
    output = predict_frame(loaded, manifest, frame)
    assert len(output) == len(frame) and list(output.index) == list(frame.index)
    X_missing = X.copy()
    X_missing[3, 2, 0] = np.nan
    np.testing.assert_allclose(output[["proba_down", "proba_up"]].to_numpy(), model.predict_proba(X_missing))


def test_sequence_rows_of_the_wrong_length_are_refused(sequence_model):
    (loaded, manifest), X, _ = sequence_model
    frame = pd.DataFrame(X.reshape(len(X), -1)[:, :10])
    with pytest.raises(DataError, match=r"10 value column\(s\), but the model reads series of 6 steps x 2"):
        predict_frame(loaded, manifest, frame)


def test_write_predictions_refuses_a_folder(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder; pass a file name"):
        write_predictions(pd.DataFrame({"prediction": [1]}), tmp_path)
    path = write_predictions(pd.DataFrame({"prediction": [1, 2]}), tmp_path / "sub" / "p.csv")
    assert pd.read_csv(path)["prediction"].tolist() == [1, 2]
    assert sorted(p.name for p in path.parent.iterdir()) == ["p.csv"]
