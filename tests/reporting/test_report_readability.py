"""What a newcomer reads first: the leaderboard's columns and order, the ensemble's cost,
skipped candidates and importance tables."""

import re

import pytest

from pipeline.reporting import render_report
from pipeline.reporting._model_sections import IMPORTANCE_ROWS
from pipeline.selection import ENSEMBLE_RULE


def _model(cv_mean, oof_auc, *, size_bytes=2_000_000, predict_time_s=0.25, **extra):
    rates = {"roc_auc": oof_auc, "accuracy": 0.8, "f1": 0.7, "tpr": 0.7, "fpr": 0.1, "precision": 0.75}
    return {"cv": {"metric": "roc_auc", "mean": cv_mean, "std": 0.01, "folds": [cv_mean] * 5},
            "validation": rates, "test": dict(rates), "fit_time_s": 1.5, "size_bytes": size_bytes,
            "predict_time_s": predict_time_s, **extra}


@pytest.fixture(scope="module")
def metrics():
    columns = [{"column": f"col{i:02d}", "mean": 0.2 - i / 200, "std": 0.01}
               for i in range(IMPORTANCE_ROWS + 5)]
    importance = {"columns": columns, "scoring": "roc_auc", "baseline": 0.9, "n_repeats": 5,
                  "n_rows": 100, "n_rows_available": 100}
    return {
        # the ensemble's pooled out-of-fold AUC is the highest, its CV mean is not: the
        # board must follow the CV mean, the score selection used
        "models": {"hgb": _model(0.920, 0.910, importance=importance),
                   "rf": _model(0.915, 0.905, size_bytes=70_000_000),
                   "ensemble": _model(0.918, 0.950, size_bytes=72_000_000, predict_time_s=16.1,
                                      members={"hgb": 0.8, "rf": 0.2})},
        "best_model": "hgb",
        "phases": {"reported_model": "hgb"},
        "selection": {"method": "cv", "folds": 5, "metric": "roc_auc", "candidates": 12,
                      "ensemble_rule": ENSEMBLE_RULE,
                      "skipped": [{"model": "rf", "params": {"model__max_depth": 8, "balance": "smote"}}]},
    }


@pytest.fixture(scope="module")
def html(metrics):
    return render_report(metrics)


def _section(html, name):
    return re.search(rf'<section id="{name}">(.*?)</section>', html, re.S).group(1)


def test_leaderboard_leads_with_the_selection_score_and_is_sorted_by_it(html, metrics):
    board = _section(html, "leaderboard")
    headers = re.findall(r"<th[^>]*>(.*?)</th>", board, re.S)
    assert headers[1].startswith("Selection score") and "CV mean ± std" in headers[1]
    assert "Out-of-fold" in headers[2] and headers[3] == "Test"
    rows = re.findall(r"<tr(?: class=\"best\")?><td>(\w+).*?</td><td class=\"num\">([0-9.]+) ± ", board)
    models = metrics["models"]
    assert [name for name, _ in rows] == sorted(models, key=lambda m: -models[m]["cv"]["mean"])
    means = sorted((m["cv"]["mean"] for m in models.values()), reverse=True)
    assert [float(score) for _, score in rows] == means


# Cells per row of the leaderboard's first table that fit the page's 72-rem text column in a
# 1280-px-wide window (a score cell takes about 6 rem, the model and selection cells about 10).
MOST_CELLS_IN_VIEW = 9


def test_leaderboard_first_table_fits_the_window_and_folds_the_secondary_columns(html, metrics):
    board = _section(html, "leaderboard")
    first, rest = board.split("</table>", 1)
    first_rows = re.findall(r"<tr(?: class=\"best\")?>(<td>.*?)</tr>", first)
    assert len(first_rows) == len(metrics["models"])
    assert all(row.count("<td") <= MOST_CELLS_IN_VIEW for row in first_rows)
    for cost in ("Fit time", "Predict time", "Size", "TPR", "FPR", "Precision"):
        assert cost not in first and cost in rest
    details = re.search(r"<details[^>]*>(.*?)</details>", rest, re.S).group(1)
    assert "<summary>" in details and "<table>" in details
    names = re.findall(r"<tr(?: class=\"best\")?><td>(\w+)", first)
    assert re.findall(r"<tr><td>(\w+)</td>", details) == names  # same models, same order


def test_an_ensemble_pruned_to_one_model_is_not_shown_as_an_ensemble(metrics):
    lone = {**metrics, "best_model": "ensemble",
            "models": {**metrics["models"], "ensemble": _model(0.921, 0.950, members={"hgb": 1.0})}}
    html = render_report(lone)
    board, selection = _section(html, "leaderboard"), _section(html, "selection")
    assert "ensemble" not in board and "ensemble" not in _section(html, "models")
    assert re.search(r'<tr class="best"><td>hgb <span class="badge">best</span>', board)
    assert "Not formed: pruned to hgb." in selection and "Ensemble members" not in selection


def test_ensemble_cost_stands_next_to_the_best_single_models(html):
    selection = _section(html, "selection")
    cell = r"<td class=\"num\">([0-9.,]+)</td>"
    cost = re.findall(rf"<tr><td>(\w+)</td>{cell}{cell}</tr>", selection)
    assert cost == [("ensemble", "72.0", "16.10"), ("hgb", "2.0", "0.25")]
    assert f"under {ENSEMBLE_RULE['min_weight']:.2f}" in selection


def test_skipped_candidates_are_a_table_of_settings_not_json(html):
    selection = _section(html, "selection")
    skipped = selection[selection.index("Skipped by the time limit"):]
    assert "<td>rf</td><td>balance=smote, model__max_depth=8</td>" in skipped
    assert "{" not in skipped and "&#34;" not in skipped and "&quot;" not in skipped


def test_importance_shows_the_top_columns_and_folds_the_rest(html):
    models = _section(html, "models")
    shown, folded = models.split("<details>", 1)
    assert len(re.findall(r"<td>col\d\d</td>", shown)) == IMPORTANCE_ROWS
    assert len(re.findall(r"<td>col\d\d</td>", folded)) == 5
    assert "The other 5 columns" in folded


def test_sequence_dataset_is_described_in_series_steps_and_channels():
    dataset = {"n_rows": 200, "n_columns": 2, "target": "label", "kind": "sequence",
               "roles": {"sequence": {"n_steps": 96, "n_channels": 1}}}
    table = _section(render_report({"dataset": dataset}), "dataset")
    cells = dict(re.findall(r"<tr><th>(.*?)</th><td[^>]*>(.*?)</td></tr>", table))
    assert (cells["Series"], cells["Steps per series"], cells["Channels per step"]) == ("200", "96", "1")
    assert "Sequence columns" not in table and "Columns" not in cells and "n_steps" not in table
    table_run = _section(render_report({"dataset": {**dataset, "kind": "table", "n_columns": 3,
                                                    "roles": {"numeric": ["a", "b"], "categorical": ["c"]}}}),
                         "dataset")
    assert "<th>Rows</th>" in table_run and "Numeric columns (2)" in table_run


@pytest.mark.parametrize("shared, says", [
    (None, None),
    (2, "the best was chosen on the 2 fold(s) all of them finished"),
    (0, "with no fold in common, the models with more folds ranked first"),
])
def test_the_selection_section_says_when_models_were_compared_on_shared_folds(metrics, shared, says):
    cut = {**metrics, "selection": {**metrics["selection"], "time_limit_s": 30.0, "longest_fold_s": 4.0}}
    if shared is not None:
        cut["selection"]["compared_on_folds"] = shared
    selection = _section(render_report(cut), "selection")
    if says is None:
        assert "different numbers of folds" not in selection
    else:
        assert f"The models finished different numbers of folds, so {says}." in selection
