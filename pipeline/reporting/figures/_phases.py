"""Figures of what the phases did to the data: class counts around balancing, the reduced projection."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from ._svg import FIGURE_STYLE, short_label, to_svg

__all__ = ["class_counts_figure", "projection_figure"]


def class_counts_figure(before, after, *, title="", salt="dmflow"):
    """Grouped bars of class counts before and after balancing.

    Parameters
    ----------
    before, after : mapping of str to int
        Training rows per class before and after oversampling.
    title : str, default=""
    salt : str, default="dmflow"

    Returns
    -------
    svg : str

    Examples
    --------
    >>> class_counts_figure({"no": 80, "yes": 20}, {"no": 80, "yes": 80}).count("<svg")
    1
    """
    labels = list(dict.fromkeys([*before, *after]))
    x = np.arange(len(labels))
    width = 0.38
    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(max(4.0, 1.0 + 0.9 * len(labels)), 3.4), layout="constrained")
        ax = fig.add_subplot()
        for offset, counts, name, colour in (
            (-width / 2, before, "before", "#9aa5b1"),
            (width / 2, after, "after", "#2f6f9f"),
        ):
            bars = ax.bar(x + offset, [int(counts.get(label, 0)) for label in labels],
                          width, label=name, color=colour)
            ax.bar_label(bars, fmt="{:,.0f}", fontsize=7, padding=2)
        ax.set_xticks(x, [short_label(label, 16) for label in labels],
                      rotation=30 if len(labels) > 4 else 0)
        ax.set_ylabel("Training rows")
        ax.set_title(title)
        ax.margins(y=0.12)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))  # outside: never hides a bar
        return to_svg(fig, salt)


def projection_figure(values, labels, *, title="", salt="dmflow"):
    """Training rows after a projection (LDA), coloured by class.

    One component: overlaid per-class histograms. Two or more: a scatter of
    the first two components (points rasterised, so a large training set
    does not turn into megabytes of SVG).

    Parameters
    ----------
    values : array-like of shape (n_rows, n_components) or (n_rows,)
    labels : array-like of shape (n_rows,)
    title : str, default=""
    salt : str, default="dmflow"

    Returns
    -------
    svg : str

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> projection_figure(rng.normal(size=(20, 1)), ["a", "b"] * 10).startswith("<svg")
    True
    """
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    labels = np.asarray([str(label) for label in labels])
    classes = sorted(set(labels.tolist()))
    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(5.6, 3.8), layout="constrained")
        ax = fig.add_subplot()
        if values.shape[1] == 1:
            bins = np.histogram_bin_edges(values[:, 0], bins=30)
            for label in classes:
                ax.hist(values[labels == label, 0], bins=bins, alpha=0.55, density=True,
                        label=short_label(label))
            ax.set_xlabel("Component 1")
            ax.set_ylabel("Density")
        else:
            for label in classes:
                rows = values[labels == label]
                ax.scatter(rows[:, 0], rows[:, 1], s=6, alpha=0.6, linewidths=0,
                           label=short_label(label), rasterized=True)
            ax.set_xlabel("Component 1")
            ax.set_ylabel("Component 2")
        ax.set_title(title)
        ax.legend(title="class", fontsize=8, markerscale=2)
        return to_svg(fig, salt)
