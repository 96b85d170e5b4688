"""Report figures, each drawn with matplotlib and returned as an inline SVG string.

Figures are built from :class:`matplotlib.figure.Figure` directly rather than
through ``pyplot``: nothing is registered in pyplot's global figure list, so
nothing needs closing, no GUI backend is ever chosen, and the figure is freed
as soon as the function returns. Saving as SVG uses matplotlib's own SVG
canvas, whatever the default backend is.

Every function takes ``salt``: matplotlib derives the ids of clip paths and
markers from it, so a fixed salt gives byte-identical output, and a distinct
salt per figure keeps ids unique when several SVGs share one HTML page.
Text (labels, class names, tokens) is written as SVG ``<text>`` whose content
matplotlib escapes, and mathtext is off, so a ``$`` in a label is just a dollar.
"""

from ._neural import (
    attention_figure,
    class_activation_figure,
    positional_encoding_figure,
    training_curves_figure,
)
from ._phases import class_counts_figure, projection_figure
from ._scores import (
    calibration_figure,
    confusion_matrix_figure,
    precision_recall_figure,
    roc_figure,
    threshold_figure,
)
from ._selection import cv_spread_figure, importance_figure
from ._svg import FIGURE_STYLE, short_label, to_svg

__all__ = [
    "FIGURE_STYLE",
    "attention_figure",
    "calibration_figure",
    "class_activation_figure",
    "class_counts_figure",
    "confusion_matrix_figure",
    "cv_spread_figure",
    "importance_figure",
    "positional_encoding_figure",
    "precision_recall_figure",
    "projection_figure",
    "roc_figure",
    "short_label",
    "threshold_figure",
    "to_svg",
    "training_curves_figure",
]
