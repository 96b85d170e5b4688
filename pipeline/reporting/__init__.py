"""Reporting: figures as inline SVG and self-contained HTML pages.

The run report is :func:`render_report` / :func:`write_report`; :func:`report`
draws a finished run's report again from its folder, :func:`compare_runs` sets
several runs side by side, and :func:`run_summary_html` is a run's notebook view.
What any page of the package shares is public too: the figure style
(:data:`FIGURE_STYLE`), the SVG serialiser (:func:`to_svg`), the label
shortener, the training-curve and attention figures, the Jinja environment and
the atomic writer.
"""

from ._compare import compare_runs, render_comparison
from ._html import render_report, write_report
from ._notebook import run_summary_html
from ._page import template_environment, write_text_atomic
from ._rerender import load_figure_data, report, save_figure_data
from .figures import FIGURE_STYLE, attention_figure, short_label, to_svg, training_curves_figure

__all__ = [
    "FIGURE_STYLE",
    "attention_figure",
    "compare_runs",
    "load_figure_data",
    "render_comparison",
    "render_report",
    "report",
    "run_summary_html",
    "save_figure_data",
    "short_label",
    "template_environment",
    "to_svg",
    "training_curves_figure",
    "write_report",
    "write_text_atomic",
]
