"""The class activation figure of a convolutional model in the report, and after re-rendering."""

import copy
import json
import re

import pytest
from sklearn.linear_model import LogisticRegression

from pipeline.evaluation import model_diagnostics
from pipeline.models.neural import CNNClassifier
from pipeline.reporting import render_report, report
from tests.evaluation.test_activation import CLASSES, fit_pipeline, make_series

HEADING = "Class activation maps on test series"


@pytest.fixture(scope="module")
def metrics(binary_metrics):
    """A CNN and a logistic regression, each with the diagnostics a run records on its test split."""
    X, y = make_series(30, 1)
    fitted = {"cnn": fit_pipeline(CNNClassifier((8, 8), max_steps=60, random_state=0)),
              "logreg": fit_pipeline(LogisticRegression(max_iter=200), flatten=True)}
    metrics = copy.deepcopy(binary_metrics)
    entries = list(metrics["models"].values())
    metrics["models"] = {name: {**entry, **model_diagnostics(model, X, y, CLASSES, "bump")}
                         for (name, model), entry in zip(fitted.items(), entries)}
    metrics["best_model"] = "cnn"
    return json.loads(json.dumps(metrics))  # as a run stores it


def _article(html, name):
    for part in re.findall(r"<article id=\"model-\d+\">(.*?)</article>", html, re.S):
        if part.startswith(f"\n<h3>{name}"):
            return part
    raise AssertionError(f"no article of model {name!r}")


def test_the_cnn_shows_its_activation_figure_and_the_logistic_regression_none(metrics):
    html = render_report(metrics)
    cnn, logreg = _article(html, "cnn"), _article(html, "logreg")
    assert cnn.count('<figure class="activation"><svg') == 1
    assert HEADING in cnn and "cnn: class activation maps" in cnn
    assert "(4 in all), first of 2 channels, drawn with their raw values" in cnn
    assert "true bump, predicted" in cnn and "true flat, predicted" in cnn
    assert HEADING not in logreg and 'class="activation"' not in logreg


def test_a_univariate_caption_names_no_channel(metrics):
    single = copy.deepcopy(metrics)
    single["models"]["cnn"]["activation"]["n_channels"] = 1
    assert "first of" not in _article(render_report(single), "cnn")


def test_the_figure_is_drawn_again_from_the_run_folder(tmp_path, metrics):
    (tmp_path / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    again = report(tmp_path).read_text(encoding="utf-8")
    assert again == render_report(metrics)
    assert again.count('<figure class="activation"><svg') == 1
