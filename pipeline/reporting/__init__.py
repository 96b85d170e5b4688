"""Reporting: figures as inline SVG and self-contained HTML pages.

The run report is :func:`render_report` / :func:`write_report`; :func:`report`
draws a finished run's report again from its folder, :func:`compare_runs` sets
several runs side by side, and :func:`run_summary_html` is a run's notebook view.
What any page of the package shares is public too: the figure style
(:data:`FIGURE_STYLE`), the SVG serialiser (:func:`to_svg`), the label
shortener, the training-curve and attention figures, the Jinja environment and
the atomic writer.
"""

from ..lazy import lazy_exports

# Imported on first use: see :mod:`pipeline.lazy`.
_EXPORTS = {
    "FIGURE_STYLE": "figures",
    "attention_figure": "figures",
    "compare_runs": "_compare",
    "load_figure_data": "_rerender",
    "render_comparison": "_compare",
    "render_report": "_html",
    "report": "_rerender",
    "run_summary_html": "_notebook",
    "save_figure_data": "_rerender",
    "short_label": "figures",
    "shown_models": "_run_sections",
    "template_environment": "_page",
    "to_svg": "figures",
    "training_curves_figure": "figures",
    "write_report": "_html",
    "write_text_atomic": "_page",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
