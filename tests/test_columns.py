"""Column roles: ignored columns, integer identifiers, dates, free text; through a whole run."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from pipeline.cli import main
from pipeline.columns import identifier_reason, is_date_column, text_reason
from pipeline.datasets import infer_roles
from pipeline.errors import DataError
from pipeline.phases import DATE_PARTS, DateParts, make_prepare
from tests.conftest import make_mixed_frame

N = 120


@pytest.mark.parametrize("name", ["id", "ID", "row_id", "Customer ID", "customerId", "CustomerID", "index",
                                  "Unnamed: 0", "id-2"])
def test_an_integer_column_named_like_an_id_is_an_identifier(name):
    values = pd.Series(np.random.default_rng(0).permutation(12) * 1000)  # neither many rows nor dense
    assert "named like one" in identifier_reason(values, name)
    # a code with few values names groups, not rows: kept
    assert identifier_reason(pd.Series(np.arange(N) % 7), name) is None


@pytest.mark.parametrize("name", ["paid", "valid", "width", "ideal", "hidden"])
def test_words_ending_or_starting_in_id_are_not_identifiers(name):
    assert identifier_reason(pd.Series([3, 1, 2] * 5), name) is None


def test_row_numbers_are_identifiers_by_their_values_alone():
    shuffled = pd.Series(np.random.default_rng(0).permutation(N) + 1000)
    assert "covering most of its range" in identifier_reason(shuffled, "n")
    assert "increasing" in identifier_reason(pd.Series(np.arange(N) * 7), "n")
    # a sparse unique measure, too few rows, fractions and repeats are not
    assert identifier_reason(pd.Series(np.random.default_rng(0).permutation(N) * 1000), "amount") is None
    assert identifier_reason(pd.Series(np.arange(10)), "n") is None
    assert identifier_reason(pd.Series(np.arange(N) + 0.5), "n") is None
    assert identifier_reason(pd.Series(np.arange(N) % 7), "n") is None


def test_dates_are_recognised_when_nearly_all_values_parse():
    days = pd.Series(pd.date_range("2020-01-01", periods=N, freq="D").strftime("%Y-%m-%d"))
    assert is_date_column(days) and is_date_column(pd.to_datetime(days))
    mostly = days.copy()
    mostly[:3] = "unknown"  # 97.5 % parse
    assert is_date_column(mostly)
    half = days.copy()
    half[: N // 2] = "unknown"
    assert not is_date_column(half)
    assert not is_date_column(pd.Series([str(2000 + i % 20) for i in range(N)]))  # years as numbers
    assert not is_date_column(pd.Series(np.arange(N)))


def test_free_text_is_many_distinct_values_or_long_ones():
    assert text_reason(pd.Series([f"w{i % 70}" for i in range(N)])).startswith("free text: 70 distinct")
    long = pd.Series([f"a long comment about row number {i % 60} " * 3 for i in range(N)])
    assert text_reason(long).startswith("free text: 60 distinct")
    assert text_reason(pd.Series([f"level {i % 40}" for i in range(N)])) is None


def test_date_parts_sit_inside_the_prepare_step_and_read_raw_strings():
    rng = np.random.default_rng(0)
    when = pd.Series(pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, N), unit="D"))
    X = pd.DataFrame({"x": rng.normal(size=N), "sold": when.dt.strftime("%Y-%m-%d")})
    y = (when.dt.year >= 2022).astype(int)
    model = make_pipeline(make_prepare(["x"], [], dates=["sold"]), LogisticRegression()).fit(X, y)
    names = list(model[0].get_feature_names_out())
    assert names == ["numeric__x"] + [f"dates__sold_{part}" for part in DATE_PARTS]
    # unparseable and missing dates are imputed, never an error
    raw = pd.DataFrame({"x": [0.0, 0.0, 0.0], "sold": ["2024-06-01", "not a date", None]})
    assert model.predict_proba(raw).shape == (3, 2)
    assert model.score(X, y) > 0.9  # the year is learnt from the parts


def test_date_parts_are_the_calendar_of_each_date():
    parts = DateParts().fit_transform(pd.DataFrame({"d": ["2021-12-31T23:00:00", "1970-01-02"]}))
    np.testing.assert_allclose(parts, [[2021, 12, 4, 365, 18992 + 23 / 24], [1970, 1, 4, 2, 1]], rtol=1e-6)


def test_ignore_leaves_columns_out_and_unknown_names_are_an_error():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "x"], "c": [0.5, 0.1, 0.2]})
    roles = infer_roles(frame, ignore=["b"])
    assert roles.numeric == ["a", "c"] and roles.categorical == []
    assert roles.dropped == {"b": "listed in `ignore`"}
    with pytest.raises(DataError, match=r"'bb', 'zz' in `ignore` \(--ignore\) are not in the data\. "
                                        r"Did you mean 'b' for 'bb'\?.*Available columns: a, b, c"):
        infer_roles(frame, ignore=["zz", "bb"])


def test_a_forced_role_keeps_a_column_the_checks_would_leave_out():
    frame = pd.DataFrame({"id": np.arange(N), "note": [f"n{i}" for i in range(N)], "x": np.ones(N) * 2,
                          "v": np.arange(N) % 3})
    roles = infer_roles(frame)
    assert set(roles.dropped) == {"id", "note"} and roles.numeric == ["x", "v"]
    kept = infer_roles(frame, numeric=["id"], categorical=["note"])
    assert kept.numeric == ["id", "x", "v"] and kept.categorical == ["note"] and kept.dropped == {}


def _table(n=240, seed=0):
    """The mixed table with an id, a date, free text and a column to ignore."""
    rng = np.random.default_rng(seed)
    frame = make_mixed_frame(n=n, seed=seed)
    days = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 2000, n), unit="D")
    frame.insert(0, "id", rng.permutation(n) + 1)
    frame["visit"] = pd.Series(days).dt.strftime("%Y-%m-%d").to_numpy()
    frame["comment"] = [f"called on day {i % 150}, said something" for i in range(n)]  # 150 of 240 distinct
    frame["noise"] = rng.normal(size=n)
    return frame


def test_a_run_gives_each_column_its_role_and_predict_reads_raw_rows(tmp_path, capsys):
    data = tmp_path / "table.csv"
    _table().to_csv(data, index=False)
    assert main(["-q", "run", "--data", str(data), "--target", "label", "--models", "logreg", "--n-jobs", "1",
                 "--cv", "2", "--n-candidates", "1", "--no-ensemble", "--ignore", "noise",
                 "--out", str(tmp_path / "runs")]) == 0
    out, err = capsys.readouterr()
    run_dir = Path(out.strip().splitlines()[-1])
    roles = json.loads((run_dir / "metrics.json").read_text())["dataset"]["roles"]
    assert roles["dates"] == ["visit"] and roles["numeric"] == ["x1", "x2", "x3"]
    assert roles["categorical"] == ["colour", "size"]
    assert roles["dropped"]["noise"] == "listed in `ignore`"
    assert roles["dropped"]["id"].startswith("integer identifier")
    assert roles["dropped"]["comment"].startswith("free text")
    assert "WARNING: Leaving out columns: id (integer identifier" in err  # the warning names them
    manifest = json.loads((run_dir / "model" / "manifest.json").read_text())
    assert manifest["metadata"]["roles"] == roles
    html = (run_dir / "report.html").read_text()
    assert "<h3>Column roles</h3>" in html and "<td>visit</td><td>dates</td>" in html
    assert "<td>noise</td><td>left out</td><td>listed in `ignore`</td>" in html.replace("&#96;", "`")
    # raw rows, every column included: the model uses its own and parses the dates
    rows = _table(n=15, seed=1).drop(columns="label")
    rows.to_csv(tmp_path / "new.csv", index=False)
    out = tmp_path / "p.csv"
    assert main(["-q", "predict", "--model", str(run_dir / "model"), "--data", str(tmp_path / "new.csv"),
                 "--out", str(out)]) == 0
    assert len(pd.read_csv(out)) == 15


def test_an_unknown_ignore_name_fails_the_run_naming_it(tmp_path, capsys):
    data = tmp_path / "table.csv"
    _table(n=60).to_csv(data, index=False)
    out = tmp_path / "runs"
    assert main(["-q", "run", "--data", str(data), "--target", "label", "--models", "logreg",
                 "--ignore", "nosie", "--out", str(out)]) == 65
    err = capsys.readouterr().err
    assert "'nosie' in `ignore` (--ignore) are not in the data. Did you mean 'noise'" in err
    assert not out.exists() or list(out.iterdir()) == []
