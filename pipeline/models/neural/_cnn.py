"""scikit-learn classifiers around the convolutional networks, with class activation maps."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from ..._sklearn import Interval, StrOptions
from ...nn import torch_threads
from ._base import NeuralClassifierBase
from ._conv import FCNNet, ResNetNet
from ._patches import patch_size_for

__all__ = ["CNNClassifier", "ResNetClassifier"]

#: Most steps the convolutions see with ``pool="auto"``; longer series are averaged
#: over windows first (the cost of a convolution grows with the steps).
MAX_CONV_STEPS = 256


class _ConvClassifierBase(NeuralClassifierBase):
    """Shared parameters, checks and class activation maps of the convolutional classifiers."""

    _net = FCNNet
    # A shorter budget and a faster rate than the MLP's, with clipping, as for the
    # recurrent nets.
    _training_defaults = {"max_steps": 800, "lr": 3e-3, "grad_clip": 1.0}
    _parameter_constraints: dict = {
        **NeuralClassifierBase._parameter_constraints,
        "filters": [tuple, list],
        "pool": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    }

    def _fit_shapes(self, tensors) -> None:
        n_steps = tensors[0].shape[1]  # a table's features are its steps
        self.pool_ = patch_size_for(n_steps, self.pool, MAX_CONV_STEPS)

    def _check_params(self) -> None:
        if not self.filters or not all(isinstance(f, Integral) and f >= 1 for f in self.filters):
            raise ValueError(
                f"filters must be a non-empty sequence of positive integers, got {self.filters!r}. "
                "For example filters=(128, 256, 128)."
            )

    def _make_module(self, input_kind, n_inputs, n_outputs):
        channels = 1 if input_kind == "table" else n_inputs  # a table row is one series
        return self._net(channels, n_outputs, filters=tuple(int(f) for f in self.filters),
                         dropout=self.dropout, pool=self.pool_)

    def class_activation_maps(self, X) -> np.ndarray:
        """How much each step pushed the prediction toward the predicted class.

        The class activation map of Zhou et al. (2016), as used for series by Wang et
        al. (2017): the output weights of the predicted class times the last block's
        activations at each step, before the global average pooling. For two classes
        the single logit's map is negated when the predicted class is the first one.

        Parameters
        ----------
        X : table, 3-D array or list of sequences, like the input of ``fit``

        Returns
        -------
        maps : ndarray of shape (n_samples, n_steps)
            ``n_steps`` is the longest sequence of ``X`` divided by ``pool_`` (rounded
            up); padded steps of shorter sequences are 0.
        """
        check_is_fitted(self)
        tensors, _ = self._validate_X(X, reset=False)
        scaler = self.module_.eval()
        lengths = tensors[1] if len(tensors) > 1 else None
        with torch_threads(self.n_threads), torch.inference_mode():
            x = (tensors[0] - scaler.shift) / scaler.scale
            maps = scaler.inner.class_map(x, lengths)  # (n, n_outputs, T)
        proba = self.predict_proba(X)
        predicted = proba.argmax(axis=1)
        maps = maps.numpy()
        if maps.shape[1] == 1:
            cam = maps[:, 0] * np.where(predicted == 1, 1.0, -1.0)[:, None]
        else:
            cam = maps[np.arange(len(maps)), predicted]
        if lengths is not None:
            real = -(-lengths.numpy() // self.pool_)
            cam = cam * (np.arange(cam.shape[1])[None, :] < real[:, None])
        return cam


_SHARED_DOC = """
    Inputs: a 3-D array (n_samples, n_steps, n_channels), a list of variable-length
    sequences (n_steps_i, n_channels) or (n_steps_i,), or a 2-D table whose rows are
    read as univariate series. Inputs are standardised per channel with the training
    mean and deviation; padding is zeroed after every block and left out of the
    pooling, so it never changes a prediction."""


class CNNClassifier(_ConvClassifierBase):
    __doc__ = f"""Fully convolutional network (FCN) classifier for series (Wang et al., 2017).

    Three blocks of 1-D convolution (kernels 8, 5, 3), batch norm and ReLU, then
    global average pooling over time and a linear output layer.
    {_SHARED_DOC}

    Parameters
    ----------
    filters : tuple of int, default=(64, 128, 64)
        Output channels of each convolution block (kernels cycle through 8, 5, 3);
        the article's (128, 256, 128) costs four times as much per step.
    pool : int or "auto", default="auto"
        Average each window of this many steps before the convolutions; "auto" takes
        the smallest window that leaves at most 256 steps (1 for shorter series).
    dropout : float, default=0.0
        Dropout before the output layer.

    Attributes
    ----------
    classes_, n_features_in_, input_kind_, module_, history_, best_epoch_, batch_size_, \
n_epochs_, feature_names_in_
        As in :class:`RNNClassifier`.
    pool_ : int
        Steps averaged into one before the convolutions.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.normal(size=(n, 2)) for n in rng.integers(5, 12, size=40)]
    >>> y = np.array([int(s[:, 0].mean() > 0) for s in X])
    >>> clf = CNNClassifier(filters=(8, 8), max_steps=10, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:3]).shape, clf.class_activation_maps(X[:3]).shape  # 10: longest of X[:3]
    ((3, 2), (3, 10))
    """

    _net = FCNNet

    def __init__(self, filters=(64, 128, 64), *, pool="auto", dropout=0.0, **training):
        self.filters = filters
        self.pool = pool
        self.dropout = dropout
        super().__init__(**training)


class ResNetClassifier(CNNClassifier):
    __doc__ = f"""Residual convolutional network classifier for series (Wang et al., 2017).

    The ResNet of Wang et al. (2017), as benchmarked by Ismail Fawaz et al. (2019):
    residual blocks of three convolutions (kernels 8, 5, 3) with batch norm, a 1x1
    convolution on the shortcut where the width changes, then global average pooling
    and a linear output layer.
    {_SHARED_DOC}

    Parameters
    ----------
    filters : tuple of int, default=(32, 64, 64)
        Output channels of each residual block (the article's (64, 128, 128) costs
        about four times as much per step).
    pool, dropout
        As in :class:`CNNClassifier`.

    Attributes
    ----------
    classes_, n_features_in_, input_kind_, module_, history_, best_epoch_, batch_size_, \
n_epochs_, feature_names_in_
        As in :class:`RNNClassifier`.
    pool_ : int
        As in :class:`CNNClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(40, 16, 3))
    >>> y = (X[:, :8, 0].mean(axis=1) > 0).astype(int)
    >>> ResNetClassifier(filters=(8,), max_steps=10, random_state=0).fit(X, y).predict(X[:2]).shape
    (2,)
    """

    _net = ResNetNet

    def __init__(self, filters=(32, 64, 64), *, pool="auto", dropout=0.0, **training):
        super().__init__(filters, pool=pool, dropout=dropout, **training)
