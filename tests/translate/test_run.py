"""The run folder and the command line, on a tiny slice of the bundled pairs."""

import json
import re

import pytest

from pipeline.cli import main
from pipeline.errors import DataError
from pipeline.translate import DEFAULT_DATA as DATA
from pipeline.translate import train_translator, translate

TINY_FLAGS = ["--d-model", "16", "--heads", "2", "--layers", "1", "--vocab-size", "200", "--batch-size", "16"]


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """One ``translate-train`` run on 120 pairs (read only)."""
    out = tmp_path_factory.mktemp("runs")
    return out, main(["-q", "translate-train", "--data", str(DATA), "--out", str(out),
                      "--pairs", "120", "--epochs", "2", "--seed", "1", *TINY_FLAGS])


def test_translate_train_writes_a_complete_run_folder(cli_run, capsys):
    out, code = cli_run
    assert code == 0
    (run,) = [p for p in out.iterdir()]  # no staging folder left beside it
    assert not run.name.startswith(".")
    assert sorted(p.name for p in run.iterdir()) == ["metrics.json", "model", "report.html", "run.log"]
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["data"]["pairs"] == 120
    assert metrics["split"]["train_pairs"] + metrics["split"]["test_pairs"] == 120
    assert set(metrics["bleu"]) == {"greedy", "beam"}
    assert all(0 <= v <= 100 for v in metrics["bleu"].values())
    assert all(0 <= v <= 1 for v in metrics["exact_match"].values())
    assert len(metrics["history"]) <= 2 and metrics["seconds"]["training"] > 0
    assert metrics["vocab"]["source"] > 4 and metrics["vocab"]["target"] > 4


def test_report_is_self_contained(cli_run):
    out, _ = cli_run
    (run,) = list(out.iterdir())
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "default-src 'none'; style-src 'unsafe-inline'; img-src data:" in html
    assert "<script" not in html.lower()
    assert not re.search(r"(src|href)=\"https?:", html)
    for heading in ("Scores on the held-out sentences", "Example translations", "Attention"):
        assert heading in html
    assert html.count("<svg") >= 2 + 3  # lengths, curves, and three maps per sentence
    assert "Encoder-decoder attention" in html


def test_translate_command_prints_one_line_per_sentence(cli_run, capsys):
    out, _ = cli_run
    (run,) = list(out.iterdir())
    capsys.readouterr()
    assert main(["translate", "--model", str(run / "model"), "Hi.", "I am here."]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert translate(run / "model", ["Hi.", "I am here."]) == lines


def test_cli_prints_the_run_folder_last(tmp_path, capsys):
    code = main(["-q", "translate-train", "--data", str(DATA), "--out", str(tmp_path),
                 "--pairs", "40", "--epochs", "1", *TINY_FLAGS])
    assert code == 0
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    assert printed == str(next(tmp_path.iterdir()))


def test_failed_run_leaves_nothing_behind(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("Hi.\tHallo!\nbroken line\n", encoding="utf-8")
    out = tmp_path / "runs"
    with pytest.raises(DataError, match="line 2"):
        train_translator(bad, out, max_epochs=1)
    assert list(out.iterdir()) == []


def test_cli_reports_a_damaged_model_as_bad_data(tmp_path):
    assert main(["translate", "--model", str(tmp_path), "Hi."]) == 65
