"""The phase table: config, kinds, registry, article protocol and report all follow it."""

import dataclasses
import itertools

import pytest
from imblearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression

from pipeline.datasets import Roles
from pipeline.errors import ConfigError
from pipeline.evaluation._protocol import refitted_steps
from pipeline.flow.config import RunConfig, load_config
from pipeline.kinds import KINDS
from pipeline.models import MODELS, build_candidate, build_model, candidate_params, phase_options
from pipeline.phases import PHASE_NAMES, PHASES, build_phase_steps, build_sequence_steps, phase_named

from .phase_tables import CATEGORICAL, NUMERIC, make_table

ROLES = Roles(numeric=NUMERIC, categorical=CATEGORICAL)
# Every combination of one method per phase, as the step builder accepts them.
EVERY_VARIANT = list(itertools.product(*(phase.methods for phase in PHASES)))


def test_names_are_unique_and_each_default_is_a_choice():
    assert len(set(PHASE_NAMES)) == len(PHASES)
    for phase in PHASES:
        assert "none" in phase.methods, f"{phase.name}: a run must be able to leave the phase out"
        assert set(phase.default) <= set(phase.choices)
        assert set(phase.synthetic) <= set(phase.methods)
        assert set(phase.estimator_params).isdisjoint(phase.methods)


@pytest.mark.parametrize("phase", PHASES, ids=PHASE_NAMES)
def test_each_phase_is_a_config_key_with_its_choices_default_and_help(phase):
    spec = {f.name: f for f in dataclasses.fields(RunConfig)}[phase.name]
    assert spec.metadata["choices"] == phase.choices
    assert spec.metadata["help"] == phase.help
    assert RunConfig().validate().to_dict()[phase.name] == list(phase.default)
    # A single variant is a one-item search, from a file or a flag alike.
    assert getattr(load_config(**{phase.name: phase.methods[0]}), phase.name) == [phase.methods[0]]
    with pytest.raises(ConfigError, match=rf"`{phase.name}`.*'bogus'"):
        RunConfig(**{phase.name: ["bogus"]}).validate()


@pytest.mark.parametrize("methods", EVERY_VARIANT, ids="-".join)
def test_steps_follow_the_table_order(methods):
    steps = build_phase_steps(NUMERIC, CATEGORICAL, random_state=0, **dict(zip(PHASE_NAMES, methods)))
    names = [name for name, _ in steps]
    assert names.index("prepare") == sum(phase.before_prepare for phase in PHASES)
    searched = [name for name in names if name in PHASE_NAMES]
    assert searched == list(PHASE_NAMES)
    ordinal = [phase.name for phase, method in zip(PHASES, methods) if method in phase.ordinal]
    # One-hot encoding comes right after a step that needs ordinal categories, and only then.
    assert ("encode" in names) == bool(ordinal)
    if ordinal:
        assert names[names.index("encode") - 1] == ordinal[0]


def test_candidates_vary_exactly_the_phases_and_the_model_grid():
    config = RunConfig(models=["logreg"], n_candidates=4)
    for params in candidate_params("logreg", config):
        assert [key for key in params if not key.startswith("model__")] == list(PHASE_NAMES)
        names = [name for name, _ in build_candidate("logreg", config, params, ROLES).steps]
        # A phase before `prepare` left out is dropped from the Pipeline; the others stay.
        kept = [p.name for p in PHASES if not (p.before_prepare and params[p.name] == "none")]
        assert [name for name in names if name in PHASE_NAMES] == kept


@pytest.mark.parametrize("phase", [p for p in PHASES if p.estimator_params], ids=lambda p: p.name)
def test_estimator_variants_go_to_the_estimator_and_leave_the_step_alone(phase):
    variant, params = next(iter(phase.estimator_params.items()))
    takes = next(name for name, spec in MODELS.items() if spec.class_weight)
    model = build_model(takes, RunConfig(models=[takes]), ROLES, variant={phase.name: variant})
    estimator_params = model.named_steps["model"].get_params()
    assert all(estimator_params[key] == value for key, value in params.items())
    assert model.named_steps[phase.name].get_params(deep=False).get("method", "none") == "none"
    # A model that does not take the parameters never has the variant searched.
    other = next(name for name, spec in MODELS.items() if not spec.class_weight and not spec.reads_sequences)
    assert variant not in phase_options(other, RunConfig(**{phase.name: [variant, "none"]}))[phase.name]


def test_neural_models_search_no_synthetic_rows():
    config = RunConfig(**{p.name: list(p.choices) for p in PHASES})
    neural = next(name for name, spec in MODELS.items() if spec.neural)
    options = phase_options(neural, config)
    for phase in PHASES:
        assert not set(options[phase.name]) & set(phase.synthetic)


def test_sequence_data_gets_only_what_its_steps_take():
    config = RunConfig(**{p.name: list(p.choices) for p in PHASES})
    for name in ("rf", "cnn"):
        options = KINDS["sequence"].phase_options(config, class_weight=MODELS[name].class_weight,
                                                  fixed=MODELS[name].phases, oversample=True)
        assert options["reduce"] == ["none"]
        for variant in itertools.product(*options.values()):
            methods = {p.name: p.step_method(v) for p, v in zip(PHASES, variant)}
            # Raises on a method series cannot take.
            build_sequence_steps(flatten=True, balance=methods["balance"])
            assert methods["outliers"] in ("none", "clip")


@pytest.mark.parametrize("method", phase_named("balance").methods)
def test_the_article_refits_every_phase_step_that_does_something(method):
    X, y = make_table(n_rows=90)
    # Each phase at a method that does something, clipping outliers (dropping could
    # empty a small class), and the balancing method under test.
    methods = {p.name: next(m for m in p.methods if m != "none") for p in PHASES} | {
        "outliers": "clip", "balance": method}
    steps = build_phase_steps(NUMERIC, CATEGORICAL, k_neighbors=2, random_state=0, **methods)
    model = Pipeline([*steps, ("model", LogisticRegression(max_iter=500))]).fit(X, y)
    assert refitted_steps(model) == [f"{name} ({m})" for name, m in methods.items() if m != "none"]


def test_the_step_builder_takes_a_method_per_phase_by_name_and_nothing_else():
    def shown(steps):
        return [(name, repr(step)) for name, step in steps]

    first = {phase.name: phase.methods[0] for phase in PHASES}
    # A phase not named gets its first method, as the docstring says.
    default, named = build_phase_steps(NUMERIC, CATEGORICAL), build_phase_steps(NUMERIC, CATEGORICAL, **first)
    assert shown(default) == shown(named)
    with pytest.raises(TypeError, match=r"'outlier', which is not a phase\. Name a method for any of"):
        build_phase_steps(NUMERIC, CATEGORICAL, outlier="drop")
