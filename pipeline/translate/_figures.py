"""The one figure only a translator report has: sentence lengths in both languages.

It is drawn in the report style and serialised by :mod:`pipeline.reporting`,
like every other figure; the training curves and attention maps are the
reporting package's own figures.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from ..reporting import FIGURE_STYLE, to_svg

__all__ = ["length_histogram_svg", "token_label"]


def token_label(token):
    """A subword as shown on an axis: the word-start mark drawn as a middle dot.

    Examples
    --------
    >>> token_label("\u2581Haus")
    '\xb7Haus'
    """
    return str(token).replace("\u2581", "\u00b7")


def length_histogram_svg(source_lengths, target_lengths, *, unit="subword tokens", salt="lengths") -> str:
    """Side-by-side histograms of sentence lengths for the two languages.

    Examples
    --------
    >>> length_histogram_svg([3, 4, 4], [4, 5, 6]).startswith("<svg")
    True
    """
    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(7.0, 2.6), layout="constrained")
        axes = fig.subplots(1, 2, sharey=True)
        for ax, values, name in zip(axes, (source_lengths, target_lengths), ("Source", "Target")):
            values = np.asarray(values, dtype=int)
            bins = np.arange(0, max(int(values.max(initial=0)), 1) + 2) - 0.5
            ax.hist(values, bins=bins, color="#2f6f9f")
            ax.set_title(f"{name} (mean {values.mean() if values.size else 0:.1f})")
            ax.set_xlabel(f"Length in {unit}")
        axes[0].set_ylabel("Sentence pairs")
        return to_svg(fig, salt)
