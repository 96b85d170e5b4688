"""Malformed and awkward inputs, each written into a folder on demand.

Every case builds its files in a given folder and returns the command-line
arguments that feed them to dmflow, with the outcome a careful user expects:
an exit code and a message naming the culprit, or a finished run with a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Rows of the small training table the cases start from.
N_ROWS = 120


def base_frame(n=N_ROWS, seed=0):
    """Two numeric columns, one categorical, and a ``label`` that depends on them."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)
    score = x1 - 0.5 * x2 + (colour == "red") + rng.normal(scale=0.5, size=n)
    label = np.where(score > np.quantile(score, 0.7), "yes", "no")
    return pd.DataFrame({"x1": x1, "x2": x2, "colour": colour, "label": label})


# A quick search keeps each run of a handled case short: one model, no reduction grid.
FAST_CONFIG = "models: [logreg]\nreduce: [none]\nbalance: [smote]\nn_candidates: 1\nn_jobs: 1\n"


@dataclass(frozen=True)
class Case:
    """One corpus entry.

    ``build(folder)`` writes the inputs and returns the argv after ``dmflow``
    (``--out`` is added by the test). ``code`` is the expected exit code; for
    errors ``message`` is a regex the one-line error must match, for handled
    cases (code 0) a regex a warning must match, or None when no warning is due.
    ``check(metrics)`` asserts what a handled run must show in its metrics.json.
    """

    name: str
    build: Callable
    code: int
    message: str | None
    kind: str = "run"  # "run", "predict" or "usage"
    check: Callable | None = None  # check(metrics) for a finished run


def _csv(folder, frame, name="data.csv", **kwargs):
    path = folder / name
    frame.to_csv(path, index=False, **kwargs)
    return path


def _run(path, *extra, target="label"):
    args = ["run", "--data", str(path), "--models", "logreg", "--n-jobs", "1"]
    if target is not None:
        args += ["--target", target]
    return args + list(extra)


def _fast_run(folder, path, *extra, target="label"):
    config = folder / "fast.yaml"
    config.write_text(FAST_CONFIG, encoding="utf-8")
    return _run(path, "--config", str(config), *extra, target=target)


def _write(folder, name, data):
    path = folder / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


# -- training data --------------------------------------------------------------------


def empty_file(folder):
    return _run(_write(folder, "empty.csv", b""))


def header_only(folder):
    return _run(_write(folder, "header.csv", "x1,x2,colour,label\n"))


def wrong_delimiter(folder):
    return _run(_csv(folder, base_frame(), "semicolon.csv", sep=";"))


def not_utf8(folder):
    frame = base_frame()
    frame.loc[5, "colour"] = "caf\xe9"
    path = folder / "latin1.csv"
    frame.to_csv(path, index=False, encoding="latin-1")
    return _run(path)


def duplicate_columns(folder):
    text = base_frame().to_csv(index=False).replace("x1,x2,", "x1,x1,", 1)
    return _run(_write(folder, "dupes.csv", text))


def target_absent(folder):
    return _run(_csv(folder, base_frame()), target="lable")


def target_all_missing(folder):
    frame = base_frame()
    frame["label"] = np.nan
    return _run(_csv(folder, frame))


def target_partly_missing(folder):
    frame = base_frame()
    frame.loc[::10, "label"] = np.nan
    return _fast_run(folder, _csv(folder, frame))


def target_single_class(folder):
    frame = base_frame()
    frame["label"] = "yes"
    return _run(_csv(folder, frame))


def target_continuous(folder):
    frame = base_frame()
    frame["label"] = frame["x1"] * 3.7 + 0.1
    return _run(_csv(folder, frame))


def class_too_small_for_smote(folder):
    frame = base_frame()
    frame["label"] = "no"
    frame.loc[:7, "label"] = "yes"  # 8 rows: about 5 land in training, fewer than k+1 = 6
    return _fast_run(folder, _csv(folder, frame))


def class_of_one_row(folder):
    frame = base_frame()
    frame.loc[0, "label"] = "rare"  # a third class with a single row
    return _run(_csv(folder, frame))


def all_missing_column(folder):
    frame = base_frame()
    frame.insert(2, "empty", np.nan)
    return _fast_run(folder, _csv(folder, frame))


def constant_column(folder):
    frame = base_frame()
    frame.insert(2, "constant", 4.2)
    return _fast_run(folder, _csv(folder, frame))


def inf_values(folder):
    frame = base_frame()
    frame.loc[[3, 40], "x1"] = np.inf
    frame.loc[7, "x2"] = -np.inf
    return _fast_run(folder, _csv(folder, frame))


def text_in_numeric(folder):
    frame = base_frame()
    frame["x2"] = frame["x2"].round(3).astype(str)
    frame.loc[17, "x2"] = "n/a?"
    return _run(_csv(folder, frame))


def id_like_column(folder):
    n = 2400
    frame = base_frame(n=n)
    frame.insert(0, "customer_id", [f"C{i:06d}" for i in np.random.default_rng(1).permutation(n)])
    return _fast_run(folder, _csv(folder, frame))


def unicode_column_names(folder):
    frame = base_frame().rename(columns={"x1": "température (°C)", "x2": "  poids kg ", "colour": "颜色"})
    frame = frame.rename(columns={"label": "classe finale"})
    return _fast_run(folder, _csv(folder, frame), target="classe finale")


def quoted_newlines(folder):
    frame = base_frame()
    frame.loc[::7, "colour"] = "dark\nred, really"
    frame = frame.rename(columns={"x2": "second\nmeasure"})
    return _fast_run(folder, _csv(folder, frame))


def directory_as_data(folder):
    (folder / "a_folder.csv").mkdir()
    return _run(folder / "a_folder.csv")


def binary_garbage(folder):
    data = bytes(np.random.default_rng(0).integers(0, 256, size=4096, dtype=np.uint8))
    return _run(_write(folder, "garbage.csv", data))


def missing_file(folder):
    return _run(folder / "nowhere.csv")


def ragged_rows(folder):
    text = base_frame().to_csv(index=False)
    lines = text.splitlines()
    lines[9] += ",1.5,extra"
    return _run(_write(folder, "ragged.csv", "\n".join(lines) + "\n"))


def no_usable_features(folder):
    frame = base_frame()[["label"]].assign(a=np.nan, b=np.nan)
    return _run(_csv(folder, frame))


def every_feature_constant(folder):
    frame = base_frame().assign(x1=1.0, x2=np.nan, colour="red")
    frame.loc[::3, "x2"] = 5.0
    return _run(_csv(folder, frame))


def utf8_bom(folder):
    path = folder / "bom.csv"
    base_frame().to_csv(path, index=False, encoding="utf-8-sig")
    return _fast_run(folder, path, target="label")


# -- configuration --------------------------------------------------------------------


def _with_config(folder, text, suffix=".yaml"):
    config = _write(folder, f"config{suffix}", text)
    return ["run", "--data", str(_csv(folder, base_frame())), "--target", "label", "--config", str(config)]


def config_unknown_key(folder):
    return _with_config(folder, "models: [logreg]\nk_neighbours: 3\n")


def config_wrong_type(folder):
    return _with_config(folder, "models: [logreg]\ntest_size: a fifth\n")


def config_out_of_range(folder):
    return _with_config(folder, "models: [logreg]\ntest_size: 1.5\n")


def config_broken_yaml(folder):
    return _with_config(folder, "models: [logreg\nseed: 1\n")


def config_broken_toml(folder):
    return _with_config(folder, 'models = ["logreg"\nseed = 1\n', suffix=".toml")


def unknown_model(folder):
    return ["run", "--data", str(_csv(folder, base_frame())), "--target", "label",
            "--models", "logreg,xgboost"]


def usage_error(folder):
    return ["run", "--seed", "three"]


# -- prediction -----------------------------------------------------------------------
# ``folder`` holds ``model/`` from a finished run (the test provides it).


def predict_missing_column(folder):
    rows = base_frame(n=10, seed=5).drop(columns=["x2", "label"])
    return ["predict", "--model", str(folder / "model"), "--data", str(_csv(folder, rows, "rows.csv"))]


def predict_extra_column(folder):
    rows = base_frame(n=10, seed=5).assign(note="hello")
    return ["predict", "--model", str(folder / "model"), "--data", str(_csv(folder, rows, "rows.csv")),
            "--out", str(folder / "pred.csv")]


def predict_unseen_categories(folder):
    rows = base_frame(n=10, seed=5)
    rows.loc[[0, 3], "colour"] = ["purple", "<b>new</b>"]
    rows.loc[4, "colour"] = np.nan
    return ["predict", "--model", str(folder / "model"), "--data", str(_csv(folder, rows, "rows.csv")),
            "--out", str(folder / "pred.csv")]


def predict_text_in_numeric(folder):
    rows = base_frame(n=10, seed=5)
    rows["x1"] = rows["x1"].astype(str)
    rows.loc[2, "x1"] = "twelve"
    return ["predict", "--model", str(folder / "model"), "--data", str(_csv(folder, rows, "rows.csv"))]


def predict_empty_file(folder):
    return ["predict", "--model", str(folder / "model"),
            "--data", str(_write(folder, "rows.csv", b""))]


def _model_file(folder, suffix):
    return next(p for p in sorted((folder / "model").iterdir()) if p.name.endswith(suffix))


def truncated_model(folder):
    path = _model_file(folder, ".skops")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return ["predict", "--model", str(folder / "model"),
            "--data", str(_csv(folder, base_frame(n=5), "rows.csv"))]


def tampered_manifest(folder):
    path = folder / "model" / "manifest.json"
    path.write_text(path.read_text(encoding="utf-8")[:-20], encoding="utf-8")
    return ["predict", "--model", str(folder / "model"),
            "--data", str(_csv(folder, base_frame(n=5), "rows.csv"))]


def model_file_removed(folder):
    _model_file(folder, ".skops").unlink()
    return ["predict", "--model", str(folder / "model"),
            "--data", str(_csv(folder, base_frame(n=5), "rows.csv"))]


def not_a_model_folder(folder):
    return ["predict", "--model", str(folder), "--data", str(_csv(folder, base_frame(n=5), "rows.csv"))]


def _assert(condition):
    assert condition


def _rows_used(metrics):
    return sum(sum(part.values()) for part in metrics["dataset"]["class_counts"].values())


TRAINING = [
    Case("empty file", empty_file, 65, r"empty\.csv.* is empty"),
    Case("header only", header_only, 65, r"header\.csv.* has a header but no data rows"),
    Case("wrong delimiter", wrong_delimiter, 65, r"semicolon\.csv.* single column.*';'"),
    Case("non-UTF-8 bytes", not_utf8, 65, r"latin1\.csv.* is not UTF-8.*iconv"),
    Case("duplicate column names", duplicate_columns, 65, r"duplicate column names: 'x1'"),
    Case("target absent", target_absent, 65,
         r"Target column 'lable' is not in the data\. Did you mean 'label'"),
    Case("target all missing", target_all_missing, 65, r"Target column 'label' has no values"),
    Case("target partly missing", target_partly_missing, 0,
         r"Dropping 12 rows whose target 'label' is missing",
         check=lambda m: _assert(_rows_used(m) == N_ROWS - 12)),
    Case("target single class", target_single_class, 65,
         r"Target column 'label' holds a single class \('yes'\)"),
    Case("target continuous", target_continuous, 65, r"Target column 'label' looks continuous"),
    Case("class smaller than SMOTE needs", class_too_small_for_smote, 0,
         r"Class 'yes' has only \d training rows, too few for k_neighbors=5; using k_neighbors=\d",
         check=lambda m: _assert(len(set(m["phases"]["balance"]["class_counts_after"].values())) == 1)),
    Case("class of a single row", class_of_one_row, 65,
         r"Class 'rare' has only 1 row\(s\); a stratified train/validation/test split"),
    Case("all-missing column", all_missing_column, 0, r"Leaving out columns: empty \(all values missing\)",
         check=lambda m: _assert("empty" in m["dataset"]["roles"]["dropped"])),
    Case("constant column", constant_column, 0, r"Column 'constant' holds a single value \(4\.2\)",
         check=lambda m: _assert("constant" in m["dataset"]["roles"]["numeric"])),
    Case("inf values", inf_values, 0,
         r"Column 'x1' holds 2 infinite value\(s\); they are treated as missing"),
    Case("text in a numeric column", text_in_numeric, 65,
         r"Column 'x2' is numeric but holds text: row 18 has 'n/a\?'"),
    Case("id-like column", id_like_column, 0,
         r"customer_id \(identifier-like: 2400 distinct values in 2400 rows",
         check=lambda m: _assert("customer_id" in m["dataset"]["roles"]["dropped"])),
    Case("unicode and spaces in column names", unicode_column_names, 0, None,
         check=lambda m: _assert(m["dataset"]["roles"]["numeric"] == ["température (°C)", "  poids kg "]
                                 and m["dataset"]["roles"]["categorical"] == ["颜色"])),
    Case("quoted newlines", quoted_newlines, 0, None,
         check=lambda m: _assert(m["dataset"]["n_rows"] == N_ROWS
                                 and "second\nmeasure" in m["dataset"]["roles"]["numeric"])),
    Case("directory as data", directory_as_data, 65, r"a_folder\.csv.* is a folder"),
    Case("binary garbage as data", binary_garbage, 65, r"garbage\.csv.* is binary, not a text table"),
    Case("data file missing", missing_file, 65, r"nowhere\.csv.* does not exist"),
    Case("ragged rows", ragged_rows, 65, r"ragged\.csv.*line 10"),
    Case("no usable feature", no_usable_features, 65, r"No usable feature columns"),
    Case("every feature constant", every_feature_constant, 65, r"No feature column varies: x1, x2, colour"),
    Case("UTF-8 byte-order mark", utf8_bom, 0, None,
         check=lambda m: _assert(m["dataset"]["roles"]["numeric"] == ["x1", "x2"])),
]

CONFIG = [
    Case("config unknown key", config_unknown_key, 78,
         r"Unknown config key 'k_neighbours'\. Did you mean 'k_neighbors'"),
    Case("config wrong type", config_wrong_type, 78, r"`test_size` must be a number; got 'a fifth'"),
    Case("config out of range", config_out_of_range, 78,
         r"`test_size` must be between 0\.0 and 1\.0.*got 1\.5"),
    Case("config broken YAML", config_broken_yaml, 78, r"config\.yaml.* is not valid YAML"),
    Case("config broken TOML", config_broken_toml, 78, r"config\.toml.* is not valid TOML"),
    Case("unknown model name", unknown_model, 78, r"`models` got 'xgboost'"),
    Case("usage error", usage_error, 2, r"invalid int value: 'three'", kind="usage"),
]

PREDICT = [
    Case("predict: missing column", predict_missing_column, 65,
         r"lacks column\(s\) the model was trained on: x2", "predict"),
    Case("predict: extra column", predict_extra_column, 0,
         r"Ignoring column\(s\) the model does not use: note", "predict"),
    Case("predict: unseen categories", predict_unseen_categories, 0,
         r"Column 'colour': 2 row\(s\) hold categories unseen in training", "predict"),
    Case("predict: text in a numeric column", predict_text_in_numeric, 65,
         r"Column 'x1' is numeric but holds text: row 3 has 'twelve'", "predict"),
    Case("predict: empty file", predict_empty_file, 65, r"rows\.csv.* is empty", "predict"),
    Case("truncated model file", truncated_model, 65,
         r"estimator\.skops .* does not match its recorded SHA-256", "predict"),
    Case("tampered manifest", tampered_manifest, 65, r"manifest of model .* is unreadable", "predict"),
    Case("model file removed", model_file_removed, 65,
         r"is incomplete: estimator\.skops is missing", "predict"),
    Case("not a model folder", not_a_model_folder, 65, r"is not a dmflow model folder", "predict"),
]

ALL = TRAINING + CONFIG + PREDICT
