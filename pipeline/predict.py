"""Predictions for raw rows from a saved model, checked against its manifest."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from .datasets import _raise_text_in_numeric
from .errors import DataError

__all__ = ["predict_frame", "write_predictions"]

logger = logging.getLogger(__name__)

_SHOWN_VALUES = 5  # unseen categories named per column in a warning


def predict_frame(estimator, manifest, frame):
    """Predict class and class probabilities for each row of ``frame``.

    Parameters
    ----------
    estimator : fitted Pipeline
    manifest : dict
        The model folder's manifest: its ``metadata`` names the target, the data
        kind (table or sequence) and the feature roles.
    frame : pandas.DataFrame
        Raw rows; may hold the target column (ignored), extra columns (ignored,
        with a warning), missing values, infinite values and unseen categories
        (with a warning).

    Returns
    -------
    pandas.DataFrame
        ``prediction`` and one ``proba_<class>`` column per class, one row per
        input row, with the input's index.

    Raises
    ------
    DataError
        A feature column the model needs is missing, a numeric column holds text,
        or sequence rows do not have the model's number of steps.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0]})
    >>> model = LogisticRegression().fit(X, ["n", "n", "y", "y"])
    >>> manifest = {"metadata": {"target": "t", "roles": {"numeric": ["a"], "categorical": []}}}
    >>> predict_frame(model, manifest, pd.DataFrame({"a": [3.0, 0.0], "t": ["y", "n"]}))["prediction"].tolist()
    ['y', 'n']
    """
    metadata = manifest.get("metadata", {})
    if metadata.get("kind") == "sequence":
        X = _sequence_input(frame, metadata)
    else:
        X = _table_input(estimator, frame, metadata)
    proba = np.asarray(estimator.predict_proba(X))
    if len(proba) != len(frame):
        # The samplers act only in fit; a row lost here would misalign every answer.
        raise RuntimeError(f"The model answered {len(proba)} rows for {len(frame)} input rows.")
    classes = estimator.classes_
    output = pd.DataFrame({"prediction": _decide(proba, classes, metadata)}, index=frame.index)
    for j, label in enumerate(classes):
        output[f"proba_{label}"] = proba[:, j]
    return output


def _decide(proba, classes, metadata):
    """Classes by the model's saved threshold (two classes), else the most probable class."""
    from .evaluation import decide

    threshold = metadata.get("threshold")
    if threshold is None or len(classes) != 2:
        return decide(proba, classes)
    positive = [c for c in classes if str(c) == str(metadata.get("positive_class"))]
    return decide(proba, classes, positive[0] if positive else classes[1], float(threshold))


def _table_input(estimator, frame, metadata):
    roles = metadata.get("roles") or {}
    numeric, categorical = list(roles.get("numeric", [])), list(roles.get("categorical", []))
    needed = numeric + categorical
    columns = [str(c) for c in frame.columns]
    missing = [c for c in needed if c not in columns]
    if missing:
        raise DataError(
            f"The data lacks column(s) the model was trained on: {', '.join(missing)}. "
            "Add them (empty cells are fine: they are imputed)."
        )
    target = metadata.get("target")
    extra = [c for c in columns if c not in needed and c != target]
    if extra:
        logger.warning("Ignoring column(s) the model does not use: %s.", ", ".join(extra))
    X = frame.rename(columns=str)[needed].copy()
    for column in numeric:
        if not pd.api.types.is_numeric_dtype(X[column]):
            if X[column].isna().all():
                X[column] = X[column].astype("float64")
                continue
            _raise_text_in_numeric(X[column], column)
            X[column] = pd.to_numeric(X[column])
    _warn_unseen_categories(estimator, X, categorical)
    return X


def _training_categories(estimator):
    """Column -> set of category strings seen in fit, when the model's steps show them."""
    steps = getattr(estimator, "named_steps", {})
    prepare = steps.get("prepare") if hasattr(steps, "get") else None
    found = {}
    for _, transformer, columns in getattr(prepare, "transformers_", []):
        encoder = None
        for step in getattr(transformer, "steps", [(None, transformer)]):
            if hasattr(step[1], "categories_"):
                encoder = step[1]
        if encoder is None or isinstance(columns, slice):
            continue
        for column, categories in zip(columns, encoder.categories_):
            found[str(column)] = {str(c) for c in categories}
    return found


def _warn_unseen_categories(estimator, X, categorical):
    known = _training_categories(estimator)
    for column in categorical:
        if column not in known:
            continue
        values = X[column].dropna().astype(str)
        unseen = values[~values.isin(known[column])]
        if len(unseen):
            names = ", ".join(repr(v) for v in unseen.unique()[:_SHOWN_VALUES])
            more = " ..." if unseen.nunique() > _SHOWN_VALUES else ""
            logger.warning(
                "Column %r: %d row(s) hold categories unseen in training (%s%s); they are encoded "
                "as unknown, which the model answers from its other columns.",
                column, len(unseen), names, more,
            )


def _sequence_input(frame, metadata):
    from .sequences import frame_to_series

    target = metadata.get("target")
    X = frame.drop(columns=[c for c in frame.columns if str(c) == target])
    shape = (metadata.get("roles") or {}).get("sequence", {})
    n_steps, n_channels = shape.get("n_steps"), shape.get("n_channels", metadata.get("channels", 1))
    expected = None if n_steps is None else int(n_steps) * int(n_channels)
    if expected is not None and X.shape[1] != expected:
        raise DataError(
            f"The data has {X.shape[1]} value column(s), but the model reads series of {n_steps} steps x "
            f"{n_channels} channel(s) ({expected} columns). Pass one row per series with those columns "
            f"(and optionally the target {target!r})."
        )
    return frame_to_series(X, channels=int(n_channels))


def write_predictions(output, path):
    """Write predictions as CSV, atomically: the file appears complete or not at all.

    Parameters
    ----------
    output : pandas.DataFrame
        From :func:`predict_frame`.
    path : str or path-like
        The CSV to write; its folder is created when missing. An existing file
        is replaced only once the new one is complete.

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"Predictions path {str(path)!r} is a folder; pass a file name such as {str(path / 'predictions.csv')!r}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            output.to_csv(stream, index=False)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return path
