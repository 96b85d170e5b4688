"""Reporting: figures as inline SVG and the self-contained HTML report of a run."""

from ._html import render_report, write_report

__all__ = ["render_report", "write_report"]
