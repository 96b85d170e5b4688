"""Render a run's metrics (and optional arrays) into one self-contained HTML file.

The page works offline and runs nothing: a Content-Security-Policy forbids
scripts and outside requests, styles are inline, and figures are inline SVG.
Every value from the data (column names, class labels, model names, tokens)
goes through Jinja2's autoescaping; only the SVG that matplotlib wrote, whose
text matplotlib has already escaped, is marked safe.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path

from joblib import Parallel, delayed
from markupsafe import Markup

from ..phases import PHASES
from ..record import DatasetInfo, ModelRecord, RunInfo, RunRecord
from ._deferred import draw
from ._model_sections import PER_CLASS_COLUMNS, article_rows, decision_text, model_section, roc_figures
from ._page import report_environment, write_text_atomic
from ._run_sections import (
    LEADERBOARD_COLUMNS,
    LEADERBOARD_MORE_COLUMNS,
    extras_sections,
    leaderboard,
    selection_section,
    shown_models,
)

__all__ = ["render_report", "write_report"]

logger = logging.getLogger(__name__)


class _Figure:
    """A figure of the page, drawn after the whole page has been laid out."""

    def __init__(self, function, args, kwargs):
        self.function, self.args, self.kwargs, self.svg = function, args, kwargs, None

    def __bool__(self):
        return True

    def __html__(self):
        return self.svg  # matplotlib's own markup; its text is escaped already


class _FigureMaker:
    """Collects the page's figures, each with a distinct, deterministic id salt, then draws them.

    A run's report has about seven figures per model, and matplotlib's layout and
    SVG writing take a tenth of a second or more for each; drawn last, they can
    be shared out between processes.
    """

    def __init__(self):
        self.figures = []

    def __call__(self, function, *args, **kwargs):
        figure = _Figure(function, args, {**kwargs, "salt": f"dmflow-figure-{len(self.figures) + 1}"})
        self.figures.append(figure)
        return figure

    def draw(self, n_jobs=1):
        jobs = (delayed(f.function)(*f.args, **f.kwargs) for f in self.figures)
        runner = Parallel(n_jobs=n_jobs) if n_jobs != 1 and len(self.figures) > 1 else None
        svgs = runner(jobs) if runner else [function(*args, **kwargs) for function, args, kwargs in jobs]
        for figure, svg in zip(self.figures, svgs):
            figure.svg = Markup(svg)


def _column_roles(roles):
    """One row per feature column: its role and why, from the roles of ``metrics.json``.

    Examples
    --------
    >>> rows = _column_roles({"numeric": ["a"], "dropped": {"id": "identifier"}, "reasons": {"a": "numbers"}})
    >>> [(row["column"], row["role"], row["reason"]) for row in rows]
    [('a', 'numeric', 'numbers'), ('id', 'left out', 'identifier')]
    """
    reasons = roles.get("reasons") or {}
    if not reasons and not roles.get("dropped"):
        return []  # a sequence run, or a record from before roles had reasons
    rows = [{"column": column, "role": role, "reason": reasons.get(column, "")}
            for role in ("numeric", "categorical", "dates") for column in roles.get(role) or []]
    return rows + [{"column": column, "role": "left out", "reason": reason}
                   for column, reason in (roles.get("dropped") or {}).items()]


def _json(part):
    """A part of the record as the template reads it: its keys (absent ones undefined), {} when missing."""
    return {} if part is None else part.to_dict()


def _context(record, extras, make):
    run = record.run or RunInfo()
    dataset = record.dataset or DatasetInfo()
    phases = record.phases or {}
    models, best = shown_models(record.models or {}, record.best_model)

    balance = phases.get("balance") or {}
    balance_figure = None
    if balance.get("class_counts_before") and balance.get("class_counts_after"):
        balance_figure = make(draw.class_counts_figure, balance["class_counts_before"],
                              balance["class_counts_after"], title="Training rows per class")
    split_counts = dataset.class_counts or {}
    split_names = list(split_counts)
    count_labels = list(dict.fromkeys(label for c in split_counts.values() for label in c))

    model_sections = [model_section(i, name, model, best, make)
                      for i, (name, model) in enumerate(models.items(), start=1)]
    context = {
        "title": f"dmflow report: {dataset.target}" if dataset.target else "dmflow report",
        "run": _json(record.run),
        "config_json": json.dumps(run.config, indent=2, sort_keys=True, default=str,
                                  ensure_ascii=False) if run.config else None,
        "dataset": _json(record.dataset),
        "missing": {c: n for c, n in (dataset.missing or {}).items() if n},
        "column_roles": _column_roles(dataset.roles or {}),
        "split_names": split_names,
        "split_rows": [{"label": label,
                        "counts": [split_counts[s].get(label, 0) for s in split_names]}
                       for label in count_labels],
        "phases": _json(record.phases),
        "imputed": {c: n for c, n in
                    ((phases.get("imputation") or {}).get("cells_imputed") or {}).items() if n},
        "balance_figure": balance_figure,
        "leaderboard": leaderboard(models, best),
        "leaderboard_columns": [label for _, label in LEADERBOARD_COLUMNS],
        "leaderboard_more_columns": [label for _, label in LEADERBOARD_MORE_COLUMNS],
        "best_model": best,
        "models": model_sections,
        "per_class_columns": [label for _, label in PER_CLASS_COLUMNS],
        "roc_figures": roc_figures(models, make),
        "decision": decision_text(models.get(best) or ModelRecord()),
        "article": article_rows(models) if run.protocol == "article" else [],
        "phase_labels": _either([phase.label for phase in PHASES]),
        "notes": list(record.notes or []),
    }
    context.update(extras_sections(extras, make))
    context["selection"] = selection_section(record, make)
    return context


def _either(words):
    """``"a, b or c"``: the searchable phases' steps, as the article section names them."""
    return " or ".join(filter(None, (", ".join(words[:-1]), words[-1])))


def render_report(metrics, extras=None, *, n_jobs=1):
    """Render the HTML report of one run as a string.

    Parameters
    ----------
    metrics : RunRecord or mapping
        The run's record (:class:`~pipeline.record.RunRecord`, or a parsed
        ``metrics.json`` of any version, read as one): ``run``, ``dataset``,
        ``phases``, ``models``, ``best_model``, ``notes``. Any part may be
        missing; its section is then left out.
    extras : mapping, default=None
        Arrays that are drawn but not saved: ``lda_projection``
        (``{"values", "labels"}``), ``histories`` (``{model: {"history",
        "best_epoch"}}``), ``attention`` (``{model: {"maps", "tokens"}}``) and
        ``positional_encoding`` (``(T, d_model)`` array).
    n_jobs : int, default=1
        Processes drawing the figures (joblib's ``n_jobs``); the page is the same
        for any number.

    Returns
    -------
    html : str
        A complete, self-contained HTML document; the same input always gives
        the same text.

    Examples
    --------
    >>> html = render_report({"notes": ["SMOTE skipped: <3 rows"]})
    >>> "<!DOCTYPE html>" in html, "SMOTE skipped: &lt;3 rows" in html
    (True, True)
    """
    if not isinstance(metrics, Mapping):
        raise TypeError(
            f"metrics must be a mapping (the run's metrics dictionary), but got "
            f"{type(metrics).__name__}. Load metrics.json with json.load first."
        )
    if extras is not None and not isinstance(extras, Mapping):
        raise TypeError(
            f"extras must be a mapping or None, but got {type(extras).__name__}."
        )
    template = report_environment().get_template("report.html.j2")
    make = _FigureMaker()
    context = _context(RunRecord.from_dict(metrics), extras or {}, make)
    make.draw(n_jobs)
    return template.render(**context)


def write_report(path, metrics, extras=None, *, n_jobs=1):
    """Render the report and write it to ``path`` atomically.

    The HTML goes to a temporary file in the same folder, which then replaces
    ``path`` in one step, so a reader never sees half a report and a failed
    render leaves any previous report in place.

    Parameters
    ----------
    path : str or os.PathLike
        Where to write the file; missing parent folders are created.
    metrics, extras, n_jobs
        As for :func:`render_report`.

    Returns
    -------
    path : pathlib.Path
        The written file.
    """
    path = Path(path)
    html = render_report(metrics, extras, n_jobs=n_jobs)
    write_text_atomic(path, html)
    # debug: inside a run this is the staging folder; the run logs the final path itself
    logger.debug("Wrote report to %s (%d bytes)", path, len(html.encode("utf-8")))
    return path
