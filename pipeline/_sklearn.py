"""scikit-learn's private API, imported in this one module.

None of these names is public in scikit-learn, so any minor release may move or
change them: parameter validation (the constraint classes, ``validate_params``,
``InvalidParameterError``), ``_fit_context``, ``_check_feature_names_in``, and
``_get_check_estimator_ids`` (the test ids of the estimator checks).
``_fit_context`` and ``validate_params`` come through `sklearn-compat
<https://github.com/sklearn-compat/sklearn-compat>`_, as imbalanced-learn takes
them, which follows scikit-learn's releases; the names it does not provide are
imported here directly, so a release that moves one needs one change, in this
file. ``pyproject.toml`` bounds scikit-learn to the minor versions tested.

Examples
--------
>>> from numbers import Real
>>> Interval(Real, 0, None, closed="neither").is_satisfied_by(0.5)
True
>>> StrOptions({"drop", "clip"}).is_satisfied_by("keep")
False
"""

from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
)

# sklearn-compat imports the estimator checks itself: this import costs no time.
from sklearn.utils.estimator_checks import _get_check_estimator_ids
from sklearn.utils.validation import _check_feature_names_in
from sklearn_compat.base import _fit_context
from sklearn_compat.utils._param_validation import validate_params

__all__ = [
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "StrOptions",
    "_check_feature_names_in",
    "_fit_context",
    "_get_check_estimator_ids",
    "validate_parameter_constraints",
    "validate_params",
]
