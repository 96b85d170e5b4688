"""Same data, config and seed give the same metrics.json: every model, two workers."""

import contextlib
import dataclasses
import io
import json
import math
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.models import MODELS
from tests.hardening import corpus

# The run's time stamps, and a model's pickled size: torch's pickle of a network's
# storages varies by some bytes from run to run for the same weights.
MEASURED = {"started", "finished", "size_bytes"}


def _is_timing(key):
    """A measurement, not a result: the time stamps, sizes and every duration (``*_s``, but the limit)."""
    return key in MEASURED or (key.endswith("_s") and key != "time_limit_s")

# Neural models keep their registered training path (early stopping on the
# validation split, seeding) with small networks and few epochs, so two runs of
# every model stay quick.
_SMALL = {"max_epochs": 3, "batch_size": 32, "patience": 2, "hidden_size": 8,
          "d_model": 8, "n_heads": 2, "dim_feedforward": 16}
_SMALL_GRIDS = {"mlp": {"model__hidden_layer_sizes": [(8,), (8, 8)]}}


def _small(factory):
    def make(seed):
        estimator = factory(seed)
        return estimator.set_params(**{k: v for k, v in _SMALL.items() if k in estimator.get_params()})

    return make


def _without_timing(value):
    if isinstance(value, dict):
        return {k: _without_timing(v) for k, v in value.items() if not _is_timing(k)}
    if isinstance(value, list):
        return [_without_timing(v) for v in value]
    return value


def _run(data, out):
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["-q", "run", "--data", str(data), "--target", "label", "--models", ",".join(_models()),
                     "--n-jobs", "2", "--seed", "7", "--cv", "2", "--out", str(out)])
    assert code == 0
    run_dir = Path(stdout.getvalue().strip().splitlines()[-1])
    return json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))


def _models():
    return list(MODELS)  # every registered model, neural ones included


def test_same_seed_gives_identical_metrics(tmp_path, monkeypatch):
    for name, spec in list(MODELS.items()):
        # two candidates per model: the defaults and one random draw
        small = dataclasses.replace(spec, n_candidates=2)
        if spec.neural:
            small = dataclasses.replace(small, factory=_small(spec.factory),
                                        grid=_SMALL_GRIDS.get(name, spec.grid))
        monkeypatch.setitem(MODELS, name, small)
    data = corpus._csv(tmp_path, corpus.base_frame(n=200))
    first, second = _run(data, tmp_path / "runs"), _run(data, tmp_path / "runs")
    assert sorted(first["models"]) == sorted([*_models(), "ensemble"])
    for name, entry in first["models"].items():
        assert math.isfinite(entry["test"]["roc_auc"]), name  # real scores, not placeholders
    assert _without_timing(first) == _without_timing(second)


@pytest.mark.parametrize("value", [{"a": 1, "duration_s": 2.0, "b": [{"fit_time_s": 1, "c": 3}]}])
def test_timing_fields_are_the_only_ones_ignored(value):
    assert _without_timing(value) == {"a": 1, "b": [{"c": 3}]}
