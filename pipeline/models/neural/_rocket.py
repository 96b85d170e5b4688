"""A ridge classifier on random-kernel features: the MiniRocket recipe as one estimator."""

from __future__ import annotations

import warnings

import numpy as np
from scipy.linalg import LinAlgWarning
from scipy.optimize import minimize_scalar
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import RidgeClassifier, RidgeClassifierCV
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ..._sklearn import _fit_context
from ...nn import torch_seed
from ._inputs import is_sequence_input
from ._random_kernels import RandomKernelFeatures

__all__ = ["RocketClassifier"]

#: Ridge penalties tried by leave-one-out (generalised) cross-validation, as in the paper.
DEFAULT_ALPHAS = tuple(np.logspace(-3, 3, 10))
#: Rows scored per float64 block: 1,024 rows of 10,000 features take 82 MB.
_SCORE_ROWS = 1024


class RocketClassifier(ClassifierMixin, BaseEstimator):
    """Random convolution kernels with a cross-validated ridge classifier (MiniRocket).

    The convolutional classifier that needs no training of its kernels: the features
    of :class:`RandomKernelFeatures` (Dempster, Schmidt and Webb, 2021), standardised,
    then a ridge classifier whose penalty is chosen by leave-one-out
    cross-validation. Probabilities are the ridge scores through a softmax (a sigmoid
    for two classes) whose temperature minimises the log loss of out-of-fold scores,
    so they rank like the scores and are calibrated on rows the ridge did not see.

    Parameters
    ----------
    n_features : int, default=10_000
        Random-kernel features (rounded down to a multiple of 84).
    max_dilations : int, default=32
        Most dilations per kernel.
    alphas : sequence of float or None, default=None
        Ridge penalties to choose from; ``None`` means ten from 1e-3 to 1e3.
    device : str or torch.device, default="auto"
        Where the convolutions run; ``"auto"`` takes CUDA when available.
    n_threads : int or None, default=1
        Torch threads for the convolutions.
    random_state : int, RandomState or None, default=None
        Seeds the features' random draws and the folds the temperature is fitted on.

    Attributes
    ----------
    classes_ : ndarray
    n_features_in_ : int
        Features of a table, or channels per step of sequences.
    features_ : RandomKernelFeatures
    scaler_ : StandardScaler
    ridge_ : RidgeClassifierCV
    alpha_ : float
        The chosen ridge penalty.
    temperature_ : float
        Scale of the ridge scores in the probabilities.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> t = np.linspace(0, 6 * np.pi, 80)
    >>> X = np.stack([np.sin(t * (1 + (i % 2))) + rng.normal(0, 0.3, t.size) for i in range(40)])[..., None]
    >>> y = np.arange(40) % 2
    >>> clf = RocketClassifier(n_features=840, random_state=0).fit(X[:30], y[:30])
    >>> float(clf.score(X[30:], y[30:]))
    1.0
    """

    _parameter_constraints: dict = {
        **RandomKernelFeatures._parameter_constraints,
        "alphas": ["array-like", None],
    }

    def __init__(self, n_features=10_000, max_dilations=32, alphas=None, device="auto", n_threads=1,
                 random_state=None):
        self.n_features = n_features
        self.max_dilations = max_dilations
        self.alphas = alphas
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state

    def _check_alphas(self):
        alphas = np.asarray(DEFAULT_ALPHAS if self.alphas is None else self.alphas, dtype=float).ravel()
        if alphas.size == 0 or not np.all(np.isfinite(alphas)) or np.any(alphas <= 0):
            raise ValueError(f"alphas must be positive finite numbers, got {self.alphas!r}. "
                             "For example alphas=(0.1, 1.0, 10.0), or None for the default range.")
        return alphas

    def _rows(self, X, *, reset):
        """Tables are validated here (names, counts); sequences by the feature map."""
        if is_sequence_input(X):
            return X
        return validate_data(self, X, reset=reset, dtype=np.float32)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Draw the kernels' biases, then fit the scaler, the ridge and the temperature.

        Parameters
        ----------
        X : table (n_samples, n_steps), 3-D array (n_samples, n_steps, n_channels) or list of sequences
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        alphas = self._check_alphas()
        X = self._rows(X, reset=True)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)}; give one label per sample.")
        self.features_ = RandomKernelFeatures(self.n_features, self.max_dilations, self.device,
                                              self.n_threads, self.random_state).fit(X)
        if is_sequence_input(X):
            self.n_features_in_ = self.features_.n_features_in_
        Z = self.features_.transform(X)
        self.scaler_ = StandardScaler().fit(Z)
        Z = self.scaler_.transform(Z)
        self.ridge_ = RidgeClassifierCV(alphas=alphas).fit(Z, y)
        self.classes_ = self.ridge_.classes_
        self.alpha_ = float(self.ridge_.alpha_)
        self.temperature_ = self._fit_temperature(Z, y)
        return self

    def _fit_temperature(self, Z, y):
        """The score scale that minimises the log loss of out-of-fold ridge scores (1.0 if too few rows)."""
        folds = min(5, int(np.unique(y, return_counts=True)[1].min()))
        if folds < 2 or len(self.classes_) < 2:
            return 1.0
        cv = StratifiedKFold(folds, shuffle=True, random_state=torch_seed(self.random_state))
        with warnings.catch_warnings():
            # With more features than rows the chosen penalty may all but interpolate;
            # scipy then warns of an ill-conditioned system and scikit-learn falls back to
            # least squares, which is the intended answer here.
            warnings.simplefilter("ignore", LinAlgWarning)
            warnings.filterwarnings("ignore", "Singular matrix in solving dual problem", UserWarning)
            scores = cross_val_predict(RidgeClassifier(alpha=self.alpha_), Z, y, cv=cv,
                                       method="decision_function")
        found = minimize_scalar(lambda log_t: log_loss(y, self._probabilities(scores, np.exp(log_t)),
                                                       labels=self.classes_),
                                bounds=(np.log(1e-2), np.log(1e3)), method="bounded")
        return float(np.exp(found.x))

    def _probabilities(self, scores, temperature):
        scores = np.asarray(scores, dtype=np.float64)  # float32 features; probabilities sum to 1 in float64
        if scores.ndim == 1:
            positive = expit(temperature * scores)
            return np.column_stack([1 - positive, positive])
        return softmax(temperature * scores, axis=1)

    def decision_function(self, X):
        """Ridge scores: (n_samples,) for two classes, else (n_samples, n_classes)."""
        check_is_fitted(self)
        X = self._rows(X, reset=False)
        Z = self.scaler_.transform(self.features_.transform(X))
        # In float32 the matrix product rounds differently with the number of rows
        # (BLAS picks its blocking by shape), which moved a row's probabilities by up
        # to 8e-7; in float64 that rounding is far below any digit a user reads.
        return np.concatenate([self.ridge_.decision_function(Z[lo:lo + _SCORE_ROWS].astype(np.float64))
                               for lo in range(0, len(Z), _SCORE_ROWS)])

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``."""
        return self._probabilities(self.decision_function(X), self.temperature_)

    def predict(self, X):
        """The class of highest probability (the ridge's own decision)."""
        check_is_fitted(self)
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
