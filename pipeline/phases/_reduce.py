"""Phase 3: reduce the prepared features with LDA, PCA or not at all."""

import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
import scipy.linalg
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from .._sklearn import Interval, StrOptions, _check_feature_names_in, _fit_context

__all__ = ["REDUCE_METHODS", "Reducer"]

#: The reductions :class:`Reducer` (and a run's ``reduce`` setting) accept.
REDUCE_METHODS = ("lda", "pca", "none")

# Up to this many cells (rows x columns) LDA is scikit-learn's own; above, the
# chunked scatter solution below (same projection, a fraction of the memory).
_EXACT_LDA_CELLS = 2_000_000
# Rows per chunk when accumulating class sums and the within-class scatter.
_CHUNK_ROWS = 16_384


def _chunks(n_rows):
    for start in range(0, n_rows, _CHUNK_ROWS):
        yield slice(start, min(start + _CHUNK_ROWS, n_rows))


def _constant_within_classes(X, y):
    """Whether every column is constant within each class (LDA's scatter is zero)."""
    for label in np.unique(y):
        rows = X[y == label]
        if np.any(rows != rows[0]):
            return False
    return True


class _ScatterLDA:
    """LDA fitted from the d x d within-class scatter instead of the n x d data.

    scikit-learn's ``svd`` solver scales the centred training rows and takes the
    SVD of that n x d matrix: several n x d copies in memory and an O(n d^2)
    LAPACK call that is slow on many rows. Its right singular vectors and
    singular values are the eigenvectors and square roots of the eigenvalues of
    the d x d matrix of inner products, which one pass over row chunks
    accumulates in float64 with O(d^2) memory. The rest (rank cut at ``tol``,
    the between-class SVD of the k class means) follows scikit-learn's solver
    step by step, so the projection is the same up to the sign of each axis;
    signs are fixed so each axis's largest coefficient is positive.
    """

    def __init__(self, n_components, tol=1e-4):
        self.n_components = n_components
        self.tol = tol

    def fit(self, X, y):
        # A hash table, not a sort, finds the classes: sorting a million text
        # labels takes seconds.
        index, classes = pd.factorize(np.asarray(y), sort=True)
        self.classes_ = np.asarray(classes)
        n_rows, n_features = X.shape
        n_classes = len(self.classes_)
        counts = np.bincount(index, minlength=n_classes)
        self.priors_ = counts / n_rows
        sums = np.zeros((n_classes, n_features))
        scatter = np.zeros((n_features, n_features))
        # Each chunk's product is small (d x d); BLAS threads gain little on it
        # and, on cores shared with other work, were measured 20x slower.
        with threadpool_limits(limits=1, user_api="blas"):
            for rows in _chunks(n_rows):
                sums += np.eye(n_classes)[index[rows]].T @ X[rows].astype(np.float64)
            self.means_ = sums / counts[:, None]
            for rows in _chunks(n_rows):
                centred = X[rows].astype(np.float64) - self.means_[index[rows]]
                scatter += centred.T @ centred
        std = np.sqrt(np.diag(scatter) / n_rows)
        std[std == 0] = 1.0
        # Eigen-decomposition of M'M, M = (centred / std) / sqrt(n): M's SVD.
        values, vectors = np.linalg.eigh(scatter / np.outer(std, std) / n_rows)
        order = np.argsort(values)[::-1]
        singular = np.sqrt(np.clip(values[order], 0.0, None))
        rank = int(np.sum(singular > self.tol))
        self.within_rank_ = rank
        if rank == 0:
            # No feature varies within a class: each class is a single point, and
            # the unscaled class means alone give the directions that separate them.
            scalings = np.eye(n_features)
        else:
            scalings = (vectors[:, order[:rank]] / std[:, None]) / singular[:rank]
        self.xbar_ = self.priors_ @ self.means_
        fac = 1.0 / max(n_classes - 1, 1)
        between = (np.sqrt(n_rows * self.priors_ * fac) * (self.means_ - self.xbar_).T).T @ scalings
        _, singular, vt = scipy.linalg.svd(between, full_matrices=False)
        total = np.sum(singular**2)
        self.explained_variance_ratio_ = (
            singular**2 / total if total > 0 else np.zeros_like(singular))[: self.n_components]
        rank = int(np.sum(singular > self.tol * singular[0])) if total > 0 else 0
        if rank == 0:
            # Constant features: nothing to separate on; one constant axis keeps
            # the output two-dimensional for the model after it.
            self.scalings_ = np.zeros((n_features, 1))
            return self
        scalings = scalings @ vt.T[:, :rank]
        signs = np.sign(scalings[np.argmax(np.abs(scalings), axis=0), np.arange(rank)])
        self.scalings_ = scalings * np.where(signs == 0, 1.0, signs)
        return self

    def transform(self, X):
        # X @ S - xbar @ S: no n x d temporary for the centred rows.
        scalings = self.scalings_.astype(X.dtype, copy=False)
        return X @ scalings - (self.xbar_ @ self.scalings_).astype(X.dtype)


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
    feature_names_in_ : ndarray of shape ``(n_features_in_,)``
        Column names seen in fit, when ``X`` is a DataFrame with string names.

    Notes
    -----
    One-hot columns of one variable sum to one, so LDA's within-class scatter is
    singular and scikit-learn warns "Variables are collinear". The SVD solver used
    here handles that rank deficiency, so that warning is silenced rather than
    shown on every run.

    On more than 2 million cells (rows x columns), LDA is solved from the
    within-class scatter accumulated over chunks of rows rather than by
    scikit-learn's SVD of the whole centred data: the same projection up to the
    sign of each axis, in O(n_features^2) memory instead of several copies of the
    data, and much faster on many rows. ``estimator_`` is then a private
    object with the same ``scalings_``, ``xbar_``, ``means_``, ``priors_`` and
    ``explained_variance_ratio_`` attributes.

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
        "method": [StrOptions(set(REDUCE_METHODS))],
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
        self.classes_ = np.sort(pd.unique(np.asarray(y)))  # np.unique sorts every label
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
        # scikit-learn's solver fails on a zero within-class scatter; the scatter
        # solution handles it, so such (small) data goes there too.
        if X.shape[0] * X.shape[1] > _EXACT_LDA_CELLS or _constant_within_classes(X, y):
            lda = _ScatterLDA(n_components).fit(X, y)
            if lda.within_rank_ == 0:
                warnings.warn(
                    "Reducer(method='lda'): no feature varies within a class in the training "
                    "rows, so LDA has no within-class scatter to scale by; the projection "
                    "uses the class means alone (a constant axis if they are equal too). "
                    "Check the data, or use method='none'.",
                    UserWarning,
                    stacklevel=3,
                )
        else:
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
