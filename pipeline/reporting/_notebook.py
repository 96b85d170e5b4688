"""A run's compact HTML summary for notebooks (``RunResult._repr_html_``)."""

from __future__ import annotations

from pathlib import Path

from ..record import Curves, ModelRecord, RunRecord, Scores, Threshold
from ._page import report_environment
from ._run_sections import leaderboard

__all__ = ["run_summary_html"]


def run_summary_html(path, metrics):
    """Leaderboard, best model and a link to ``report.html``, as an escaped HTML fragment.

    Parameters
    ----------
    path : str or path-like or None
        The run folder.
    metrics : RunRecord or mapping
        The run's record (a parsed ``metrics.json`` is read as one).

    Returns
    -------
    html : str

    Examples
    --------
    >>> html = run_summary_html(None, {"best_model": "<b>", "models": {"<b>": {"test": {}}}})
    >>> "&lt;b&gt;" in html and "<b>" not in html
    True
    """
    record = RunRecord.from_dict(metrics)
    models = record.models or {}
    best = record.best_model
    rows = []
    for row in leaderboard(models, best):
        model = models[row["name"]]
        test = model.test or Scores()
        rows.append({"name": row["name"], "best": row["best"], "fit_time_s": row["fit_time_s"],
                     "cells": [(model.validation or Scores()).roc_auc, test.roc_auc,
                               (model.curves or Curves()).average_precision, test.f1]})
    report = Path(path) / "report.html" if path is not None else None
    threshold = ((models.get(best) or ModelRecord()).threshold or Threshold()).value
    target = record.dataset.target if record.dataset else None
    return report_environment().get_template("summary.html.j2").render(
        name=Path(path).name if path is not None else "", target=target,
        best=best, decision=threshold, rows=rows,
        report_url=report.resolve().as_uri() if report is not None and report.is_file() else None,
        report_path=str(report) if report is not None else None,
    )
