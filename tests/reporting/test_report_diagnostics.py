"""The report's importance, precision-recall, calibration and threshold parts; re-rendering; notebooks."""

import copy
import json
import re

import numpy as np
import pytest

from pipeline.evaluation import binary_curves
from pipeline.reporting import load_figure_data, render_report, report, run_summary_html, save_figure_data

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def diagnosed(binary_metrics):
    """The shared binary metrics with curves, importance and a threshold per model."""
    metrics = copy.deepcopy(binary_metrics)
    rng = np.random.default_rng(0)
    for i, model in enumerate(metrics["models"].values()):
        y = rng.random(200) < 0.2
        model["curves"] = binary_curves(y, np.clip(0.4 * y + rng.random(200) * 0.6, 0, 1))
        model["importance"] = {"scoring": "roc_auc", "baseline": 0.8, "n_rows": 150,
                               "n_rows_available": 300, "n_repeats": 3,
                               "columns": [
                                   {"column": HOSTILE, "mean": 0.12, "std": 0.01, "repeats": [0.1] * 3},
                                   {"column": "age", "mean": 0.0, "std": 0.0, "repeats": [0.0] * 3}]}
        model["threshold"] = {"value": 0.3 + 0.1 * i, "source": "auto"}
    return metrics


def _article(html, model_id):
    match = re.search(rf'<article id="{model_id}">(.*?)</article>', html, re.S)
    assert match, model_id
    return match.group(1)


def test_every_model_shows_importance_and_three_curves(diagnosed):
    html = render_report(diagnosed)
    for index, name in enumerate(diagnosed["models"], start=1):
        part = _article(html, f"model-{index}")
        assert part.count('<figure class="curve"><svg') == 3
        assert "Permutation importance on the test split" in part and "a stratified subsample" in part
        assert "&lt;script&gt;alert(1)&lt;/script&gt;</td>" in part  # the column, escaped, in the table
        threshold = diagnosed["models"][name]["threshold"]["value"]
        assert f"<strong>{threshold:.3f}</strong>" in part and "F1-optimal on the selection data" in part
    assert HOSTILE not in html
    assert "<th>Decision threshold</th>" in html


def test_without_the_new_parts_the_report_leaves_them_out(binary_metrics):
    html = render_report(binary_metrics)
    assert 'class="curve"' not in html and "Permutation importance" not in html
    assert "Decision threshold" not in html


def test_a_run_folder_renders_again_the_same(tmp_path, diagnosed, binary_extras):
    original = render_report(diagnosed, binary_extras)
    (tmp_path / "metrics.json").write_text(json.dumps(diagnosed), encoding="utf-8")
    save_figure_data(tmp_path, binary_extras)
    again = report(tmp_path).read_text(encoding="utf-8")
    # The figure arrays are stored rounded: the same sections and figures, near-identical drawings.
    assert re.findall(r'<section id="([^"]+)"', again) == re.findall(r'<section id="([^"]+)"', original)
    assert again.count("<svg") == original.count("<svg")
    assert load_figure_data(tmp_path)["attention"].keys() == binary_extras["attention"].keys()


def test_rerendering_a_folder_without_metrics_says_what_is_wrong(tmp_path):
    from pipeline.errors import DataError

    with pytest.raises(DataError, match="no metrics.json"):
        report(tmp_path)


def test_notebook_summary_is_escaped_and_links_the_report(tmp_path, diagnosed):
    (tmp_path / "report.html").write_text("<html></html>", encoding="utf-8")
    html = run_summary_html(tmp_path, diagnosed)
    assert (tmp_path / "report.html").resolve().as_uri() in html
    assert "<strong>random_forest</strong> (best)" in html or "(best)" in html
    assert "mlp &lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert html.count("<tr>") == 1 + len(diagnosed["models"])
