"""Validating a classifier manifest's values before the model answers by them.

The digests prove the files are the ones the manifest lists; they say nothing of
the manifest's own values, which a hand edit (or another tool) can break. Each
value a prediction depends on is checked here, so a bad one is refused with its
name and the value found, not met later as a crash or a silent change.
"""

from __future__ import annotations

from numbers import Integral, Real

from ._manifest import ModelFileError

__all__ = ["CLASSIFIER_FORMATS", "KINDS", "check_manifest"]

#: Storage formats of classifier folders (other applications' folders have their own).
CLASSIFIER_FORMATS = ("skops", "joblib")
#: Data kinds a classifier folder can be of.
KINDS = ("table", "sequence")
# The table roles a prediction reads; others (dropped columns...) are informative.
_READ_ROLES = ("numeric", "categorical")


def _refuse(folder, key, value, expected):
    raise ModelFileError(
        f"The manifest of model {str(folder)!r} holds {key} = {value!r}, but it must be {expected}. "
        "The manifest was edited or damaged; use an untouched copy of the model folder, or retrain."
    )


def _is_number(value):
    return isinstance(value, Real) and not isinstance(value, bool)


def _check_strings(folder, key, value):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        _refuse(folder, key, value, "a list of strings")


def _check_roles(folder, key, roles, kind):
    if not isinstance(roles, dict):
        _refuse(folder, key, roles, "an object of feature roles")
    if kind == "sequence":
        shape = roles.get("sequence")
        if not isinstance(shape, dict):
            _refuse(folder, f"{key}.sequence", shape, "an object with n_steps and n_channels")
        for name in ("n_steps", "n_channels"):
            value = shape.get(name)
            if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
                _refuse(folder, f"{key}.sequence.{name}", value, "a positive whole number")
        return
    for name in _READ_ROLES:
        _check_strings(folder, f"{key}.{name}", roles.get(name))


def check_manifest(manifest, folder):
    """Refuse a classifier manifest whose values a prediction cannot rely on.

    Checks the classes and feature names (lists of strings), the metadata (an
    object), the data kind, the decision threshold (a number strictly between 0
    and 1, or null), the positive class (one of the classes, or null) and the
    feature roles (both copies alike, and the columns as lists of strings). A
    folder saved without a run's metadata has no roles to check. Folders of
    other formats are left to their own readers.

    Parameters
    ----------
    manifest : dict
    folder : str or path-like
        Named in the error.

    Raises
    ------
    ModelFileError
        Naming the key, the value found and what it must be.

    Examples
    --------
    >>> check_manifest({"format": "skops", "classes": ["a", "b"], "metadata": {"threshold": 0.3}}, "m")
    >>> check_manifest({"format": "skops", "classes": ["a", "b"], "metadata": {"threshold": "abc"}}, "m")
    Traceback (most recent call last):
    ...
    pipeline.persistence._manifest.ModelFileError: The manifest of model 'm' holds metadata.threshold ...
    """
    if manifest.get("format") not in CLASSIFIER_FORMATS:
        return
    classes = manifest.get("classes")
    _check_strings(folder, "classes", classes)
    _check_strings(folder, "feature_names", manifest.get("feature_names", []))
    metadata = manifest.get("metadata", {})
    if not isinstance(metadata, dict):
        _refuse(folder, "metadata", metadata, "an object")
    kind = metadata.get("kind", "table")
    if kind not in KINDS:
        _refuse(folder, "metadata.kind", kind, f"one of {', '.join(KINDS)}")
    threshold = metadata.get("threshold")
    if threshold is not None and not (_is_number(threshold) and 0 < threshold < 1):
        _refuse(folder, "metadata.threshold", threshold, "a number strictly between 0 and 1, or null")
    if threshold is not None and len(classes) != 2:
        _refuse(folder, "metadata.threshold", threshold, f"null for a model of {len(classes)} classes")
    positive = metadata.get("positive_class")
    if positive is not None and str(positive) not in classes:
        _refuse(folder, "metadata.positive_class", positive, f"one of the classes {classes}, or null")
    if "roles" in metadata or manifest.get("roles") is not None:
        _check_roles(folder, "metadata.roles", metadata.get("roles"), kind)
        if manifest.get("roles") != metadata.get("roles"):
            _refuse(folder, "roles", manifest.get("roles"), "the same as metadata.roles")
