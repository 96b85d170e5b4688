"""Reporting: figures as inline SVG, the self-contained HTML report of a run, run comparisons."""

from ._compare import compare_runs, render_comparison
from ._html import render_report, write_html, write_report
from ._notebook import run_summary_html
from ._rerender import load_figure_data, report, save_figure_data

__all__ = ["compare_runs", "load_figure_data", "render_comparison", "render_report", "report",
           "run_summary_html", "save_figure_data", "write_html", "write_report"]
