"""Phase 3: reduce the prepared features with LDA, PCA or not at all."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

__all__ = ["Reducer"]


class Reducer(TransformerMixin, BaseEstimator):
    """Project features onto fewer components: LDA (supervised), PCA, or none.

    Parameters
    ----------
    method : {"lda", "pca", "none"}, default="lda"
        ``"lda"``: :class:`~sklearn.discriminant_analysis.LinearDiscriminantAnalysis`
        with at most ``n_classes - 1`` components, fitted on ``(X, y)``.
        ``"pca"``: :class:`~sklearn.decomposition.PCA`. ``"none"``: features pass
        through unchanged.
    n_components : int or float, default=None
        LDA: number of components, capped at ``min(n_classes - 1, n_features)``;
        None takes the cap. PCA: an int is a number of components (capped at
        ``min(n_samples, n_features)``), a float in (0, 1) the fraction of variance
        to keep; None keeps 95% of the variance.

    Attributes
    ----------
    estimator_ : LinearDiscriminantAnalysis, PCA or None
        The fitted projection (None for ``method="none"``).
    n_components_ : int
        Number of output columns.
    classes_ : ndarray of shape (n_classes,)
        Class labels seen in fit (``method="lda"`` only).
    n_features_in_ : int
        Number of columns seen in fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names seen in fit, when ``X`` is a DataFrame with string names.

    Notes
    -----
    One-hot columns of one variable sum to one, so LDA's within-class scatter is
    singular and scikit-learn warns "Variables are collinear". The SVD solver used
    here handles that rank deficiency, so that warning is silenced rather than
    shown on every run.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(30, 4)), np.repeat([0, 1, 2], 10)
    >>> Reducer("lda").fit(X, y).transform(X).shape
    (30, 2)
    >>> Reducer("pca", n_components=3).fit(X, y).n_components_
    3
    """

    _parameter_constraints: dict = {
        "method": [StrOptions({"lda", "pca", "none"})],
        "n_components": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="neither"),
            None,
        ],
    }

    def __init__(self, method="lda", *, n_components=None):
        self.method = method
        self.n_components = n_components

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the projection on the training rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Prepared (numeric) training data.
        y : array-like of shape (n_samples,), default=None
            Class labels; required for ``method="lda"``.

        Returns
        -------
        self : Reducer
            The fitted reducer.
        """
        if self.method == "lda":
            if y is None:
                raise ValueError(
                    "Reducer(method='lda') requires y to be passed, but the target y is "
                    "None: LDA learns from the class labels. Call fit(X, y), or use "
                    "method='pca' or 'none'."
                )
            X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
            self._fit_lda(X, y)
        else:
            X = validate_data(self, X, dtype=[np.float64, np.float32])
            self.estimator_ = self._fit_pca(X) if self.method == "pca" else None
            self.n_components_ = (
                X.shape[1] if self.estimator_ is None else int(self.estimator_.n_components_)
            )
        return self

    def _fit_lda(self, X, y):
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        cap = min(len(self.classes_) - 1, X.shape[1])
        if cap < 1:
            raise ValueError(
                f"Reducer(method='lda') needs at least 2 classes, got {len(self.classes_)} "
                f"({self.classes_.tolist()}). Use method='pca' or 'none' for one class."
            )
        if isinstance(self.n_components, Real) and not isinstance(self.n_components, Integral):
            raise ValueError(
                f"Reducer(method='lda') takes a whole number of components, got "
                f"n_components={self.n_components}. A fraction of variance applies to "
                "method='pca' only."
            )
        n_components = cap if self.n_components is None else min(self.n_components, cap)
        lda = LinearDiscriminantAnalysis(solver="svd", n_components=n_components)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Variables are collinear",
                                    category=UserWarning)
            lda.fit(X, y)
        self.estimator_ = lda
        # The SVD solver keeps only the within-class rank's worth of directions.
        self.n_components_ = int(min(n_components, lda.scalings_.shape[1]))

    def _fit_pca(self, X):
        n_components = 0.95 if self.n_components is None else self.n_components
        if isinstance(n_components, Integral):
            n_components = min(n_components, *X.shape)
        # "auto" picks the covariance eigen-solver for tall data and the randomized
        # one for large, wide data: the fastest exact-enough choice in each case.
        return PCA(n_components=n_components, svd_solver="auto", random_state=0).fit(X)

    def transform(self, X):
        """Project ``X`` onto the fitted components.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Prepared data with the columns seen in fit.

        Returns
        -------
        X_reduced : ndarray of shape (n_samples, n_components_)
            The projected data, in the dtype of ``X`` (float32 stays float32).
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        if self.estimator_ is None:
            return X
        return self.estimator_.transform(X)[:, : self.n_components_]

    def get_feature_names_out(self, input_features=None):
        """Output names: the input names for "none", else ``lda0``, ``pca0``, ...

        Parameters
        ----------
        input_features : array-like of str, default=None
            Input names; checked against ``feature_names_in_`` when it is set.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per output column.
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        if self.estimator_ is None:
            return names
        return np.asarray([f"{self.method}{i}" for i in range(self.n_components_)],
                          dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = self.method == "lda"
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
