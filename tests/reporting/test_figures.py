import xml.etree.ElementTree as ET

import numpy as np
import pytest

from pipeline.reporting import figures

BOLD = "<b>x</b>"
SVG_NS = "{http://www.w3.org/2000/svg}"

FIGURES = {
    "confusion": lambda salt: figures.confusion_matrix_figure(
        [[5, 1], [2, 7]], ["no", BOLD], title=BOLD, salt=salt),
    "roc": lambda salt: figures.roc_figure(
        {BOLD: {"fpr": [0, 0.3, 1], "tpr": [0, 0.8, 1], "auc": 0.8},
         "none": {"fpr": [0, 1], "tpr": [0, 1], "auc": None}}, salt=salt),
    "counts": lambda salt: figures.class_counts_figure(
        {"no": 40, BOLD: 10}, {"no": 40, BOLD: 40}, salt=salt),
    "projection_1d": lambda salt: figures.projection_figure(
        np.linspace(-2, 2, 30), ["no", BOLD, "no"] * 10, salt=salt),
    "projection_2d": lambda salt: figures.projection_figure(
        np.column_stack([np.linspace(-2, 2, 30), np.cos(np.arange(30))]), [BOLD, "b", "c"] * 10,
        salt=salt),
    "training": lambda salt: figures.training_curves_figure(
        [{"epoch": e, "train_loss": 1 / e, "valid_loss": None, "valid_metric": None}
         for e in range(1, 5)], None, title=BOLD, salt=salt),
    "attention": lambda salt: figures.attention_figure(
        np.full((1, 2, 4, 4), 0.25), ["a", BOLD, "c", "d"], salt=salt),
    "precision_recall": lambda salt: figures.precision_recall_figure(
        {"precision": [0.2, 0.7, 1.0], "recall": [1.0, 0.5, 0.0], "average_precision": 0.6},
        name=BOLD, prevalence=0.2, salt=salt),
    "calibration": lambda salt: figures.calibration_figure(
        {"prob_pred": [0.1, 0.5, 0.9], "prob_true": [0.15, 0.4, 0.95], "count": [30, 5, 8]},
        name=BOLD, salt=salt),
    "threshold": lambda salt: figures.threshold_figure(
        {"threshold": [0, 0.5, 1], "tpr": [1, 0.6, 0], "fpr": [1, 0.2, 0],
         "precision": [0.3, 0.6, None], "f1": [0.46, 0.6, None]}, chosen=0.4, title=BOLD, salt=salt),
    "importance": lambda salt: figures.importance_figure(
        [{"column": BOLD, "mean": 0.2, "std": 0.02}, {"column": "$x$", "mean": -0.01, "std": 0.0}],
        salt=salt),
    "activation": lambda salt: figures.class_activation_figure(
        [{"values": [0.0, 1.0, None, 2.0], "activation": [-1.0, 0.5, None, 2.0], "true": BOLD,
          "predicted": "no"}] * 3, title=BOLD, salt=salt),
    "positional": lambda salt: figures.positional_encoding_figure(
        np.sin(np.arange(24.0)).reshape(6, 4), salt=salt),
}


def _texts(svg):
    root = ET.fromstring(svg)
    tags = {element.tag.removeprefix(SVG_NS) for element in root.iter()}
    texts = ["".join(element.itertext()) for element in root.iter(f"{SVG_NS}text")]
    return tags, texts


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_is_a_bare_well_formed_svg_with_escaped_text(name):
    svg = FIGURES[name]("salt-a")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg and "<metadata" not in svg
    tags, texts = _texts(svg)  # raises if matplotlib left markup unescaped
    assert not tags & {"script", "b", "foreignObject", "a"}
    if name != "positional":  # the only figure without data-given text
        assert any(BOLD in text for text in texts)  # shown literally, as text


def test_salt_fixes_the_ids():
    make = FIGURES["roc"]
    first, again, other = make("salt-a"), make("salt-a"), make("salt-b")
    assert first == again
    assert first != other  # clip-path ids follow the salt, so inlined figures never clash


def test_dollar_signs_are_text_not_mathtext():
    svg = figures.confusion_matrix_figure([[1, 0], [0, 1]], ["$x^2$", r"a$\frac$"], salt="s")
    _, texts = _texts(svg)
    assert "$x^2$" in texts and r"a$\frac$" in texts


def test_long_labels_are_shortened():
    label = "a_really_long_category_value_name"
    _, texts = _texts(figures.class_counts_figure({label: 3}, {label: 5}, salt="s"))
    assert label not in texts and any(t.startswith("a_really") and t.endswith("\u2026")
                                      for t in texts)
