"""Predictions for raw rows from a saved model, checked against its manifest."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .datasets import _raise_text_in_numeric
from .errors import DataError

__all__ = ["predict_frame"]

logger = logging.getLogger(__name__)


def predict_frame(estimator, manifest, frame):
    """Predict class and class probabilities for each row of ``frame``.

    Parameters
    ----------
    estimator : fitted Pipeline
    manifest : dict
        The model folder's manifest (its ``metadata.roles`` name the features).
    frame : pandas.DataFrame
        Raw rows; may hold the target column (ignored), extra columns (ignored,
        with a warning), missing values and unseen categories.

    Returns
    -------
    pandas.DataFrame
        ``prediction`` and one ``proba_<class>`` column per class, one row per input row.

    Raises
    ------
    DataError
        A feature column the model needs is missing, or a numeric column holds text.
    """
    roles = manifest.get("metadata", {}).get("roles", {})
    numeric, categorical = list(roles.get("numeric", [])), list(roles.get("categorical", []))
    needed = numeric + categorical
    columns = [str(c) for c in frame.columns]
    missing = [c for c in needed if c not in columns]
    if missing:
        raise DataError(
            f"The data lacks column(s) the model was trained on: {', '.join(missing)}. "
            "Add them (empty cells are fine: they are imputed)."
        )
    target = manifest.get("metadata", {}).get("target")
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
    proba = estimator.predict_proba(X)
    classes = estimator.classes_
    output = pd.DataFrame({"prediction": np.asarray(classes)[np.argmax(proba, axis=1)]}, index=frame.index)
    for j, label in enumerate(classes):
        output[f"proba_{label}"] = proba[:, j]
    return output
