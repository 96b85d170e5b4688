"""The source article's evaluation protocol, kept only for comparison.

The article treats outliers on the whole table before splitting it, then balances
(SMOTE) and reduces (LDA) the test split separately from the training split. Those
steps then learn from the test rows and labels: the outlier statistics are the
test split's own, SMOTE adds synthetic test rows made from the test labels, and an
LDA fitted on the test split projects test rows along the directions that separate
*their* classes best. The scores that come out no longer estimate performance on
new, unlabelled rows. The strict protocol (the default) fits every step on
training rows only; this module scores a fitted strict model the article's way so
a report can show both, and says which steps were refitted on test rows.

The ensemble is scored the same way through its members: each member's steps are
refitted on the test split as above. A member's resampled rows (outliers dropped,
synthetic SMOTE rows) are its own and cannot be shared with the other members, so
the ensemble's blend is scored on the test rows themselves, each passed through
every member's refitted steps (samplers pass rows through, as at prediction).
"""

from __future__ import annotations

from sklearn.base import clone

from ..phases import phase_named
from ..selection import EnsembleClassifier

__all__ = ["article_proba", "article_test_split", "refitted_steps"]


def _article_method(name, step):
    """The method the article refits on the test split for this step, or None.

    Steps are recognised by their name in the pipeline, not by their class, so table
    and sequence phases follow one rule: a searchable phase of
    :data:`~pipeline.phases.PHASES` says what it refits (the outlier treatment; the
    balancer and the reduction unless their method is ``"none"``), and a ``prepare``
    step with a clipping ``threshold`` (the sequence scaler) is the outlier treatment
    of series. A ``"passthrough"`` step, and every other step (imputation, encoding,
    flattening), keeps what it learned from the training rows.
    """
    if step is None or isinstance(step, str):
        return None
    phase = phase_named(name)
    if phase is not None:
        return phase.article_method(step)
    if name == "prepare" and step.get_params(deep=False).get("threshold") is not None:
        return "clip"  # sequence data: clipping, imputation and scaling are one step
    return None


def refitted_steps(fitted_pipeline):
    """Which steps :func:`article_test_split` refits on the test rows, for the report.

    Parameters
    ----------
    fitted_pipeline : imblearn.pipeline.Pipeline
        The model whose test split is scored the article's way.

    Returns
    -------
    list of str
        ``"<step> (<method>)"`` per refitted step, in pipeline order, e.g.
        ``["outliers (drop)", "balance (smote)", "reduce (lda)"]``; for an
        :class:`EnsembleClassifier`, ``"<member>: <step> (<method>)"`` over its members.

    Examples
    --------
    >>> from imblearn.pipeline import Pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from pipeline.phases import Balancer, Reducer
    >>> model = Pipeline([("outliers", "passthrough"), ("balance", Balancer()),
    ...                   ("reduce", Reducer("none")), ("model", LogisticRegression())])
    >>> refitted_steps(model)
    ['balance (smote)']
    """
    if isinstance(fitted_pipeline, EnsembleClassifier):
        return [f"{member}: {step}" for member, model in fitted_pipeline.steps
                for step in (refitted_steps(model) if hasattr(model, "steps") else [])]
    found = []
    for name, step in fitted_pipeline.steps[:-1]:
        method = _article_method(name, step)
        if method is not None:
            found.append(f"{name} ({method})")
    return found


def article_test_split(fitted_pipeline, X_test, y_test):
    """Prepare, treat outliers, balance and reduce the test split the article's way.

    Parameters
    ----------
    fitted_pipeline : imblearn.pipeline.Pipeline
        A model fitted on training rows, its estimator last.
    X_test, y_test : test split (raw rows)

    Returns
    -------
    Xt, yt : array-like
        The test rows after the pipeline's steps up to the estimator, where each
        step named by :func:`refitted_steps` is a fresh copy fitted on the test
        rows themselves (samplers resample them) and every other step is the one
        fitted on the training rows. Score them with ``fitted_pipeline[-1]``.

    Examples
    --------
    >>> import numpy as np
    >>> from imblearn.pipeline import Pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from pipeline.phases import Balancer, Reducer
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(60, 3)), (np.arange(60) % 4 == 0).astype(int)
    >>> model = Pipeline([("balance", Balancer(random_state=0)), ("reduce", Reducer("lda")),
    ...                   ("model", LogisticRegression())]).fit(X[:40], y[:40])
    >>> Xt, yt = article_test_split(model, X[40:], y[40:])
    >>> Xt.shape, np.bincount(yt).tolist()
    ((30, 1), [15, 15])
    """
    _, Xt, yt = _steps_refitted_on_test(fitted_pipeline, X_test, y_test)
    return Xt, yt


def _steps_refitted_on_test(fitted_pipeline, X_test, y_test):
    """The steps before the estimator (the article's refitted on the test rows), and the rows after them."""
    steps, Xt, yt = [], X_test, y_test
    for name, step in fitted_pipeline.steps[:-1]:
        if step is None or isinstance(step, str):
            continue
        if _article_method(name, step) is not None:
            step = clone(step)
            if hasattr(step, "fit_resample"):
                Xt, yt = step.fit_resample(Xt, yt)
            else:
                Xt = step.fit(Xt, yt).transform(Xt)
        elif not hasattr(step, "fit_resample"):
            Xt = step.transform(Xt)  # a sampler fitted on training rows does nothing here
        steps.append(step)
    return steps, Xt, yt


def _member_proba(model, X_test, y_test):
    """A member's probabilities for every test row, its article steps refitted on the test split."""
    if not hasattr(model, "steps"):
        return model.predict_proba(X_test)  # no phase steps of its own to refit
    steps, _, _ = _steps_refitted_on_test(model, X_test, y_test)
    Xt = X_test
    for step in steps:
        if not hasattr(step, "fit_resample"):  # samplers act only while fitting
            Xt = step.transform(Xt)
    return model[-1].predict_proba(Xt)


def article_proba(fitted_model, X_test, y_test):
    """Probabilities and labels of the test split scored the article's way.

    Parameters
    ----------
    fitted_model : imblearn.pipeline.Pipeline or EnsembleClassifier
        A model fitted on training rows.
    X_test, y_test : test split (raw rows)

    Returns
    -------
    proba : ndarray of shape (n_rows, n_classes)
    y : array-like of shape (n_rows,)
        A Pipeline: the rows of :func:`article_test_split` (resampled when a
        sampler was refitted). An ensemble: the test rows themselves, with the
        members' probabilities blended by their weights (see the module's notes).

    Examples
    --------
    >>> import numpy as np
    >>> from imblearn.pipeline import Pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from pipeline.selection import EnsembleClassifier
    >>> from pipeline.phases import Balancer, Reducer
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(60, 3)), (np.arange(60) % 4 == 0).astype(int)
    >>> smote = Pipeline([("balance", Balancer(random_state=0)), ("reduce", Reducer("lda")),
    ...                   ("model", LogisticRegression())]).fit(X[:40], y[:40])
    >>> plain = Pipeline([("model", LogisticRegression())]).fit(X[:40], y[:40])
    >>> proba, yt = article_proba(smote, X[40:], y[40:])
    >>> proba.shape, len(yt)
    ((30, 2), 30)
    >>> ensemble = EnsembleClassifier([("a", smote), ("b", plain)], [1, 1]).fit()
    >>> proba, yt = article_proba(ensemble, X[40:], y[40:])
    >>> proba.shape, len(yt)
    ((20, 2), 20)
    """
    if isinstance(fitted_model, EnsembleClassifier):
        proba = sum(weight * _member_proba(model, X_test, y_test)
                    for (_, model), weight in zip(fitted_model.steps, fitted_model.weights_))
        return proba, y_test
    Xt, yt = article_test_split(fitted_model, X_test, y_test)
    return fitted_model[-1].predict_proba(Xt), yt
