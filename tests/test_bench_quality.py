"""The quality benchmark's pure helpers: table listing, split, score and the rebuilt page."""

import doctest
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import _quality_report  # noqa: E402
import _quality_split  # noqa: E402
from _quality_report import compare, quality_markdown  # noqa: E402
from _quality_split import heldout_auc, listed_tables, row_number_columns, split_table  # noqa: E402


@pytest.mark.parametrize("module", [_quality_split, _quality_report])
def test_doctests_pass(module):
    assert doctest.testmod(module).failed == 0


def test_listed_tables_reads_file_and_target(tmp_path):
    (tmp_path / "DATASETS.md").write_text(
        "| file | target | rows |\n|---|---|---:|\n| a.csv.gz | `churn` | 5 |\n| b.csv | `y` | 3 |\n"
        "Some prose mentioning x.csv.gz.\n")
    found = listed_tables(tmp_path)
    assert found == {"a": (tmp_path / "a.csv.gz", "churn"), "b": (tmp_path / "b.csv", "y")}


def test_listed_tables_without_index_says_what_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="DATASETS.md is missing"):
        listed_tables(tmp_path)


def test_row_numbers_found_but_not_ordinary_integers():
    frame = pd.DataFrame({"rownames": np.arange(1, 7), "zero_based": np.arange(6),
                          "count": [1, 2, 3, 5, 4, 6], "x": np.linspace(0, 1, 6)})
    assert row_number_columns(frame) == ["rownames", "zero_based"]


def test_split_is_stratified_reproducible_and_fingerprinted():
    frame = pd.DataFrame({"x": np.arange(200), "y": ["a"] * 160 + ["b"] * 40})
    train, test, mark = split_table(frame, "y", seed=0, test_size=0.25)
    again = split_table(frame, "y", seed=0, test_size=0.25)
    other = split_table(frame, "y", seed=1, test_size=0.25)
    assert len(test) == 50 and (test["y"] == "b").sum() == 10
    assert set(train.index).isdisjoint(test.index)
    assert again[2] == mark and other[2] != mark


def test_auc_binary_uses_the_positive_column_and_multiclass_is_macro():
    yes = np.array([0.2, 0.7, 0.25, 0.3])
    proba = pd.DataFrame({"no": 1 - yes, "yes": yes})
    assert heldout_auc(["no", "yes", "yes", "no"], proba, "yes") == 0.75
    assert heldout_auc(["no", "yes", "yes", "no"], proba, "no") == 0.75
    three = pd.DataFrame(np.eye(3)[[0, 1, 2, 0]], columns=["a", "b", "c"])
    assert heldout_auc(["a", "b", "c", "a"], three, "a") == 1.0


def _payload(dmflow_run="r1"):
    arms = {arm: {"auc": auc, "wall_s": 1.0, "run": "r1"} for arm, auc in
            [("hgb", 0.80), ("logreg", 0.82), ("rf", 0.79), ("autogluon", 0.83)]}
    arms["dmflow"] = {"auc": 0.78, "wall_s": 2.0, "run_s": 1.5, "predict_s": 0.5,
                      "commit": "abc", "dirty": False, "run": dmflow_run}
    info = {"n_classes": 2, "rows_train": 75, "rows_test": 25}
    machine = {"cores": 2, "cpu": "x", "memory_gb": 1, "os": "y", "python": "3", "packages": {},
               "date": "d"}
    return {"settings": {"seed": 0, "test_size": 0.25, "autogluon_preset": "medium_quality"},
            "tables": {"t": {"info": info, "arms": arms}},
            "runs": {run: {"machine": machine, "wall_s": 1} for run in ("r1", "r2")}}


def test_page_gives_differences_and_says_when_arms_come_from_two_runs():
    row = compare(_payload()["tables"]["t"])
    assert row["best_plain_arm"] == "logreg"
    assert row["minus_plain"] == pytest.approx(-0.04)
    assert "different runs" not in quality_markdown(_payload())
    page = quality_markdown(_payload(dmflow_run="r2"))
    assert "different runs" in page and "-0.0400" in page
