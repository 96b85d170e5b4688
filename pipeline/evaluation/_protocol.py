"""The source article's evaluation protocol, kept only for comparison.

The article balances (SMOTE) and reduces (LDA) the test split separately from
the training split. Both then learn from test labels: SMOTE adds synthetic test
rows made from the test labels, and an LDA fitted on the test split projects
test rows along the directions that separate *their* classes best. The scores
that come out no longer estimate performance on new, unlabelled rows. The
strict protocol (the default) fits every step on training rows only; this module
scores a fitted strict model the article's way so a report can show both.
"""

from __future__ import annotations

from sklearn.base import clone

__all__ = ["article_test_split"]


def article_test_split(fitted_pipeline, X_test, y_test):
    """Prepare, balance and reduce the test split the article's way.

    Parameters
    ----------
    fitted_pipeline : imblearn.pipeline.Pipeline
        A model fitted on training rows, with steps ``balance``, ``reduce`` and
        ``model`` last in that order.
    X_test, y_test : test split (raw rows)

    Returns
    -------
    Xt, yt : ndarray
        Test features after the fitted preparation, then a new balancer and a
        new reducer fitted on the test split itself; labels after balancing.
        Score them with ``fitted_pipeline[-1]``.
    """
    names = [name for name, _ in fitted_pipeline.steps]
    balance_at = names.index("balance")
    reduce_at = names.index("reduce")
    # Outlier removal and preparation stay as fitted on training rows; the
    # article treats the test rows the same way in phase 1.
    Xt = fitted_pipeline[:balance_at].transform(X_test) if balance_at else X_test
    balancer = clone(fitted_pipeline.steps[balance_at][1])
    Xt, yt = balancer.fit_resample(Xt, y_test)
    for name, step in fitted_pipeline.steps[balance_at + 1 : reduce_at]:
        Xt = step.transform(Xt)  # steps between balancing and reduction, if any
    reducer = clone(fitted_pipeline.steps[reduce_at][1])
    Xt = reducer.fit(Xt, yt).transform(Xt)
    return Xt, yt
