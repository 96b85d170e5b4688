"""The run record: an exact JSON round trip, a checked format version, old files, a real run's types.

``metrics_unversioned.json`` is the ``metrics.json`` the code wrote before the
record had types or a version, kept as that code wrote it. It was made from the
first 150 rows and columns 0, 1, 2 and ``target`` of scikit-learn's breast
cancer table, saved as ``cancer.csv``, by
``run(RunConfig(data="cancer.csv", models=["logreg", "rf"], protocol="article",
out="out", n_jobs=1, cv=2, time_limit=None))``: two models, so an ensemble with
members, and the article protocol's scores.
"""

import json
from pathlib import Path

import pytest
from sklearn.datasets import load_breast_cancer

from pipeline import RunConfig
from pipeline.errors import DataError
from pipeline.flow.runner import run
from pipeline.record import (
    FORMAT_VERSION,
    RECORD_FILE,
    CrossValidation,
    Curves,
    DatasetInfo,
    DataSource,
    Importance,
    ModelRecord,
    Phase,
    Reduction,
    RunInfo,
    RunRecord,
    Scores,
    SelectionInfo,
    Skipped,
    SplitCounts,
    Threshold,
    Trial,
    load_record,
)

UNVERSIONED = Path(__file__).with_name("metrics_unversioned.json")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    frame = load_breast_cancer(as_frame=True).frame.iloc[:120, [0, 1, 2, -1]]
    frame.to_csv(folder / "cancer.csv", index=False)
    config = RunConfig(data=str(folder / "cancer.csv"), models=["logreg"], out=str(folder), n_jobs=1, cv=2,
                       reduce=["none"], outliers=["none"], balance=["none"])
    return run(config, verbose=False)


def _old():
    return json.loads(UNVERSIONED.read_text(encoding="utf-8"))


def test_a_real_run_writes_the_version_and_its_record_round_trips(tiny_run):
    written = json.loads((tiny_run.path / RECORD_FILE).read_text(encoding="utf-8"))
    assert written["format_version"] == FORMAT_VERSION
    record = tiny_run.metrics
    assert record.to_dict() == written  # what the run holds is what it wrote
    again = RunRecord.from_json(record.to_json())
    assert again == record
    assert again.to_json() == record.to_json()
    assert load_record(tiny_run.path) == record


def test_a_real_run_record_has_typed_fields(tiny_run):
    record = tiny_run.metrics
    assert isinstance(record, RunRecord)
    assert isinstance(record.run, RunInfo) and isinstance(record.run.data, DataSource)
    assert isinstance(record.dataset, DatasetInfo) and isinstance(record.selection, SelectionInfo)
    assert isinstance(record.dataset.class_counts, SplitCounts)
    assert sum(record.dataset.class_counts.sizes().values()) == record.dataset.n_rows
    model = record.models[record.best_model]
    assert isinstance(model, ModelRecord)
    assert isinstance(model.cv, CrossValidation) and len(model.cv.folds) == record.selection.folds == 2
    assert isinstance(model.threshold, Threshold) and isinstance(model.reduction, Reduction)
    assert isinstance(model.validation, Scores) and isinstance(model.test, Scores)
    assert model.test.n_rows == sum(record.dataset.class_counts.test.values())
    assert all(isinstance(r, Reduction) for r in record.phases.reduction.values())
    assert isinstance(record.phases.outliers, Phase) and record.phases.outliers.method == "none"
    # the attributes and the keys of the parsed JSON read the same values
    assert record["models"][record.best_model]["test"]["roc_auc"] == model.test.roc_auc
    assert sorted(record["models"][record.best_model]["cv"]) == ["folds", "mean", "metric", "std"]


def test_an_unversioned_file_loads_upgraded_and_loses_nothing(tmp_path):
    old = _old()
    assert "format_version" not in old
    (tmp_path / RECORD_FILE).write_text(json.dumps(old), encoding="utf-8")
    record = load_record(tmp_path)
    assert record.format_version == FORMAT_VERSION
    assert record.to_dict() == {"format_version": FORMAT_VERSION, **old}
    assert isinstance(record.models["ensemble"].cv, CrossValidation)
    assert record.models["ensemble"].members and set(record.models["ensemble"].members) <= {"logreg", "rf"}
    assert isinstance(record.models["rf"].test_article, Scores)
    assert record.models["rf"].test_article.labels == record.dataset.classes
    assert RunRecord.from_json(record.to_json()) == record


def test_a_partial_or_extended_object_round_trips_exactly():
    data = {"best_model": "rf", "models": {"rf": {"test": {}, "figure_of_tomorrow": [1, 2]}},
            "phases": {"imputation": {"cells_imputed": {}}, "reported_model": "rf"}, "future_key": {"a": 1}}
    record = RunRecord.from_dict(data)
    assert record.to_dict() == {"format_version": FORMAT_VERSION, **data}
    assert not record.models["rf"].test  # an empty object stays as falsy as {}
    assert "validation" not in record.models["rf"] and record.models["rf"].validation is None
    assert record.models["rf"].figure_of_tomorrow == [1, 2]
    assert "method" not in record.phases.imputation
    record.models["rf"].fit_time_s = 1.5  # a field set after reading is written
    assert record.to_dict()["models"]["rf"]["fit_time_s"] == 1.5


def test_a_newer_version_is_refused_naming_the_file_the_version_and_the_fix(tmp_path):
    path = tmp_path / RECORD_FILE
    path.write_text(json.dumps({**_old(), "format_version": FORMAT_VERSION + 1}), encoding="utf-8")
    with pytest.raises(DataError, match=rf"{RECORD_FILE}' has format_version {FORMAT_VERSION + 1}.*"
                                        rf"up to {FORMAT_VERSION}.*Upgrade dmflow"):
        load_record(tmp_path)


@pytest.mark.parametrize("version", ["1", 1.0, True, -1])
def test_a_version_that_is_no_version_is_refused(tmp_path, version):
    (tmp_path / RECORD_FILE).write_text(json.dumps({"format_version": version}), encoding="utf-8")
    with pytest.raises(DataError, match=r"format_version .* is not a version number; rerun"):
        load_record(tmp_path)


@pytest.mark.parametrize(("text", "message"), [
    ('{"models": {"rf": {"test": [1]}}}',
     r", models\.rf\.test must be a JSON object, but the record holds list"),
    ('{"models": [1]}', r", models must be a JSON object of named entries"),
    ("[1]", r" must hold a JSON object, but holds list"),
    ("{", r" is not valid JSON"),
])
def test_a_malformed_record_names_the_file_and_the_place(tmp_path, text, message):
    (tmp_path / RECORD_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=rf"{RECORD_FILE}'{message}.*[Rr]erun the run"):
        load_record(tmp_path)


def test_a_folder_without_a_record_is_refused(tmp_path):
    with pytest.raises(DataError, match=rf"holds no {RECORD_FILE}, so it is not a finished run folder"):
        load_record(tmp_path)


def test_a_record_equals_the_json_it_writes_and_differs_when_a_value_does():
    record = RunRecord.from_dict(_old())
    assert record == {"format_version": FORMAT_VERSION, **_old()}
    assert record.models["rf"].test == _old()["models"]["rf"]["test"]
    changed = RunRecord.from_json(record.to_json())
    changed.models["rf"].test.roc_auc = -1.0
    assert changed != record
    assert record.models["rf"].cv != record.models["rf"].threshold  # parts of two kinds never equal


def test_a_models_diagnostics_are_typed_and_keep_their_figure_data():
    model = RunRecord.from_dict(_old()).models["rf"]
    assert isinstance(model.curves, Curves) and isinstance(model.importance, Importance)
    assert 0.0 <= model.curves.average_precision <= 1.0
    assert len(model.curves.calibration["prob_pred"]) == len(model.curves.calibration["count"])
    assert model.importance.n_rows <= model.importance.n_rows_available
    assert {c["column"] for c in model.importance.columns} <= set(_old()["dataset"]["roles"]["numeric"])
    assert model.activation is None  # no convolutional model in this run


def test_a_part_built_in_code_types_the_plain_json_it_is_given():
    model = ModelRecord(curves={"average_precision": 0.5}, cv={"metric": "roc_auc", "mean": 0.9})
    assert isinstance(model.curves, Curves) and model.curves.average_precision == 0.5
    assert isinstance(model.cv, CrossValidation) and model.cv.std is None
    assert ModelRecord.from_dict(model.to_dict()) == model


def test_search_trials_and_skipped_candidates_are_typed_and_keep_their_optional_keys():
    data = {"models": {"rf": {"search": [
        {"params": {"n": 1}, "cv_mean": 0.7, "cv_std": 0.1, "fold_scores": [0.6, 0.8], "fit_time_s": 1.0,
         "longest_fold_s": 0.6, "stopped": True, "stop_reason": "time limit"},
        {"params": {"n": 2}, "validation_roc_auc": 0.7, "fit_time_s": 0.5},  # before cross-validation
    ]}}, "selection": {"skipped": [{"model": "mlp", "params": None, "reason": "not started"}]}}
    record = RunRecord.from_dict(data)
    first, old = record.models["rf"].search
    assert isinstance(first, Trial) and first.stopped and first.fold_scores == [0.6, 0.8]
    assert old.cv_mean is None and "cv_mean" not in old and old.validation_roc_auc == 0.7
    (skipped,) = record.selection.skipped
    assert isinstance(skipped, Skipped) and skipped.model == "mlp" and skipped.params is None
    assert record.to_dict() == {"format_version": FORMAT_VERSION, **data}
    with pytest.raises(DataError, match=r"models\.rf\.search must be a JSON array, but the record holds"):
        RunRecord.from_dict({"models": {"rf": {"search": {"params": {}}}}})
