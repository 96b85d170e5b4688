"""The command line as a user meets it: exit codes, messages, files."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from tests.conftest import make_mixed_frame

ROOT = Path(__file__).resolve().parent.parent


def test_run_then_predict(tmp_path, mixed_csv, capsys):
    code = main(["-q", "run", "--data", str(mixed_csv), "--target", "label", "--models", "logreg",
                 "--out", str(tmp_path / "runs"), "--n-jobs", "1"])
    assert code == 0
    run_dir = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert run_dir.parent == tmp_path / "runs" and (run_dir / "report.html").is_file()

    rows = make_mixed_frame(n=20, seed=3)
    rows.loc[0, "colour"] = "never-seen"
    rows["extra"] = 1
    rows.to_csv(tmp_path / "new.csv", index=False)
    out = tmp_path / "pred" / "p.csv"
    assert main(["-q", "predict", "--model", str(run_dir / "model"), "--data", str(tmp_path / "new.csv"),
                 "--out", str(out)]) == 0
    predictions = pd.read_csv(out)
    assert len(predictions) == 20
    assert list(predictions.columns) == ["prediction", "proba_no", "proba_yes"]
    assert predictions[["proba_no", "proba_yes"]].sum(axis=1).round(6).eq(1).all()


@pytest.mark.parametrize(
    "make_args, code, message",
    [
        (lambda d, t: ["run", "--data", str(t / "nope.csv")], 65, "does not exist"),
        (lambda d, t: ["run", "--data", str(d), "--target", "lable"], 65, "Did you mean 'label'"),
        (lambda d, t: ["run", "--data", str(d), "--target", "size", "--models", "nope"], 78,
         "`models` got 'nope'"),
        (lambda d, t: ["run", "--data", str(d), "--target", "label", "--config", str(t / "c.yaml")], 78,
         "does not exist"),
    ],
)
def test_bad_input_exits_with_code_and_leaves_no_run(tmp_path, mixed_csv, caplog, capsys, make_args, code,
                                                     message):
    out = tmp_path / "runs"
    assert main(["-q", *make_args(mixed_csv, tmp_path), "--out", str(out)]) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists() or list(out.iterdir()) == []


def test_single_class_and_text_in_numeric(tmp_path, capsys):
    frame = make_mixed_frame(n=60)
    frame["label"] = "same"
    frame.to_csv(tmp_path / "one.csv", index=False)
    out = str(tmp_path / "r")
    assert main(["run", "--data", str(tmp_path / "one.csv"), "--target", "label", "--out", out]) == 65
    assert "holds a single class" in capsys.readouterr().err
    frame = make_mixed_frame(n=60)
    frame["x1"] = frame["x1"].astype(str)
    frame.loc[7, "x1"] = "n/a?"
    frame.to_csv(tmp_path / "text.csv", index=False)
    assert main(["run", "--data", str(tmp_path / "text.csv"), "--target", "label", "--out", out]) == 65
    assert "Column 'x1' is numeric but holds text: row 8 has" in capsys.readouterr().err
    assert not (tmp_path / "r").exists() or list((tmp_path / "r").iterdir()) == []


def test_predict_with_missing_column(tmp_path, mixed_csv, capsys):
    assert main(["-q", "run", "--data", str(mixed_csv), "--target", "label", "--models", "logreg",
                 "--out", str(tmp_path), "--n-jobs", "1"]) == 0
    run_dir = Path(capsys.readouterr().out.strip().splitlines()[-1])
    make_mixed_frame(n=5).drop(columns=["x2", "label"]).to_csv(tmp_path / "few.csv", index=False)
    assert main(["predict", "--model", str(run_dir / "model"), "--data", str(tmp_path / "few.csv")]) == 65
    assert "lacks column(s) the model was trained on: x2" in capsys.readouterr().err


def test_usage_error_is_exit_2():
    process = subprocess.run([sys.executable, str(ROOT / "cli.py"), "run", "--seed", "x"],
                             capture_output=True, text=True, cwd=ROOT)
    assert process.returncode == 2 and "invalid int value" in process.stderr


def _run_parser():
    from pipeline.cli import _build_parser

    parser = _build_parser()
    return parser, next(a for a in parser._actions if a.dest == "command").choices["run"]


def test_every_config_key_has_a_run_flag_with_its_help():
    import dataclasses

    from pipeline import RunConfig

    _, run = _run_parser()
    by_dest = {action.dest: action for action in run._actions}
    for spec in dataclasses.fields(RunConfig):
        action = by_dest[spec.name]
        flag = "--" + spec.name.replace("_", "-")
        if isinstance(spec.default, bool):
            assert action.option_strings == [flag, "--no-" + flag[2:]]
        else:
            assert action.option_strings == [flag]
        assert action.help.startswith(spec.metadata["help"])
        is_list = spec.default_factory is not dataclasses.MISSING or spec.name == "models"
        if spec.metadata["choices"] and not is_list:
            assert tuple(action.choices) == spec.metadata["choices"]


def test_help_lists_the_registered_models(capsys):
    from pipeline.models import MODELS

    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Choices: " + ", ".join(MODELS) in text and "--kind {auto,table,sequence}" in text


def test_kind_flag_and_set_reach_the_config():
    from pipeline.flow.config import load_config
    from pipeline.flow.flags import config_overrides

    parser, _ = _run_parser()
    args = parser.parse_args(["run", "--kind", "sequence", "--set", "channels=2", "--set",
                              "model_params={lstm: {max_epochs: 3}}", "--set", "target=yes", "--seed", "4"])
    config = load_config(None, **config_overrides(args))
    assert (config.kind, config.channels, config.seed) == ("sequence", 2, 4)
    assert config.model_params == {"lstm": {"max_epochs": 3}} and config.target == "yes"
    args = parser.parse_args(["run", "--set", "seed=1", "--seed", "2"])
    assert load_config(None, **config_overrides(args)).seed == 2  # the named flag wins


@pytest.mark.parametrize("item, message", [
    ("seed", "--set expects KEY=VALUE, got 'seed'"),
    ("sede=3", "Unknown config key 'sede'. Did you mean 'seed'"),
    ("seed=[1", "--set seed: '\\[1' is not valid YAML"),
])
def test_bad_set_values_exit_with_the_config_code(tmp_path, capsys, item, message):
    import re

    assert main(["-q", "run", "--set", item, "--out", str(tmp_path / "runs")]) == 78
    assert re.search(message, capsys.readouterr().err)
    assert not (tmp_path / "runs").exists()
