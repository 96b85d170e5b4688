"""Draw a finished run's report again from its folder, without the models.

The run record (``metrics.json``, :mod:`pipeline.record`) holds every number of
the report; the arrays some figures need (the LDA projection, training
histories, attention maps, the positional encoding) go to ``figures.json``
beside it. :func:`report` reads both back.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from ..record import load_record
from ._html import write_report

__all__ = ["FIGURE_DATA", "load_figure_data", "report", "save_figure_data"]

logger = logging.getLogger(__name__)

#: The run folder's file of figure arrays.
FIGURE_DATA = "figures.json"
_DECIMALS = 5


def _plain(value):
    """JSON-ready copy: arrays become (rounded) lists, labels text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            return np.round(value.astype(np.float64), _DECIMALS).tolist()
        if value.dtype.kind in "iub":
            return value.tolist()
        return [str(v) for v in value.ravel()] if value.ndim == 1 else _plain(value.tolist())
    if isinstance(value, (np.floating, float)):
        return round(float(value), _DECIMALS) if np.isfinite(value) else None
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    return value if value is None or isinstance(value, (int, str, bool)) else str(value)


def save_figure_data(folder, extras):
    """Write the report's figure arrays (``extras``) to ``folder/figures.json``.

    Parameters
    ----------
    folder : str or path-like
        The run folder (while it is being written).
    extras : mapping or None
        As for :func:`~pipeline.reporting.render_report`.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> path = save_figure_data(tempfile.mkdtemp(), {"positional_encoding": np.eye(2)})
    >>> load_figure_data(path.parent)["positional_encoding"].tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    path = Path(folder) / FIGURE_DATA
    path.write_text(json.dumps(_plain(dict(extras or {}))), encoding="utf-8")
    return path


def load_figure_data(folder):
    """Read ``figures.json`` of a run folder back into report extras ({} when absent)."""
    path = Path(folder) / FIGURE_DATA
    if not path.is_file():
        return {}
    extras = json.loads(path.read_text(encoding="utf-8"))
    if extras.get("positional_encoding") is not None:
        extras["positional_encoding"] = np.asarray(extras["positional_encoding"], dtype=float)
    for found in (extras.get("attention") or {}).values():
        found["maps"] = np.asarray(found["maps"], dtype=float)
    projection = extras.get("lda_projection")
    if projection is not None:
        projection["values"] = np.asarray(projection["values"], dtype=float)
        projection["labels"] = np.asarray(projection["labels"], dtype=object)
    return extras


def report(run_folder, out=None):
    """Render a run folder's report again from its ``metrics.json`` and ``figures.json``.

    A record written before the record had a format version is read too.

    Parameters
    ----------
    run_folder : str or path-like
        A folder written by a run.
    out : str or path-like, optional
        Where to write the HTML; default ``run_folder/report.html`` (replaced atomically).

    Returns
    -------
    pathlib.Path
        The written report.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "metrics.json").write_text('{"best_model": "rf", "models": {}}')
    >>> report(folder).name
    'report.html'
    """
    folder = Path(run_folder)
    return write_report(folder / "report.html" if out is None else out, load_record(folder),
                        load_figure_data(folder))
