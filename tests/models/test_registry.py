import pytest

from pipeline import RunConfig
from pipeline.models import MODELS, candidate_params, import_estimators, worker_modules


@pytest.mark.parametrize("name", sorted(MODELS))
def test_workers_import_torch_exactly_for_the_models_whose_estimator_is_a_torch_one(name):
    (cls,) = import_estimators([name])
    is_torch = cls.__module__.startswith("pipeline.models.neural")
    assert ("torch" in worker_modules([name])) is is_torch
    assert ("torch" in worker_modules(["logreg", name])) is is_torch


def test_candidates_start_with_the_defaults_and_never_repeat():
    config = RunConfig(outliers=["none", "clip"], balance=["none", "weight"], reduce=["none"])
    found = candidate_params("hgb", config)
    assert found[0] == {"outliers": "none", "balance": "none", "reduce": "none"}
    assert len(found) == MODELS["hgb"].n_candidates
    assert len({tuple(sorted(params.items())) for params in found}) == len(found)


def test_large_data_gets_half_the_candidates_but_at_least_two():
    config = RunConfig()
    assert len(candidate_params("hgb", config, n_rows=10**6)) == MODELS["hgb"].n_candidates // 2
    assert len(candidate_params("mlp", config, n_rows=10**6)) == 2
