import dataclasses

import pytest

from pipeline.errors import ConfigError
from pipeline.flow.config import DEFAULT_MODELS, RunConfig, build_config, load_config
from pipeline.models import MODELS


def test_defaults_are_valid_and_models_follow_the_data_kind():
    config = RunConfig().validate()
    assert config.models is None and config.kind == "auto"
    assert "lda" in config.reduce
    assert set(DEFAULT_MODELS["table"]) <= set(MODELS) and set(DEFAULT_MODELS["sequence"]) <= set(MODELS)


def test_model_choices_are_the_registry():
    models = {f.name: f for f in dataclasses.fields(RunConfig)}["models"]
    assert models.metadata["choices"] == tuple(MODELS)
    name = next(iter(MODELS))
    assert build_config({"models": [name]}).models == [name]


def test_every_key_is_documented_in_the_schema_and_the_docstring():
    for spec in dataclasses.fields(RunConfig):
        assert spec.metadata.get("help"), f"config key {spec.name} has no help text"
        assert f"    {spec.name} : " in RunConfig.__doc__


def test_flags_override_file(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("seed: 5\nmodels: [rf, logreg]\nprotocol: article\n")
    config = load_config(path, seed=9, protocol=None)
    assert config.seed == 9  # flag wins
    assert config.models == ["rf", "logreg"]  # file value kept
    assert config.protocol == "article"  # None flag does not override


def test_toml_config(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('models = ["hgb"]\ntest_size = 0.25\n')
    config = load_config(path)
    assert config.models == ["hgb"] and config.test_size == 0.25


@pytest.mark.parametrize(
    "values, message",
    [
        ({"sede": 1}, "Unknown config key 'sede'. Did you mean 'seed'"),
        ({"seed": "one"}, "`seed` must be an integer"),
        ({"seed": True}, "`seed` must be an integer"),
        ({"test_size": 1.5}, "`test_size` must be between 0.0 and 1.0"),
        ({"models": ["rf", "xgb"]}, "`models` got 'xgb'"),
        ({"models": "rf,rff"}, "Did you mean 'rf'"),
        ({"protocol": "leaky"}, "`protocol` got 'leaky', which is not one of strict, article"),
        ({"k_neighbors": 0}, "`k_neighbors` must be at least 1"),
        ({"reduce": []}, "`reduce` is empty"),
        ({"kind": "image"}, "`kind` got 'image'"),
        ({"channels": 0}, "`channels` must be at least 1"),
        ({"model_params": {"lsmt": {}}}, "`model_params` got 'lsmt'.*Did you mean 'lstm'"),
        ({"model_params": {"lstm": 5}}, "`model_params.lstm` must be a mapping"),
        ({"models": ["rf", "rf"]}, "names a model twice"),
        ({"reduce": ["lda", "lda"]}, "`reduce` names a value twice"),
        ({"outliers": "dorp"}, "`outliers` got 'dorp'.*Did you mean 'drop'"),
        ({"backend": "threads"}, "`backend` got 'threads', which is not one of loky, dask, sequential"),
        ({"z_threshold": 0}, "`z_threshold` must be greater than 0.0"),
        ({"max_categories": 1}, "`max_categories` must be at least 2, got 1"),
        ({"n_jobs": 0}, "`n_jobs` must not be 0"),
    ],
)
def test_bad_values_are_rejected_with_the_key(values, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        build_config(values)


def test_broken_yaml_names_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("models: [rf\n")
    with pytest.raises(ConfigError, match="bad.yaml' is not valid YAML"):
        load_config(path)


def test_missing_and_unsupported_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")
    other = tmp_path / "run.ini"
    other.write_text("[x]")
    with pytest.raises(ConfigError, match="must end in .yaml, .yml or .toml"):
        load_config(other)


def test_non_mapping_yaml(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- rf\n- mlp\n")
    with pytest.raises(ConfigError, match="must hold a mapping"):
        load_config(path)


def test_unknown_model_param_names_the_estimator_and_its_parameters():
    from pipeline.datasets import Roles
    from pipeline.models import build_model

    config = build_config({"model_params": {"rf": {"n_trees": 10}}})
    message = "`model_params.rf` sets 'n_trees', which RandomForestClassifier does not take"
    with pytest.raises(ConfigError, match=message):
        build_model("rf", config, Roles(numeric=["a"], categorical=[]))


def test_a_new_key_is_one_field_with_its_flag_and_checks():
    import argparse

    from pipeline.flow.config import key
    from pipeline.flow.flags import add_config_flags, config_overrides

    @dataclasses.dataclass
    class Extended(RunConfig):
        track: bool = key(False, "Keep a record of the run.")
        time_limit: float | None = key(None, "Seconds the search may take.", above=0.0)
        cv: int = key(5, "Cross-validation folds.", at_least=2)
        threshold: float | str | None = key(None, "A probability, or auto.")

    parser = argparse.ArgumentParser()
    add_config_flags(parser, Extended)
    values = config_overrides(parser.parse_args(["--track", "--time-limit", "2.5", "--cv", "3"]), Extended)
    assert (values["track"], values["time_limit"], values["cv"]) == (True, 2.5, 3)
    assert config_overrides(parser.parse_args(["--no-track"]), Extended)["track"] is False
    assert config_overrides(parser.parse_args(["--threshold", "auto"]), Extended)["threshold"] == "auto"
    with pytest.raises(SystemExit):
        parser.parse_args(["--cv", "three"])  # a usage error, exit code 2
    assert config_overrides(parser.parse_args(["--set", "track=false"]), Extended)["track"] is False
    with pytest.raises(ConfigError, match="`cv` must be at least 2, got 1"):
        Extended(cv=1).validate()
    with pytest.raises(ConfigError, match="`time_limit` must be greater than 0.0"):
        Extended(time_limit=0.0).validate()
