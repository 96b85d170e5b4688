"""The decision rule: from class probabilities to one class per row.

Defined once here and used by the run (to score the splits) and by ``predict``
(to answer new rows), so a model folder predicts the way its report says.
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from ._curves import f1_optimal_threshold

__all__ = ["DEFAULT_THRESHOLD", "check_threshold", "choose_threshold", "decide"]

#: Threshold of two classes when none is set: the more probable class wins.
DEFAULT_THRESHOLD = 0.5


def decide(proba, classes, positive=None, threshold=None):
    """The predicted class of each row.

    Parameters
    ----------
    proba : array-like of shape (n_rows, n_classes)
        ``predict_proba`` output, columns in the order of ``classes``.
    classes : sequence
        The model's ``classes_``.
    positive : label, default=None
        Two classes: the class called when its probability reaches ``threshold``.
    threshold : float or None, default=None
        None: the most probable class (ties to the first), for any number of classes.

    Returns
    -------
    numpy.ndarray of shape (n_rows,)

    Examples
    --------
    >>> decide([[0.7, 0.3], [0.4, 0.6]], ["no", "yes"]).tolist()
    ['no', 'yes']
    >>> decide([[0.7, 0.3], [0.4, 0.6]], ["no", "yes"], positive="yes", threshold=0.25).tolist()
    ['yes', 'yes']
    """
    proba = np.asarray(proba, dtype=np.float64)
    classes = np.asarray(classes)
    if threshold is None:
        return classes[np.argmax(proba, axis=1)]
    if len(classes) != 2:
        raise ValueError(
            f"A threshold applies to two classes, but the model has {len(classes)}. "
            "Leave the threshold out for multiclass models."
        )
    column = int(np.flatnonzero(classes == positive)[0]) if positive is not None else 1
    negative = classes[1 - column]
    return np.where(proba[:, column] >= threshold, classes[column], negative)


def check_threshold(setting, n_classes):
    """Refuse a ``threshold`` setting for data that does not have two classes.

    A run calls this as soon as the target is loaded, before any model is fitted.

    Raises
    ------
    ConfigError
        A threshold (a number or ``"auto"``) with other than two classes.

    Examples
    --------
    >>> check_threshold("auto", 2)
    >>> check_threshold("auto", 3)
    Traceback (most recent call last):
    ...
    pipeline.errors.ConfigError: `threshold` is 'auto', but the target has 3 classes; ...
    """
    if setting is not None and n_classes != 2:
        raise ConfigError(
            f"`threshold` is {setting!r}, but the target has {n_classes} classes; a "
            "threshold applies to two classes only. Leave it out for this data."
        )


def choose_threshold(setting, proba_select, y_select, classes, positive):
    """The threshold a model predicts at, and where it came from.

    Parameters
    ----------
    setting : float, "auto" or None
        The ``threshold`` config value.
    proba_select : array-like of shape (n_rows, n_classes)
        Probabilities of selection rows (out-of-fold or validation predictions),
        never of the test split. Only read for ``"auto"``.
    y_select : array-like of shape (n_rows,)
        The labels of those rows.
    classes : sequence
        The model's classes.
    positive : label or None
        The positive class; None for multiclass data.

    Returns
    -------
    dict or None
        ``{"value": float, "source": "default" | "config" | "auto"}``; None for
        more than two classes without a setting.

    Examples
    --------
    >>> choose_threshold(0.3, None, None, ["no", "yes"], "yes")
    {'value': 0.3, 'source': 'config'}
    """
    check_threshold(setting, len(classes))
    if len(classes) != 2:
        return None
    if setting is None:
        return {"value": DEFAULT_THRESHOLD, "source": "default"}
    if setting != "auto":
        return {"value": float(setting), "source": "config"}
    column = list(classes).index(positive)
    score = np.asarray(proba_select, dtype=np.float64)[:, column]
    return {"value": f1_optimal_threshold(np.asarray(y_select) == positive, score), "source": "auto"}
