"""A saved model folder carries no training rows: samplers keep nothing of them after fit."""

import io
import zipfile

import numpy as np
import pytest

from pipeline import RunConfig
from pipeline.datasets import infer_roles
from pipeline.models import build_model
from pipeline.persistence import save_model
from tests.conftest import make_mixed_frame


def _unpacked(blob):
    """The bytes of ``blob``, with zip archives (skops files, sparse .npz) unpacked, recursively."""
    if not zipfile.is_zipfile(io.BytesIO(blob)):
        return [blob]
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        return [part for name in archive.namelist() for part in _unpacked(archive.read(name))]


def _folder_bytes(folder):
    """Every byte the folder stores, with each archive unpacked."""
    return b"".join(part for path in sorted(folder.rglob("*")) if path.is_file()
                    for part in _unpacked(path.read_bytes()))


def _rows_as_bytes(rows):
    """Each row's values as stored by numpy, in float32 and float64."""
    rows = np.asarray(rows, dtype=np.float64)
    return [row.astype(dtype).tobytes() for row in rows for dtype in (np.float32, np.float64)]


@pytest.mark.parametrize("options", [{"balance": "smote"}, {"balance": "smotenc"}], ids=["smote", "smotenc"])
def test_saved_folder_holds_no_training_row(tmp_path, options):
    frame = make_mixed_frame(n=240)
    X, y = frame.drop(columns="label"), frame["label"]
    roles = infer_roles(X)
    model = build_model("logreg", RunConfig(models=["logreg"], reduce=["none"], **options), roles).fit(X, y)
    assert model.named_steps["balance"].k_neighbors_ is not None  # SMOTE did run
    stored = _folder_bytes(save_model(model, tmp_path / "model"))
    # The rows the neighbour search was fitted on: the prepared training rows of
    # each class, as SMOTE saw them (the numeric part, so it fits both encodings).
    at = [name for name, _ in model.steps].index("balance")
    prepared = np.asarray(model[:at].transform(X), dtype=np.float64)
    n_numeric = len(roles.numeric)
    leaked = [i for i, row in enumerate(prepared[:, :n_numeric])
              if any(pattern in stored for pattern in _rows_as_bytes(row[None]))]
    assert leaked == [], f"training rows {leaked[:5]} are stored in the model folder"
    raw = X[roles.numeric].dropna().to_numpy()
    assert not any(pattern in stored for pattern in _rows_as_bytes(raw))
