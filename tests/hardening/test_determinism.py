"""Same data, config and seed give the same metrics.json, parallel search and torch included."""

import contextlib
import dataclasses
import io
import json
import math
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.models import MODELS
from pipeline.models.neural import LSTMClassifier, TorchMLPClassifier
from tests.hardening import corpus

TIMING = {"duration_s", "started", "finished", "fit_time_s"}

# The registered neural models with small settings, so two runs stay quick; their
# training path (early stopping on the validation split, seeding) is unchanged.
_SMALL_NEURAL = {
    "mlp": lambda seed: TorchMLPClassifier(max_epochs=4, batch_size=32, early_stopping=True, patience=2,
                                           n_threads=1, random_state=seed),
    "lstm": lambda seed: LSTMClassifier(hidden_size=8, max_epochs=4, batch_size=32, early_stopping=True,
                                        patience=2, n_threads=1, random_state=seed),
}


def _without_timing(value):
    if isinstance(value, dict):
        return {k: _without_timing(v) for k, v in value.items() if k not in TIMING}
    if isinstance(value, list):
        return [_without_timing(v) for v in value]
    return value


def _run(data, out):
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["-q", "run", "--data", str(data), "--target", "label", "--models", ",".join(_models()),
                     "--n-jobs", "2", "--seed", "7", "--out", str(out)])
    assert code == 0
    run_dir = Path(stdout.getvalue().strip().splitlines()[-1])
    return json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))


def _models():
    return ["logreg", "rf"] + [name for name in _SMALL_NEURAL if name in MODELS]


def test_same_seed_gives_identical_metrics(tmp_path, monkeypatch):
    for name, factory in _SMALL_NEURAL.items():
        if name in MODELS:
            grid = {"model__hidden_layer_sizes": [(8,), (8, 8)]} if name == "mlp" else MODELS[name].grid
            monkeypatch.setitem(MODELS, name, dataclasses.replace(MODELS[name], factory=factory, grid=grid))
    data = corpus._csv(tmp_path, corpus.base_frame(n=200))
    first, second = _run(data, tmp_path / "runs"), _run(data, tmp_path / "runs")
    assert sorted(first["models"]) == sorted(_models())
    for name, entry in first["models"].items():
        assert math.isfinite(entry["test"]["roc_auc"]), name  # real scores, not placeholders
    assert _without_timing(first) == _without_timing(second)


@pytest.mark.parametrize("value", [{"a": 1, "duration_s": 2.0, "b": [{"fit_time_s": 1, "c": 3}]}])
def test_timing_fields_are_the_only_ones_ignored(value):
    assert _without_timing(value) == {"a": 1, "b": [{"c": 3}]}
