"""One HTML page that sets several runs side by side: leaderboards and config differences."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from ..errors import ConfigError
from ..record import Curves, DataSource, ModelRecord, RunInfo, Scores, load_record
from ._page import report_environment, write_text_atomic
from ._run_sections import leaderboard

__all__ = ["compare_runs", "render_comparison"]

logger = logging.getLogger(__name__)

# Test scores shown per model: fields of :class:`~pipeline.record.Scores`, and the
# average precision of the model's curves.
_COLUMNS = (("roc_auc", "ROC AUC"), ("average_precision", "AP"), ("f1", "F1"),
            ("accuracy", "Accuracy"))


def _test_value(model, key):
    if key == "average_precision":
        return (model.curves or Curves()).average_precision
    return getattr(model.test or Scores(), key)


def _run_entry(name, record):
    run = record.run or RunInfo()
    data = run.data or DataSource()
    models = record.models or {}
    best = record.best_model
    rows = []
    for row in leaderboard(models, best):
        model = models[row["name"]]
        rows.append({"name": row["name"], "best": row["best"],
                     "validation": (model.validation or Scores()).roc_auc,
                     "test": [_test_value(model, key) for key, _ in _COLUMNS]})
    return {
        "name": name,
        "started": run.started,
        "data": data.path,
        "sha256": (data.sha256 or "")[:12],
        "rows": None if record.dataset is None else record.dataset.n_rows,
        "best": best,
        "best_test_auc": _test_value(models.get(best) or ModelRecord(), "roc_auc"),
        "duration_s": run.duration_s,
        "leaderboard": rows,
    }


def _differences(configs):
    keys = sorted({key for config in configs for key in config})
    missing = object()
    rows = []
    for key in keys:
        values = [config.get(key, missing) for config in configs]
        shown = ["(not set)" if v is missing else _text(v) for v in values]
        if len(set(shown)) > 1:
            rows.append({"key": key, "cells": shown})
    return rows


def _text(value):
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def _names(folders):
    names, seen = [], {}
    for folder in folders:
        name = folder.name or str(folder)
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return names


def render_comparison(folders):
    """The comparison page of run folders as an HTML string (see :func:`compare_runs`)."""
    folders = [Path(f) for f in folders]
    if len(folders) < 2:
        raise ConfigError(
            f"compare needs at least two run folders, but got {len(folders)}. "
            "Pass the folders that `dmflow run` printed, e.g. dmflow compare RUN_A RUN_B."
        )
    records = [load_record(folder) for folder in folders]
    names = _names(folders)
    runs = [_run_entry(name, record) for name, record in zip(names, records)]
    configs = [(record.run.config if record.run else None) or {} for record in records]
    model_names = list(dict.fromkeys(name for run in runs for name in
                                     (row["name"] for row in run["leaderboard"])))
    by_model = [{"name": model,
                 "cells": [_test_value((record.models or {}).get(model) or ModelRecord(), "roc_auc")
                            for record in records]} for model in model_names]
    template = report_environment().get_template("compare.html.j2")
    return template.render(runs=runs, differences=_differences(configs), by_model=by_model,
                           columns=[label for _, label in _COLUMNS])


def compare_runs(folders, out):
    """Write one self-contained HTML page comparing run folders.

    The page shows each run (data, best model, duration), the configuration keys
    whose values differ, the test ROC AUC of each model across runs, and every
    run's leaderboard side by side. Every value is escaped; the file is written
    atomically.

    Parameters
    ----------
    folders : sequence of str or path-like
        Two or more run folders.
    out : str or path-like
        The HTML file to write.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> for name, seed in (("a", 0), ("b", 1)):
    ...     (root / name).mkdir()
    ...     _ = (root / name / "metrics.json").write_text(json.dumps(
    ...         {"run": {"config": {"seed": seed}}, "models": {}, "best_model": None}))
    >>> page = compare_runs([root / "a", root / "b"], root / "compare.html").read_text()
    >>> "<td>seed</td>" in page
    True
    """
    path = write_text_atomic(out, render_comparison(folders))
    logger.info("Compared %d runs in %s", len(folders), path)
    return path
