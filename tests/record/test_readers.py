"""Every reader of run folders reads a record written before it had a version, and refuses a newer one.

The old record is ``metrics_unversioned.json`` (see ``test_record.py`` for how it was made).
"""

import json
import shutil
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.errors import DataError
from pipeline.record import FORMAT_VERSION, RECORD_FILE, RunRecord
from pipeline.reporting import compare_runs, report, run_summary_html, shown_models

UNVERSIONED = Path(__file__).with_name("metrics_unversioned.json")


def _old_folder(folder):
    folder.mkdir()
    shutil.copy(UNVERSIONED, folder / RECORD_FILE)
    return folder


def _newer_folder(folder):
    folder.mkdir()
    old = json.loads(UNVERSIONED.read_text(encoding="utf-8"))
    newer = {**old, "format_version": FORMAT_VERSION + 1}
    (folder / RECORD_FILE).write_text(json.dumps(newer), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def old_record():
    return RunRecord.from_json(UNVERSIONED.read_text(encoding="utf-8"))


def test_re_rendering_an_old_folder_gives_the_report_of_its_record(tmp_path, old_record):
    folder = _old_folder(tmp_path / "old")
    written = report(folder).read_text(encoding="utf-8")
    best = old_record.models[old_record.best_model]
    assert f"{best.test.roc_auc:.4f}" in written  # the best model's test score is on the page
    # one section per model, in the record's order; an ensemble pruned to one member is that member
    shown, _ = shown_models(old_record.models, None)
    assert shown
    for i, name in enumerate(shown, start=1):
        assert f'<article id="model-{i}">\n<h3>{name}' in written
    assert json.loads((folder / RECORD_FILE).read_text(encoding="utf-8")) == \
        json.loads(UNVERSIONED.read_text(encoding="utf-8"))  # the old file is read, never rewritten


def test_compare_sets_an_old_folder_beside_a_new_one(tmp_path, old_record):
    old = _old_folder(tmp_path / "old")
    new = tmp_path / "new"
    new.mkdir()
    changed = RunRecord.from_json(old_record.to_json())
    changed.run.config["seed"] = 7
    changed.save(new)
    page = compare_runs([old, new], tmp_path / "compare.html").read_text(encoding="utf-8")
    differences = page[page.index('id="config"'):page.index('id="by-model"')]
    assert '<td>seed</td><td class="mono">0</td><td class="mono">7</td>' in differences
    assert page.count('<tr class="best">') == 2


@pytest.mark.parametrize("command", ["compare", "re-render"])
def test_a_newer_record_stops_the_reader_naming_the_file_the_version_and_the_fix(tmp_path, command):
    newer = _newer_folder(tmp_path / "newer")
    expected = rf"{RECORD_FILE}' has format_version {FORMAT_VERSION + 1}.*Upgrade dmflow"
    if command == "compare":
        with pytest.raises(DataError, match=expected):
            compare_runs([_old_folder(tmp_path / "old"), newer], tmp_path / "compare.html")
        assert not (tmp_path / "compare.html").exists()
    else:
        with pytest.raises(DataError, match=expected):
            report(newer)
        assert not (newer / "report.html").exists()


def test_the_command_line_exits_65_on_a_newer_record(tmp_path, capsys):
    newer = _newer_folder(tmp_path / "newer")
    out = tmp_path / "compare.html"
    code = main(["-q", "compare", str(_old_folder(tmp_path / "old")), str(newer), "--out", str(out)])
    assert code == 65
    err = capsys.readouterr().err
    assert str(newer / RECORD_FILE) in err and f"format_version {FORMAT_VERSION + 1}" in err
    assert not out.exists()


def test_the_notebook_summary_reads_an_old_record(old_record):
    html = run_summary_html(None, json.loads(UNVERSIONED.read_text(encoding="utf-8")))
    assert html == run_summary_html(None, old_record)
    shown, _ = shown_models(old_record.models, None)
    assert old_record.dataset.target in html and shown and all(name in html for name in shown)


def test_tracking_logs_an_old_record_with_every_models_scores(tmp_path, old_record):
    import mlflow  # the tracking extra is part of the test install; imported here, as it is slow

    from pipeline.flow.tracking import EXPERIMENT, track_run

    folder = _old_folder(tmp_path / "old")
    uri = (tmp_path / "mlruns").as_uri()
    track_run(uri, folder, json.loads(UNVERSIONED.read_text(encoding="utf-8")))
    client = mlflow.MlflowClient(tracking_uri=uri)
    runs = client.search_runs([client.get_experiment_by_name(EXPERIMENT).experiment_id])
    by_name = {r.info.run_name: r for r in runs}
    assert set(by_name) == {folder.name, *old_record.models}
    best = old_record.models[old_record.best_model]
    assert by_name[folder.name].data.metrics["best_test_roc_auc"] == best.test.roc_auc
    for name, model in old_record.models.items():
        assert by_name[name].data.metrics["validation_f1"] == model.validation.f1
        assert by_name[name].data.metrics["test_average_precision"] == model.curves.average_precision
