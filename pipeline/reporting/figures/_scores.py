"""Figures of a model's scores on the test split: confusion matrix, ROC, precision-recall,
calibration and the rates over thresholds.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from ._svg import FIGURE_STYLE, short_label, to_svg, unit_axes

__all__ = [
    "calibration_figure",
    "confusion_matrix_figure",
    "precision_recall_figure",
    "roc_figure",
    "threshold_figure",
]


def confusion_matrix_figure(matrix, labels, *, title="", salt="dmflow"):
    """Heat map of a confusion matrix, counts written in the cells (``ConfusionMatrixDisplay``).

    Parameters
    ----------
    matrix : array-like of shape (K, K)
        Counts, rows = true class, columns = predicted class.
    labels : sequence of str
        Class names in row/column order.
    title : str, default=""
        Axes title.
    salt : str, default="dmflow"
        Seed of the SVG element ids.

    Returns
    -------
    svg : str

    Examples
    --------
    >>> confusion_matrix_figure([[5, 1], [2, 7]], ["no", "yes"]).startswith("<svg")
    True
    """
    from sklearn.metrics import ConfusionMatrixDisplay

    cm = np.asarray(matrix, dtype=np.int64)
    k = cm.shape[0]
    side = min(6.0, 2.2 + 0.45 * k)
    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(side + 0.8, side), layout="constrained")
        ax = fig.add_subplot()
        display = ConfusionMatrixDisplay(cm, display_labels=[short_label(label, 14) for label in labels])
        display.plot(ax=ax, cmap="Blues", values_format=",d", colorbar=True,
                     xticks_rotation=45 if k > 3 else "horizontal")
        ax.set_xlabel("Predicted class")
        ax.set_ylabel("True class")
        ax.set_title(title)
        ax.spines[:].set_visible(False)
        return to_svg(fig, salt)


def roc_figure(curves, *, title="", salt="dmflow"):
    """ROC curves overlaid on one axes (``RocCurveDisplay``), with the chance diagonal.

    Parameters
    ----------
    curves : mapping of str to mapping
        ``{legend name: {"fpr": [...], "tpr": [...], "auc": float or None}}``.
    title : str, default=""
    salt : str, default="dmflow"

    Returns
    -------
    svg : str

    Examples
    --------
    >>> svg = roc_figure({"forest": {"fpr": [0, 0.2, 1], "tpr": [0, 0.7, 1], "auc": 0.75}})
    >>> "forest (AUC = 0.75)" in svg
    True
    """
    from sklearn.metrics import RocCurveDisplay

    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(5.2, 4.4), layout="constrained")
        ax = fig.add_subplot()
        for i, (name, curve) in enumerate(curves.items()):
            display = RocCurveDisplay(fpr=np.asarray(curve["fpr"], dtype=float),
                                      tpr=np.asarray(curve["tpr"], dtype=float),
                                      roc_auc=curve.get("auc"), name=short_label(name, 40))
            display.plot(ax=ax, plot_chance_level=i == 0, curve_kwargs={"linewidth": 1.6},
                         chance_level_kw={"color": "0.6", "linewidth": 1, "label": "chance"})
        unit_axes(ax)
        ax.set_xlabel("False positive rate")
        ax.set_ylabel("True positive rate")
        ax.set_title(title)
        ax.legend(loc="lower right", fontsize=8)
        return to_svg(fig, salt)


def precision_recall_figure(curve, *, name="", prevalence=None, title="", salt="dmflow"):
    """Precision against recall (``PrecisionRecallDisplay``), with the chance level.

    Parameters
    ----------
    curve : mapping
        ``{"precision": [...], "recall": [...], "average_precision": float}``.
    name : str, default=""
        Legend name of the curve.
    prevalence : float or None, default=None
        Share of positive rows: the precision of a random guess, drawn as a line.
    title : str, default=""
    salt : str, default="dmflow"

    Returns
    -------
    svg : str

    Examples
    --------
    >>> curve = {"precision": [0.5, 0.8, 1.0], "recall": [1.0, 0.6, 0.0], "average_precision": 0.81}
    >>> "rf (AP = 0.81)" in precision_recall_figure(curve, name="rf", prevalence=0.5)
    True
    """
    from sklearn.metrics import PrecisionRecallDisplay

    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(4.4, 3.9), layout="constrained")
        ax = fig.add_subplot()
        display = PrecisionRecallDisplay(
            precision=np.asarray(curve["precision"], dtype=float),
            recall=np.asarray(curve["recall"], dtype=float),
            average_precision=curve.get("average_precision"), name=short_label(name, 40) or None,
            prevalence_pos_label=prevalence,
        )
        display.plot(ax=ax, plot_chance_level=prevalence is not None, curve_kwargs={"linewidth": 1.6},
                     chance_level_kw={"color": "0.6", "linewidth": 1,
                                      "label": f"chance (AP = {prevalence or 0:.2f})"})
        unit_axes(ax)
        ax.set_xlabel("Recall (true positive rate)")
        ax.set_ylabel("Precision")
        ax.set_title(title)
        ax.legend(loc="lower left", fontsize=8)
        return to_svg(fig, salt)


def calibration_figure(calibration, *, name="", title="", salt="dmflow"):
    """Observed share of positives per probability bin (``CalibrationDisplay``).

    Parameters
    ----------
    calibration : mapping
        ``{"prob_pred": [...], "prob_true": [...], "count": [...]}``: mean
        predicted probability, share of positive rows and rows per bin.
    name : str, default=""
    title : str, default=""
    salt : str, default="dmflow"

    Returns
    -------
    svg : str

    Examples
    --------
    >>> cal = {"prob_pred": [0.1, 0.5, 0.9], "prob_true": [0.2, 0.5, 0.8], "count": [5, 3, 4]}
    >>> "Perfectly calibrated" in calibration_figure(cal, name="rf")
    True
    """
    from sklearn.calibration import CalibrationDisplay

    prob_pred = np.asarray(calibration["prob_pred"], dtype=float)
    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(4.4, 3.9), layout="constrained")
        ax = fig.add_subplot()
        display = CalibrationDisplay(np.asarray(calibration["prob_true"], dtype=float), prob_pred,
                                     y_prob=prob_pred, estimator_name=short_label(name, 40) or None)
        display.plot(ax=ax, ref_line=True, linewidth=1.6, markersize=4)
        for x, y, count in zip(prob_pred, calibration["prob_true"], calibration.get("count", [])):
            # on the side of the point away from the diagonal, which it would sit on
            above = y >= x
            ax.annotate(f"{int(count):,}", (x, y), textcoords="offset points",
                        xytext=(-4, 4) if above else (4, -4), ha="right" if above else "left",
                        va="bottom" if above else "top", fontsize=6, color="0.35")
        unit_axes(ax)
        ax.set_title(title)
        ax.legend(loc="upper left", fontsize=8)
        return to_svg(fig, salt)


_THRESHOLD_LINES = (("tpr", "TPR (recall)", "#2f6f9f"), ("fpr", "FPR", "#c0392b"),
                    ("precision", "precision", "#2f855a"), ("f1", "F1", "#b7791f"))


def threshold_figure(table, *, chosen=None, title="", salt="dmflow"):
    """TPR, FPR, precision and F1 against the decision threshold.

    Parameters
    ----------
    table : mapping
        ``threshold`` and, for each threshold, ``tpr``, ``fpr``, ``precision`` and
        ``f1`` (``None`` where undefined).
    chosen : float or None, default=None
        The threshold the model predicts at, marked with a vertical line.
    title : str, default=""
    salt : str, default="dmflow"

    Returns
    -------
    svg : str

    Examples
    --------
    >>> table = {"threshold": [0, 0.5, 1], "tpr": [1, 0.6, 0], "fpr": [1, 0.2, 0],
    ...          "precision": [0.3, 0.6, None], "f1": [0.46, 0.6, None]}
    >>> "threshold 0.50" in threshold_figure(table, chosen=0.5)
    True
    """
    thresholds = np.asarray(table["threshold"], dtype=float)
    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(4.8, 3.9), layout="constrained")
        ax = fig.add_subplot()
        for key, label, colour in _THRESHOLD_LINES:
            values = np.array([np.nan if v is None else v for v in table[key]], dtype=float)
            ax.plot(thresholds, values, linewidth=1.5, color=colour, label=label)
        if chosen is not None:
            ax.axvline(chosen, color="0.3", linestyle=":", linewidth=1.2,
                       label=f"threshold {chosen:.2f}")
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.01, 1.01)
        ax.set_xlabel("Threshold on the positive class's probability")
        ax.set_ylabel("Rate")
        ax.set_title(title)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
        return to_svg(fig, salt)
