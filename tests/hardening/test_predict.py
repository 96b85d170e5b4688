"""Predictions from a saved model: every row answered, sequence models included."""

import numpy as np
import pandas as pd
import pytest

from pipeline import RunConfig
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
    return (load_model(folder), None), X, model


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


@pytest.fixture(scope="module")
def table_model(tmp_path_factory):
    """A logistic regression on the mixed table, saved the way a run saves it."""
    from pipeline.datasets import infer_roles
    from tests.conftest import make_mixed_frame

    frame = make_mixed_frame(n=200)
    X, y = frame.drop(columns="label"), frame["label"]
    roles = infer_roles(X)
    model = build_model("logreg", RunConfig(models=["logreg"]), roles).fit(X, y)
    metadata = {"target": "label", "kind": "table", "roles": roles.to_dict()}
    folder = save_model(model, tmp_path_factory.mktemp("table") / "model", metadata=metadata)
    return folder, (load_model(folder), None)


def _rows(n=230, seed=5):
    from tests.conftest import make_mixed_frame

    rows = make_mixed_frame(n=n, seed=seed)
    return rows.assign(id=[f"r{i}" for i in range(n)])


def test_chunked_predictions_match_one_pass_and_keep_the_id(table_model, tmp_path):
    from pipeline.predict import predict_file

    _, (loaded, manifest) = table_model
    rows = _rows()
    rows.to_csv(tmp_path / "rows.csv", index=False)
    n = predict_file(loaded, manifest, tmp_path / "rows.csv", tmp_path / "p.csv", keep=["id"], chunk_rows=40)
    written = pd.read_csv(tmp_path / "p.csv")
    whole = predict_frame(loaded, manifest, rows.drop(columns="id"))
    assert n == len(rows) == len(written)
    assert list(written.columns) == ["id", "prediction", "proba_no", "proba_yes"]
    assert written["id"].tolist() == rows["id"].tolist()
    assert written["prediction"].tolist() == whole["prediction"].tolist()
    probabilities = ["proba_no", "proba_yes"]
    np.testing.assert_allclose(written[probabilities], whole[probabilities], atol=1e-12)


def test_a_bad_row_in_a_late_chunk_is_named_and_leaves_no_file(table_model, tmp_path, monkeypatch):
    from pipeline.cli import main
    from pipeline.predict import predict_file

    folder, _ = table_model
    rows = _rows().astype({"x1": object})
    rows.loc[213, "x1"] = "twelve"  # in the sixth chunk of 40 rows: data row 214, 1-based
    rows.to_csv(tmp_path / "rows.csv", index=False)
    out = tmp_path / "p.csv"
    out.write_text("an earlier file\n")
    monkeypatch.setattr("pipeline.predict.CHUNK_ROWS", 40)
    with pytest.raises(DataError, match=r"Column 'x1' is numeric but holds text: row 214 has 'twelve'"):
        predict_file(*table_model[1], tmp_path / "rows.csv", out)
    assert main(["-q", "predict", "--model", str(folder), "--data", str(tmp_path / "rows.csv"),
                 "--out", str(out)]) == 65
    assert out.read_text() == "an earlier file\n"  # untouched, and no partial file beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv", "rows.csv"]


def test_keep_names_a_missing_column(table_model, tmp_path):
    from pipeline.predict import predict_file

    _, (loaded, manifest) = table_model
    _rows(n=10).to_csv(tmp_path / "rows.csv", index=False)
    with pytest.raises(DataError, match=r"--keep names column\(s\) the data does not have: 'ID'"):
        predict_file(loaded, manifest, tmp_path / "rows.csv", tmp_path / "p.csv", keep=["ID"])
    assert not (tmp_path / "p.csv").exists()


def test_cli_keep_flag_copies_the_column(table_model, tmp_path, capsys):
    from pipeline.cli import main

    folder, _ = table_model
    _rows(n=12).to_csv(tmp_path / "rows.csv", index=False)
    command = ["-q", "predict", "--model", str(folder), "--data", str(tmp_path / "rows.csv"), "--keep", "id"]
    assert main(command) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split(",")[:2] == ["id", "prediction"] and len(lines) == 13
