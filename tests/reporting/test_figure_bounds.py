"""Every report figure keeps its text inside its canvas, and no tick labels overlap.

Each figure is drawn through the real figure functions (the report's inputs for a
table and a sequence run, two and three classes); the figures are caught just
before they become SVG, laid out by matplotlib's Agg renderer, and every visible
text artist's window extent is checked against the canvas.
"""

import itertools

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from pipeline.reporting import figures as draw
from pipeline.reporting.figures import _neural, _phases, _scores, _selection
from tests.reporting.conftest import BOLD, HOSTILE

#: Pixels a text may touch the canvas edge by (antialiasing rounds extents outward).
SLACK = 1.0
LONG = "native_country_of_the_applicant"


def _curves(rng, n=200):
    from sklearn.metrics import precision_recall_curve, roc_curve

    y = rng.integers(0, 2, n)
    score = np.clip(y * 0.3 + rng.random(n) * 0.7, 0, 1)
    fpr, tpr, _ = roc_curve(y, score)
    precision, recall, _ = precision_recall_curve(y, score)
    return fpr, tpr, precision, recall


def _drawings(classes):
    """(name, function, args, kwargs) for every figure the report draws, at ``len(classes)`` classes."""
    rng = np.random.default_rng(0)
    k = len(classes)
    fpr, tpr, precision, recall = _curves(rng)
    columns = [{"column": f"{LONG}_{i}" if i % 3 == 0 else f"c{i}", "mean": 0.1 / (i + 1), "std": 0.01}
               for i in range(14)]
    history = [{"epoch": e, "train_loss": 1.0 / e, "valid_loss": 1.1 / e, "valid_metric": 0.6 + 0.02 * e}
               for e in range(1, 11)]
    calibration = {"prob_pred": [0.05, 0.2, 0.45, 0.7, 0.95], "prob_true": [0.02, 0.25, 0.5, 0.66, 0.97],
                   "count": [5400, 1200, 830, 640, 2950]}
    table = {"threshold": list(np.linspace(0, 1, 21)), **{key: list(rng.random(21)) for key in
                                                          ("tpr", "fpr", "precision", "f1")}}
    series = [{"true": c, "predicted": c, "values": list(np.sin(np.arange(96) / 8)),
               "activation": list(rng.random(96))} for c in classes]
    return [
        ("confusion", draw.confusion_matrix_figure, (rng.integers(0, 3000, (k, k)), classes), {}),
        ("importance", draw.importance_figure, (columns,),
         {"scoring": "roc_auc_ovr" if k > 2 else "roc_auc"}),
        ("cv_spread", draw.cv_spread_figure, ({"hgb": [0.91, 0.92, 0.9], LONG: [0.8, 0.85, 0.83]},),
         {"metric": "roc_auc"}),
        ("counts", draw.class_counts_figure, ({c: 100 * (i + 1) for i, c in enumerate(classes)},
                                              {c: 300 for c in classes}), {}),
        ("projection", draw.projection_figure, (rng.normal(size=(60, k - 1)).squeeze(),
                                                np.asarray(classes, dtype=object)[rng.integers(0, k, 60)]),
         {}),
        ("roc", draw.roc_figure, ({"hgb": {"fpr": fpr, "tpr": tpr, "auc": 0.9}},), {}),
        ("precision_recall", draw.precision_recall_figure, ({"precision": precision, "recall": recall},),
         {"name": "hgb", "prevalence": 0.24}),
        ("calibration", draw.calibration_figure, (calibration,), {"name": "hgb"}),
        ("threshold", draw.threshold_figure, (table,), {"chosen": 0.4}),
        ("training", draw.training_curves_figure, (history, 6), {"title": "mlp"}),
        ("attention", draw.attention_figure, (rng.dirichlet(np.ones(5), size=(1, 2, 5)),
                                              ["[CLS]", HOSTILE, BOLD, "age", "x"]), {}),
        ("positional", draw.positional_encoding_figure, (rng.normal(size=(20, 8)),), {}),
        ("activation", draw.class_activation_figure, (series,), {"title": "cnn"}),
    ]


@pytest.fixture
def caught(monkeypatch):
    """The Figure each drawing function builds, kept as it is handed to ``to_svg``."""
    figures = []

    def keep(fig, salt):
        figures.append(fig)
        return "<svg/>"

    for module in (_neural, _phases, _scores, _selection):
        monkeypatch.setattr(module, "to_svg", keep)
    return figures


def _overlap(a, b):
    return a.x0 < b.x1 - SLACK and b.x0 < a.x1 - SLACK and a.y0 < b.y1 - SLACK and b.y0 < a.y1 - SLACK


def _drawn_tick_labels(axis):
    """The tick labels matplotlib draws: those of ticks inside the view (others exist but are skipped)."""
    low, high = sorted(axis.get_view_interval())
    span = (high - low) * 1e-9
    return [label for tick in axis.get_major_ticks() + axis.get_minor_ticks()
            if low - span <= tick.get_loc() <= high + span
            for label in (tick.label1, tick.label2) if label.get_visible() and label.get_text().strip()]


def _problems(fig):
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    width, height = fig.bbox.width, fig.bbox.height
    axes = [axis for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)]
    all_tick_labels = {id(label) for axis in axes for tick in axis.get_major_ticks() + axis.get_minor_ticks()
                       for label in (tick.label1, tick.label2)}
    texts = [t for t in fig.findobj(Text) if id(t) not in all_tick_labels and t.get_visible()
             and t.get_text().strip()] + [t for axis in axes for t in _drawn_tick_labels(axis)]
    found = []
    for text in texts:
        box = text.get_window_extent(renderer)
        if box.x0 < -SLACK or box.y0 < -SLACK or box.x1 > width + SLACK or box.y1 > height + SLACK:
            found.append(f"{text.get_text()!r} outside the canvas at {np.round(box.extents)} "
                         f"of {width:.0f}x{height:.0f}")
    for axis in axes:
        labels = _drawn_tick_labels(axis)
        for a, b in itertools.combinations(labels, 2):
            if _overlap(a.get_window_extent(renderer), b.get_window_extent(renderer)):
                found.append(f"tick labels {a.get_text()!r} and {b.get_text()!r} overlap")
    return found


@pytest.mark.parametrize("classes", [["no", "yes"], ["a", LONG, "c"]], ids=["2 classes", "3 classes"])
def test_every_figure_keeps_its_text_inside_the_canvas(caught, classes):
    problems = {}
    for name, function, args, kwargs in _drawings(classes):
        before = len(caught)
        function(*args, **kwargs)
        assert len(caught) == before + 1, f"{name} drew no figure"
        if found := _problems(caught[-1]):
            problems[name] = found
    assert problems == {}


@pytest.mark.parametrize("epochs", [2, 3, 4, 7, 10])
def test_epoch_ticks_are_whole_epochs(caught, epochs):
    history = [{"epoch": e, "train_loss": 1.0 / e, "valid_metric": 0.5 + e / 20}
               for e in range(1, epochs + 1)]
    draw.training_curves_figure(history, 1)
    fig = caught[-1]
    FigureCanvasAgg(fig).draw()
    for ax in fig.axes:
        low, high = ax.get_xlim()
        ticks = [t for t in ax.get_xticks() if low <= t <= high]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks


def test_calibration_counts_stay_off_the_diagonal(caught):
    # bins close to the diagonal, above and below it: their counts sat on the line
    calibration = {"prob_pred": [0.1, 0.3, 0.5, 0.7, 0.9], "prob_true": [0.12, 0.28, 0.51, 0.69, 0.91],
                   "count": [5400, 1200, 830, 640, 2950]}
    draw.calibration_figure(calibration, name="hgb")
    fig = caught[-1]
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    ax = fig.axes[0]
    counts = [t for t in ax.texts if t.get_text().replace(",", "").isdigit()]
    assert len(counts) == 5
    for text in counts:
        (x0, y0), (x1, y1) = ax.transData.inverted().transform(text.get_window_extent(renderer).get_points())
        assert not (x0 <= y1 and y0 <= x1), f"count {text.get_text()} crosses the line y = x"
