"""Every malformed or awkward input of the corpus ends well, through the command line.

An error is one short message naming the culprit, with the exit code for its kind
and no traceback, and leaves no run folder behind; a handled case finishes its
run (or its predictions) with the warning a user needs.
"""

import contextlib
import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from tests.hardening import corpus


def _main(args):
    """Run the command line in-process; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["-q", *args])
        except SystemExit as exit_:  # argparse's usage errors
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A finished run on the corpus' base table: its model serves the predict cases."""
    folder = tmp_path_factory.mktemp("trained")
    code, out, err = _main([*corpus._fast_run(folder, corpus._csv(folder, corpus.base_frame())),
                            "--out", str(folder / "runs")])
    assert code == 0, err
    return Path(out.strip().splitlines()[-1])


def _left_behind(out):
    return sorted(p.name for p in out.iterdir()) if out.exists() else []


@pytest.mark.parametrize("case", corpus.ALL, ids=[case.name for case in corpus.ALL])
def test_corpus_case_ends_well(case, tmp_path, trained):
    if case.kind == "predict":
        shutil.copytree(trained / "model", tmp_path / "model")
    args = case.build(tmp_path)
    out = tmp_path / "runs"
    if case.kind == "run":
        args += ["--out", str(out)]
    code, stdout, stderr = _main(args)

    assert code == case.code, stderr
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if "ERROR" in line or "error:" in line]
    if case.code != 0:
        assert len(errors) == 1, stderr  # one message, not a cascade
        assert re.search(case.message, errors[0]), errors[0]
        assert _left_behind(out) == []  # not even a hidden staging folder
        return
    assert errors == [], stderr
    if case.message is not None:
        assert re.search(case.message, stderr), stderr
    if case.kind == "run":
        (run_dir,) = out.iterdir()  # exactly one folder, complete, nothing staged beside it
        assert run_dir.name == stdout.strip().splitlines()[-1].rsplit("/", 1)[-1]
        expected = {"report.html", "metrics.json", "config.yaml", "model", "run.log"}
        assert expected <= {p.name for p in run_dir.iterdir()}
        metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
        if case.check is not None:
            case.check(metrics)
    else:
        rows = pd.read_csv(next(p for p in tmp_path.iterdir() if p.name == "rows.csv"))
        predictions = pd.read_csv(tmp_path / "pred.csv")
        assert len(predictions) == len(rows)  # one answer per row, unseen categories included
        assert predictions.filter(like="proba_").sum(axis=1).round(6).eq(1).all()


def test_corpus_is_large_enough():
    assert len(corpus.ALL) >= 25
    assert len({case.name for case in corpus.ALL}) == len(corpus.ALL)


def test_a_bug_is_exit_1_with_a_traceback_only_under_debug(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("pipeline.flow.runner.run", broken)
    args = corpus._run(corpus._csv(tmp_path, corpus.base_frame()))
    code, _, stderr = _main(args)
    assert code == 1 and "This is a bug in dmflow; rerun with --debug" in stderr and "Traceback" not in stderr
    code, _, stderr = _main(["--debug", *args])
    assert code == 1 and "Traceback" in stderr and "RuntimeError: boom" in stderr


@pytest.mark.parametrize("step, error, code", [
    ("search_models", RuntimeError("disk on fire"), 1),  # mid-run
    ("write_report", KeyboardInterrupt(), 130),  # the last step before the folder is renamed
])
def test_failure_in_a_run_leaves_nothing(tmp_path, monkeypatch, step, error, code):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(f"pipeline.flow.stages.{step}", fail)
    out = tmp_path / "runs"
    data = corpus._csv(tmp_path, corpus.base_frame())
    got, _, stderr = _main([*corpus._fast_run(tmp_path, data), "--out", str(out)])
    assert got == code, stderr
    assert _left_behind(out) == []


def test_predictions_replace_a_file_only_when_complete(tmp_path, trained, monkeypatch):
    rows = corpus._csv(tmp_path, corpus.base_frame(n=10, seed=5), "rows.csv")
    target = tmp_path / "pred.csv"
    target.write_text("old predictions\n")

    def fail(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("pipeline.predict.write_csv_rows", fail)
    code, _, _ = _main(["predict", "--model", str(trained / "model"), "--data", str(rows),
                        "--out", str(target)])
    assert code == 130
    assert target.read_text() == "old predictions\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pred.csv", "rows.csv"]  # no staging file left
