"""Reporting: figures as inline SVG and self-contained HTML pages.

The run report is :func:`render_report` / :func:`write_report`. What any page of
the package shares is public too: the figure style (:data:`FIGURE_STYLE`), the
SVG serialiser (:func:`to_svg`), the label shortener, the training-curve and
attention figures, the Jinja environment and the atomic writer.
"""

from ._figures import FIGURE_STYLE, attention_figure, short_label, to_svg, training_curves_figure
from ._html import render_report, write_report
from ._page import template_environment, write_text_atomic

__all__ = [
    "FIGURE_STYLE",
    "attention_figure",
    "render_report",
    "short_label",
    "template_environment",
    "to_svg",
    "training_curves_figure",
    "write_report",
    "write_text_atomic",
]
