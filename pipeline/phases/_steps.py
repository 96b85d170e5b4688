"""Assemble phases 1-3 into pipeline steps, and report what the fitted steps did."""

from collections import Counter
from numbers import Integral, Real

import numpy as np

from .._sklearn import Interval, StrOptions, validate_parameter_constraints, validate_params
from ._outliers import ZScoreClipper, ZScoreOutlierRemover, _take_rows
from ._prepare import _make_late_onehot, make_prepare, prepare_summary
from ._table import PHASE_NAMES, PHASES

__all__ = ["build_phase_steps", "phase_report"]

# Each phase's methods, checked the way validate_params checks the other arguments.
_METHOD_CONSTRAINTS = {phase.name: [StrOptions(set(phase.methods))] for phase in PHASES}


@validate_params(
    {
        "numeric": ["array-like", None],
        "categorical": ["array-like", None],
        "dates": ["array-like"],
        "threshold": [Interval(Real, 0, None, closed="neither")],
        "k_neighbors": [Interval(Integral, 1, None, closed="left")],
        "n_components": [Interval(Integral, 1, None, closed="left"),
                         Interval(Real, 0, 1, closed="neither"), None],
        "min_frequency": [Interval(Integral, 1, None, closed="left"),
                          Interval(Real, 0, 1, closed="neither"), None],
        "max_categories": [Interval(Integral, 2, None, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def build_phase_steps(numeric, categorical, *, dates=(), threshold=3.0, k_neighbors=5, n_components=None,
                      min_frequency=None, max_categories=50, random_state=None, **methods):
    """Return the unfitted ``(name, step)`` list: ``prepare`` and the phases of :data:`PHASES`.

    Append ``("model", estimator)`` and wrap the list in
    :class:`imblearn.pipeline.Pipeline`: fitting it fits every step on the training
    rows only, and at predict time the samplers (outlier removal, SMOTE) are skipped.

    Parameters
    ----------
    numeric, categorical : list of str, or None
        Column names per role; None selects by dtype (see :func:`make_prepare`).
    dates : list of str, default=()
        Date columns, turned into their parts by ``prepare`` (see :func:`make_prepare`).
    threshold : float, default=3.0
        Absolute z-score beyond which a value is an outlier.
    k_neighbors : int, default=5
        Neighbours for SMOTE (lowered with a warning for small classes).
    n_components : int or float, default=None
        Components for the reduction (see :class:`Reducer`).
    min_frequency, max_categories : see :func:`make_prepare`
        One-hot encoding limits; ``max_categories`` defaults to 50.
    random_state : int or None, default=None
        Seed for SMOTE.
    **methods : str
        One method per phase of :data:`PHASES`, keyed by its name; a phase not named
        gets its first method. Today: ``outliers`` ({"drop", "clip", "none"}) drops
        training rows with ``|z| > threshold`` (:class:`ZScoreOutlierRemover`), clips
        values to the training bounds (:class:`ZScoreClipper`, also at predict), or
        does nothing (the step is ``"passthrough"``); ``balance`` ({"smote",
        "smotenc", "none"}) balances the classes (:class:`Balancer`), and with
        ``"smotenc"`` the ``prepare`` step ordinal-encodes categories, SMOTENC
        balances, and an extra ``"encode"`` step one-hot encodes afterwards;
        ``reduce`` ({"lda", "pca", "none"}) reduces the features (:class:`Reducer`).

    Returns
    -------
    steps : list of (str, estimator)
        Names ``"outliers"``, ``"prepare"``, ``"balance"``, [``"encode"``,] ``"reduce"``.

    Examples
    --------
    >>> [name for name, _ in build_phase_steps(["age"], ["colour"])]
    ['outliers', 'prepare', 'balance', 'reduce']
    >>> [name for name, _ in build_phase_steps(["age"], ["colour"], balance="smotenc")]
    ['outliers', 'prepare', 'balance', 'encode', 'reduce']
    """
    methods = _phase_methods(methods)
    settings = {"numeric": numeric, "threshold": threshold, "k_neighbors": k_neighbors,
                "n_components": n_components, "random_state": random_state}
    encoding = {"dates": dates, "min_frequency": min_frequency, "max_categories": max_categories}
    ordinal = any(methods[phase.name] in phase.ordinal for phase in PHASES)
    steps = [(phase.name, phase.build(methods[phase.name], settings)) for phase in PHASES
             if phase.before_prepare]
    steps.append(("prepare", make_prepare(numeric, categorical, encoding="ordinal" if ordinal else "onehot",
                                          **encoding)))
    for phase in PHASES:
        if phase.before_prepare:
            continue
        steps.append((phase.name, phase.build(methods[phase.name], settings)))
        # SMOTENC must see each category as one column, so one-hot encoding waits
        # until after it; the ordinal step marks categories with the 'category' dtype.
        if methods[phase.name] in phase.ordinal:
            steps.append(("encode", _make_late_onehot()))
    return steps


def _phase_methods(given):
    """Each phase's method: the one given, else its first; unknown names refused."""
    unknown = sorted(set(given) - set(PHASE_NAMES))
    if unknown:
        raise TypeError(
            f"build_phase_steps got {', '.join(map(repr, unknown))}, which is not a phase. "
            f"Name a method for any of {', '.join(PHASE_NAMES)}."
        )
    methods = {phase.name: given.get(phase.name, phase.methods[0]) for phase in PHASES}
    validate_parameter_constraints(_METHOD_CONSTRAINTS, methods, caller_name="build_phase_steps")
    return methods


def _label_counts(counts):
    return {str(label): int(n) for label, n in counts.items()}


def _outlier_report(step, X_train, y_train):
    report = {"method": "none", "threshold": None, "rows_before": int(len(X_train)),
              "rows_removed": 0}
    X_seen = X_train
    if isinstance(step, ZScoreOutlierRemover):
        keep = np.zeros(len(X_train), dtype=bool)
        keep[step.sample_indices_] = True
        removed = Counter(np.asarray(y_train).ravel()[~keep].tolist())
        report.update(method="drop", threshold=float(step.threshold),
                      rows_removed=int(step.n_outliers_),
                      removed_fraction=round(float(step.removed_fraction_), 4),
                      rows_removed_per_class=_label_counts(dict(sorted(removed.items()))))
        X_seen = _take_rows(X_train, keep)
    elif isinstance(step, ZScoreClipper):
        report.update(method="clip", threshold=float(step.threshold),
                      cells_clipped=int(step.n_clipped_))
        X_seen = step.transform(X_train)
    return report, X_seen


def _encoding_report(steps, summary):
    encode = steps.get("encode")
    if encode is None or encode == "passthrough":
        return {"onehot_columns_added": summary["onehot_columns_added"],
                "n_features_out": summary["n_features_out"]}
    categorical_in = next(
        (len(list(cols)) for name, _, cols in steps["prepare"].transformers_
         if name == "categorical"), 0)
    piece = encode.output_indices_["categorical"]
    width = sum(p.stop - p.start for p in encode.output_indices_.values())
    return {"onehot_columns_added": int(piece.stop - piece.start - categorical_in),
            "n_features_out": int(width)}


def phase_report(fitted_pipeline, X_train, y_train):
    """Summarise what the fitted phase steps did, ready for ``json.dump``.

    Parameters
    ----------
    fitted_pipeline : imblearn.pipeline.Pipeline
        A pipeline built from :func:`build_phase_steps` and fitted on
        ``(X_train, y_train)``.
    X_train : DataFrame or array-like
        The training rows it was fitted on.
    y_train : array-like
        Their labels.

    Returns
    -------
    report : dict
        ``outliers`` (method, threshold, rows_before, rows_removed, removed_fraction and
        rows_removed_per_class or cells_clipped), ``imputation`` (cells_imputed per
        column), ``encoding`` (onehot_columns_added, n_features_out), ``balance``
        (method, k_neighbors, neighbour_search, class_counts_before, class_counts_after) and
        ``reduction`` (method, n_components). Keys are strings, numbers Python ints.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from imblearn.pipeline import Pipeline
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X = pd.DataFrame({"x": np.arange(12.0), "c": ["a", "b", None] * 4})
    >>> y = np.array([0] * 8 + [1] * 4)
    >>> steps = build_phase_steps(["x"], ["c"], k_neighbors=2, random_state=0)
    >>> model = Pipeline(steps + [("model", DecisionTreeClassifier(random_state=0))])
    >>> report = phase_report(model.fit(X, y), X, y)
    >>> report["balance"]["class_counts_after"], report["imputation"]["cells_imputed"]
    ({'0': 8, '1': 8}, {'c': 4})
    """
    steps = fitted_pipeline.named_steps
    outliers, X_seen = _outlier_report(steps.get("outliers"), X_train, y_train)
    summary = prepare_summary(steps["prepare"], X_seen)
    balancer, reducer = steps["balance"], steps["reduce"]
    return {
        "outliers": outliers,
        "imputation": {"cells_imputed": summary["cells_imputed"]},
        "encoding": _encoding_report(steps, summary),
        "balance": {
            "method": balancer.method,
            "k_neighbors": None if balancer.k_neighbors_ is None else int(balancer.k_neighbors_),
            "neighbour_search": balancer.neighbour_search_,
            "class_counts_before": _label_counts(balancer.class_counts_before_),
            "class_counts_after": _label_counts(balancer.class_counts_after_),
        },
        "reduction": {"method": reducer.method, "n_components": int(reducer.n_components_)},
    }
