"""What `dmflow predict` writes: never over its input, formulas defused, warnings summarised."""

import csv
import io
import logging
import os

import numpy as np
import pandas as pd
import pytest

from pipeline import RunConfig
from pipeline.cli import main
from pipeline.datasets import infer_roles
from pipeline.models import build_model
from pipeline.persistence import load_model, save_model
from pipeline.predict import FORMULA_STARTS, predict_file
from tests.conftest import make_mixed_frame

# Cells a spreadsheet would run: OWASP's examples, and each first character alone.
HOSTILE = ["=cmd|' /C calc'!A0", "+SUM(1+1)*cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3+cmd|' /C calc'!A0",
           "\t=1+1", "\r=1+1", *FORMULA_STARTS]


def _fit_and_save(folder, labels=("no", "yes")):
    frame = make_mixed_frame(n=120)
    X = frame.drop(columns="label")
    y = frame["label"].map(dict(zip(["no", "yes"], labels)))
    roles = infer_roles(X)
    model = build_model("logreg", RunConfig(models=["logreg"]), roles).fit(X, y)
    return save_model(model, folder, metadata={"target": "label", "kind": "table", "roles": roles.to_dict()})


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory):
    return _fit_and_save(tmp_path_factory.mktemp("model") / "model")


def _predict(folder, data, *extra):
    return main(["-q", "predict", "--model", str(folder), "--data", str(data), *extra])


@pytest.mark.parametrize("alias", ["same", "relative", "symlink", "hardlink"])
def test_out_that_is_the_input_file_is_refused_and_nothing_is_written(model_folder, tmp_path, capsys, alias):
    data = tmp_path / "rows.csv"
    make_mixed_frame(n=20).to_csv(data, index=False)
    before = data.read_bytes()
    out = {"same": data, "relative": tmp_path / "." / "rows.csv", "symlink": tmp_path / "link.csv",
           "hardlink": tmp_path / "hard.csv"}[alias]
    if alias == "symlink":
        out.symlink_to(data)
    if alias == "hardlink":
        os.link(data, out)
    listing = sorted(p.name for p in tmp_path.iterdir())
    assert _predict(model_folder, data, "--out", str(out)) == 2
    error = capsys.readouterr().err
    assert "is the input file --data" in error and "Pass another --out path" in error
    assert data.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # no partial file either


def _read_cells(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_formula_cells_are_defused_in_kept_columns_predictions_and_headers(tmp_path):
    # Class labels that are formulas reach both the prediction cells and the proba_ headers.
    folder = _fit_and_save(tmp_path / "model", labels=("=no", "@yes"))
    rows = make_mixed_frame(n=len(HOSTILE) * 2, seed=3)
    rows["=HYPERLINK(\"x\")"] = HOSTILE * 2
    rows["-1"] = -np.arange(len(rows), dtype=float) - 0.5  # negative numbers under a header like one
    rows.to_parquet(tmp_path / "rows.parquet")  # holds a lone carriage return as it is
    kept = "=HYPERLINK(\"x\"),-1"
    assert _predict(folder, tmp_path / "rows.parquet", "--out", str(tmp_path / "p.csv"), "--keep", kept) == 0
    header, *cells = _read_cells(tmp_path / "p.csv")
    assert header == ["'=HYPERLINK(\"x\")", "-1", "prediction", "proba_=no", "proba_@yes"]
    for row in [header, *cells]:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS) or _is_number(cell), cell
    hostile = [row[0] for row in cells]
    assert hostile[:len(HOSTILE)] == ["'" + cell.replace("|", "\\|") if cell[0] in "=+-@" else "'" + cell
                                      for cell in HOSTILE]
    assert {row[2] for row in cells} <= {"'=no", "'@yes"}
    written = pd.read_csv(tmp_path / "p.csv")
    np.testing.assert_array_equal(written["-1"], rows["-1"])  # numbers, negative ones too, stay numbers
    assert np.isclose(written[["proba_=no", "proba_@yes"]].sum(axis=1), 1).all()


def test_defusing_can_be_turned_off_and_then_matches_pandas(model_folder, tmp_path, capsys):
    # pandas writes a lone carriage return unquoted, which splits the row: those cells are left out here
    hostile = [cell for cell in HOSTILE if "\r" not in cell]
    rows = make_mixed_frame(n=len(hostile), seed=4).assign(note=hostile)
    rows.to_csv(tmp_path / "rows.csv", index=False)
    assert _predict(model_folder, tmp_path / "rows.csv", "--keep", "note", "--no-defuse-formulas") == 0
    raw = capsys.readouterr().out
    assert pd.read_csv(io.StringIO(raw))["note"].tolist() == hostile
    assert _predict(model_folder, tmp_path / "rows.csv", "--keep", "note") == 0
    defused = capsys.readouterr().out
    # Only the hostile cells changed: the same rows, probabilities and missing cells.
    plain, safe = pd.read_csv(io.StringIO(raw)), pd.read_csv(io.StringIO(defused))
    pd.testing.assert_frame_equal(plain.drop(columns="note"), safe.drop(columns="note"))
    assert (safe["note"].str[0] == "'").all()


def test_missing_and_numeric_cells_are_written_as_pandas_writes_them(model_folder, tmp_path):
    rows = make_mixed_frame(n=30, seed=6)
    rows["count"] = pd.array([1, None] * 15, dtype="Int64")
    rows["ratio"] = np.where(np.arange(30) % 3 == 0, np.nan, np.linspace(-1, 1, 30)).astype(np.float32)
    rows["note"] = ["=x"] + ["plain"] * 29  # one formula: the chunk goes through defusedcsv's writer
    rows.to_parquet(tmp_path / "rows.parquet")
    for flag, name in [("--defuse-formulas", "on.csv"), ("--no-defuse-formulas", "off.csv")]:
        assert _predict(model_folder, tmp_path / "rows.parquet", "--out", str(tmp_path / name), flag,
                        "--keep", "colour,count,ratio,x2,note") == 0
    on, off = (tmp_path / "on.csv").read_bytes(), (tmp_path / "off.csv").read_bytes()
    assert on.count(b"\r\n") == 31 and on.count(b"'=x") == 1
    assert on.replace(b"\r\n", b"\n").replace(b"'=x", b"=x") == off  # only the line ending and the formula


def test_unseen_categories_are_counted_over_every_chunk(model_folder, tmp_path, caplog):
    rows = make_mixed_frame(n=300, seed=7)
    rows.loc[[250, 290], "colour"] = "purple"  # first seen in the sixth chunk of 50 rows
    rows.loc[3, "size"] = "XXL"
    rows.loc[[120, 260], "size"] = "XS"
    rows.to_csv(tmp_path / "rows.csv", index=False)
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        predict_file(load_model(model_folder), None, tmp_path / "rows.csv", tmp_path / "p.csv", chunk_rows=50)
    unseen = [r.getMessage() for r in caplog.records if "unseen in training" in r.getMessage()]
    assert len(unseen) == 2  # one summary per column, not one per chunk
    colour = next(m for m in unseen if m.startswith("Column 'colour'"))
    size = next(m for m in unseen if m.startswith("Column 'size'"))
    # Rows are named 1-based, the header not counted: data row 251 is the frame's row 250.
    assert "2 row(s)" in colour and "'purple'" in colour and "rows 251, 291" in colour
    assert "3 row(s)" in size and "'XXL', 'XS'" in size and "rows 4, 121, 261" in size


def test_unseen_row_numbers_are_capped(model_folder, tmp_path, caplog):
    from pipeline.predict import SHOWN_ROWS

    rows = make_mixed_frame(n=200, seed=8)
    rows.loc[rows.index[::4], "colour"] = [f"new{i}" for i in range(50)]
    rows.to_csv(tmp_path / "rows.csv", index=False)
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        predict_file(load_model(model_folder), None, tmp_path / "rows.csv", tmp_path / "p.csv", chunk_rows=30)
    (message,) = [r.getMessage() for r in caplog.records if "unseen in training" in r.getMessage()]
    assert "50 row(s)" in message
    shown = message.split("rows ")[1].split(")")[0]
    assert shown.split(", ")[:SHOWN_ROWS] == [str(i + 1) for i in range(0, 4 * SHOWN_ROWS, 4)]
    assert len(message) < 600


def test_kept_columns_are_not_reported_as_ignored(model_folder, tmp_path, caplog):
    rows = make_mixed_frame(n=20).assign(id=range(20), note="x")
    rows.to_csv(tmp_path / "rows.csv", index=False)
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        predict_file(load_model(model_folder), None, tmp_path / "rows.csv", tmp_path / "p.csv", keep=["id"],
                     chunk_rows=7)
    ignored = [r.getMessage() for r in caplog.records if "does not use" in r.getMessage()]
    assert ignored == ["Ignoring column(s) the model does not use: note."]


def test_a_malformed_line_and_a_bad_cell_are_numbered_alike(model_folder, tmp_path, capsys):
    rows = make_mixed_frame(n=60, seed=9)
    text = rows.to_csv(index=False).splitlines()
    bad_cell = text.copy()
    bad_cell[41] = bad_cell[41].replace(bad_cell[41].split(",")[0], "twelve", 1)  # file line 42
    (tmp_path / "cell.csv").write_text("\n".join(bad_cell) + "\n")
    bad_line = text.copy()
    bad_line[41] += ",surplus"
    (tmp_path / "line.csv").write_text("\n".join(bad_line) + "\n")
    messages = {}
    for name in ("cell.csv", "line.csv"):
        assert _predict(model_folder, tmp_path / name, "--out", str(tmp_path / "p.csv")) == 65
        messages[name] = capsys.readouterr().err
    # Data rows count from 1 without the header, so file line 42 is row 41 in both messages.
    assert "Column 'x1' is numeric but holds text: row 41 has 'twelve'" in messages["cell.csv"]
    assert "row 41 (line 42 of the file) has 7 fields, but the header has 6" in messages["line.csv"]
    assert not (tmp_path / "p.csv").exists()


@pytest.mark.parametrize("others", [["ok"], ["=y"]])
def test_every_chunk_is_guarded_alike_whatever_its_other_cells(others):
    from pipeline.predict import write_csv_rows

    stream = io.StringIO()
    write_csv_rows(pd.DataFrame({"note": ["%x", "|y", *others], "p": [0.5] * (2 + len(others))}), stream)
    cells = [row[0] for row in csv.reader(io.StringIO(stream.getvalue()))]
    assert cells[1:3] == ["'%x", "'\\|y"]  # defusedcsv's guard, with or without a formula beside them
