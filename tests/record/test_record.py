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

from pipeline.errors import DataError
from pipeline.record import (
    FORMAT_VERSION,
    RECORD_FILE,
    CrossValidation,
    RunRecord,
    Scores,
    load_record,
)

UNVERSIONED = Path(__file__).with_name("metrics_unversioned.json")


def _old():
    return json.loads(UNVERSIONED.read_text(encoding="utf-8"))


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
