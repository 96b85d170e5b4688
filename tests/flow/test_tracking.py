"""--track without MLflow installed: one clear error before any work (the logging itself is
tested on the shared run of test_run_diagnostics.py)."""

import importlib.util

from pipeline.cli import main


def test_without_mlflow_the_flag_says_what_to_install(tmp_path, mixed_csv, monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "mlflow" else real(name, *a))
    code = main(["run", "--data", str(mixed_csv), "--out", str(tmp_path / "runs"),
                 "--track", "file:./mlruns"])
    assert code == 78
    assert "pip install 'dmflow[tracking]'" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
