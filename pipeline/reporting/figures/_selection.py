"""Figures of model selection and explanation: cross-validated score spread, column importance."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from ._svg import FIGURE_STYLE, short_label, to_svg

__all__ = ["cv_spread_figure", "importance_figure"]


_MAX_IMPORTANCE_BARS = 20


def importance_figure(columns, *, scoring="roc_auc", title="", salt="dmflow"):
    """Horizontal bars: mean drop in score when a column is shuffled, +/- its std.

    Parameters
    ----------
    columns : sequence of mapping
        ``{"column", "mean", "std"}``, most important first; the first 20 are drawn.
    scoring : str, default="roc_auc"
        Name of the score whose drop is shown.
    title : str, default=""
    salt : str, default="dmflow"

    Returns
    -------
    svg : str

    Examples
    --------
    >>> cols = [{"column": "age", "mean": 0.1, "std": 0.01}, {"column": "x", "mean": 0.0, "std": 0.0}]
    >>> "Drop in roc_auc" in importance_figure(cols)
    True
    """
    shown = list(columns)[:_MAX_IMPORTANCE_BARS][::-1]  # barh draws bottom-up
    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(4.8, 1.0 + 0.24 * max(len(shown), 3)), layout="constrained")
        ax = fig.add_subplot()
        y = np.arange(len(shown))
        ax.barh(y, [c["mean"] for c in shown], xerr=[c["std"] for c in shown],
                color="#2f6f9f", error_kw={"ecolor": "0.35", "capsize": 2, "linewidth": 1})
        ax.set_yticks(y, [short_label(c["column"], 28) for c in shown])
        ax.axvline(0, color="0.6", linewidth=0.8)
        # two lines: long column names narrow the axes, and a one-line label centred
        # under them ran off the canvas
        ax.set_xlabel(f"Drop in {scoring}\nwhen the column is shuffled")
        ax.set_title(title)
        return to_svg(fig, salt)


def cv_spread_figure(fold_scores, *, metric="score", title="", salt="dmflow"):
    """Each model's fold scores as points over a box, models sorted as given.

    Parameters
    ----------
    fold_scores : mapping of str to list of float
        Model name -> its score on each cross-validation fold (``None`` skipped).
    metric : str, default="score"
        The axis label.
    title : str, default=""
    salt : str, default="dmflow"

    Returns
    -------
    svg : str

    Examples
    --------
    >>> cv_spread_figure({"rf": [0.8, 0.82, 0.79], "logreg": [0.75, 0.8, 0.77]}).count("<svg")
    1
    """
    names = list(fold_scores)
    values = [[float(v) for v in fold_scores[name] if v is not None] for name in names]
    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(5.6, 0.9 + 0.45 * len(names)), layout="constrained")
        ax = fig.add_subplot()
        positions = np.arange(len(names))[::-1]
        ax.boxplot([v or [np.nan] for v in values], positions=positions, orientation="horizontal",
                   widths=0.5, showfliers=False, medianprops={"color": "#2f6f9f"})
        for y, points in zip(positions, values):
            ax.plot(points, np.full(len(points), y), "o", color="#c0392b", markersize=3.5, alpha=0.8)
        ax.set_yticks(positions, [short_label(name) for name in names])
        ax.set_xlabel(short_label(metric, 40))
        ax.set_title(title)
        return to_svg(fig, salt)
