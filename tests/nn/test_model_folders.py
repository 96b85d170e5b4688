"""Saved model folders name no module of the torch core, so moving the core breaks no folder.

skops stores type names by module path, and a torch classifier's spec names its class;
a folder that named the core's modules (old or new place) would stop loading when the
core moves again.
"""

import zipfile

import numpy as np
import pytest

from pipeline.models.neural import RocketClassifier, TorchMLPClassifier
from pipeline.persistence import load_model, save_model

# Where the core's modules live, and where they lived before it was a package of its own.
CORE_MODULES = ("pipeline.nn", *(f"pipeline.models.neural.{m}" for m in ("_engine", "_runtime", "_layers")))


def _texts(folder):
    """Every file of a model folder as text, a skops archive by its members."""
    for path in folder.iterdir():
        if path.suffix == ".skops":
            with zipfile.ZipFile(path) as archive:
                yield from (archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
        elif path.suffix != ".safetensors":
            yield path.read_text(encoding="utf-8")


@pytest.mark.parametrize("model, X", [
    (TorchMLPClassifier((4,), max_epochs=2, random_state=0), np.random.default_rng(0).normal(size=(40, 3))),
    (RocketClassifier(n_features=84, random_state=0),
     np.random.default_rng(0).normal(size=(20, 12, 1)).astype("float32")),
])
def test_a_saved_torch_model_names_no_core_module_and_loads(model, X, tmp_path):
    y = np.where(X.reshape(len(X), -1)[:, 0] > 0, "up", "down")
    model.fit(X, y)
    folder = save_model(model, tmp_path / "model")
    texts = list(_texts(folder))
    assert any(type(model).__name__ in t for t in texts)  # the scan reads the stored types
    assert not [m for m in CORE_MODULES for t in texts if m in t]
    np.testing.assert_array_equal(load_model(folder).predict(X), model.predict(X))
