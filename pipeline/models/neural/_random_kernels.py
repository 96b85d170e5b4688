"""Random dilated convolutions pooled by their proportion of positive values.

The feature map of MiniRocket (Dempster, Schmidt and Webb, 2021): a fixed set of 84
kernels of length 9, whose weights are -1 except for three 2s, each applied at a range
of dilations and compared with several biases drawn from quantiles of the training
series' convolutions. Each (kernel, dilation, bias) gives one feature: the share of a
series' steps where the convolution exceeds the bias (the "PPV"). Nothing is trained
by gradient, so the features cost one pass over the data and never fail to learn;
a linear model on top does the classification (:class:`RocketClassifier`).

Written here rather than taken from aeon or sktime: neither is a dependency of this
package, both pull in numba, and a torch convolution keeps to the card. The
benchmark ``benchmarks/bench_sequences.py`` measures it against aeon's MiniRocket.
"""

from __future__ import annotations

from itertools import combinations
from numbers import Integral

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ..._sklearn import Interval, _fit_context
from ...nn import resolve_device, torch_threads
from ._inputs import SequenceData, is_sequence_input, to_sequence_data

__all__ = ["RandomKernelFeatures", "minirocket_kernels"]

KERNEL_LENGTH = 9
#: Elements of a (series, kernel, step, bias) comparison block per batch: about 256 MB of floats.
_BLOCK = 1 << 26
# Fractional parts of multiples of the golden ratio: a low-discrepancy sequence, so
# the quantiles each kernel's biases come from are spread evenly over (0, 1).
_GOLDEN = (np.sqrt(5.0) + 1.0) / 2.0


def minirocket_kernels() -> np.ndarray:
    """The 84 kernels of length 9 with weight 2 at three positions and -1 elsewhere.

    Returns
    -------
    ndarray of shape (84, 9), float32
        Every row sums to 0, so a convolution ignores a series' level.

    Examples
    --------
    >>> kernels = minirocket_kernels()
    >>> kernels.shape, float(abs(kernels.sum(axis=1)).max())
    ((84, 9), 0.0)
    """
    kernels = np.full((84, KERNEL_LENGTH), -1.0, dtype=np.float32)
    for row, positions in enumerate(combinations(range(KERNEL_LENGTH), 3)):
        kernels[row, list(positions)] = 2.0
    return kernels


def _dilations(n_steps: int, per_kernel: int, max_dilations: int):
    """Dilations spread exponentially up to the series' reach, and features per kernel at each."""
    n_dilations = max(1, min(per_kernel, max_dilations))
    top = np.log2(max(n_steps - 1, 1) / (KERNEL_LENGTH - 1))
    raw = np.floor(np.logspace(0, max(top, 0.0), n_dilations, base=2)).astype(np.int64)
    dilations, counts = np.unique(raw, return_counts=True)
    counts = (counts * (per_kernel / n_dilations)).astype(np.int64)
    for i in range(per_kernel - counts.sum()):  # hand out the rounding remainder in turn
        counts[i % len(counts)] += 1
    return dilations, counts


def _channel_masks(n_channels, n_dilations, rng):
    """Which channels each (dilation, kernel) sums over: a random subset, small ones likelier."""
    masks = np.zeros((n_dilations, 84, n_channels), dtype=np.float32)
    top = np.log2(min(n_channels, KERNEL_LENGTH) + 1)
    for d in range(n_dilations):
        for k in range(84):
            size = int(2 ** rng.uniform(0, top))
            masks[d, k, rng.choice(n_channels, size=size, replace=False)] = 1.0
    return masks


class RandomKernelFeatures(TransformerMixin, BaseEstimator):
    """MiniRocket-style features: random dilated kernels pooled as proportions of positive values.

    Parameters
    ----------
    n_features : int, default=10_000
        Features to make, rounded down to a multiple of 84 (the kernel count).
    max_dilations : int, default=32
        Most dilations per kernel.
    device : str or torch.device, default="auto"
        Where the convolutions run; ``"auto"`` takes CUDA when available.
    n_threads : int or None, default=1
        Torch threads while transforming; ``None`` leaves torch's setting alone.
    random_state : int, RandomState or None, default=None
        Draws the series the biases come from and, for several channels, the
        channels each kernel reads.

    Attributes
    ----------
    n_features_in_ : int
        Channels per step (a table's row is read as one univariate series).
    input_kind_ : {"table", "sequence"}
    dilations_ : ndarray of int
    features_per_dilation_ : ndarray of int
        Biases (features) per kernel at each dilation.
    biases_ : list of ndarray of shape (84, features_per_dilation_[i])
    channel_masks_ : ndarray of shape (n_dilations, 84, n_channels)
    n_features_out_ : int

    Notes
    -----
    Half of the (kernel, dilation) pairs pool over every step (zero padding at the
    ends), the other half only over steps where the kernel fits inside the series,
    as in the original. Variable-length series pool over their own steps only.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(20, 60, 1))
    >>> features = RandomKernelFeatures(n_features=168, random_state=0).fit(X)
    >>> features.transform(X).shape
    (20, 168)
    """

    _parameter_constraints: dict = {
        "n_features": [Interval(Integral, 84, None, closed="left")],
        "max_dilations": [Interval(Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(self, n_features=10_000, max_dilations=32, device="auto", n_threads=1, random_state=None):
        self.n_features = n_features
        self.max_dilations = max_dilations
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state

    # -- data --------------------------------------------------------------------
    def _series(self, X, *, reset: bool) -> SequenceData:
        name = type(self).__name__
        if is_sequence_input(X):
            if not reset and self.input_kind_ != "sequence":
                raise ValueError(f"{name} was fitted on a table with {self.n_features_in_} features, but "
                                 "got sequences. Pass a 2-D array like the one used in fit.")
            data = to_sequence_data(X, name, None if reset else self.n_features_in_)
            if reset:
                self.input_kind_, self.n_features_in_ = "sequence", data.n_channels
            return data
        if not reset and self.input_kind_ != "table":
            raise ValueError(f"{name} was fitted on sequences, but got a 2-D table. Pass sequences "
                             "of shape (n_samples, n_steps, n_channels) like the ones used in fit.")
        table = validate_data(self, X, reset=reset, dtype=np.float32)
        if reset:
            self.input_kind_ = "table"
        return SequenceData(np.ascontiguousarray(table[:, :, None]), None)

    # -- fit ---------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Choose the dilations, channel subsets and biases from the training series.

        Parameters
        ----------
        X : table (n_samples, n_steps), 3-D array (n_samples, n_steps, n_channels) or list of sequences
        y : ignored

        Returns
        -------
        self
        """
        data = self._series(X, reset=True)
        rng = check_random_state(self.random_state)
        per_kernel = self.n_features // 84
        self.dilations_, self.features_per_dilation_ = _dilations(data.X.shape[1], per_kernel,
                                                                  self.max_dilations)
        self.channel_masks_ = _channel_masks(data.n_channels, len(self.dilations_), rng)
        self.biases_ = self._draw_biases(data, rng)
        self.n_features_out_ = 84 * per_kernel
        return self

    def _draw_biases(self, data, rng):
        """Per (dilation, kernel): quantiles of its convolution of one random training series."""
        n, T = data.X.shape[:2]
        lengths = np.full(n, T) if data.lengths is None else data.lengths
        biases, start = [], 0
        for d, (dilation, count) in enumerate(zip(self.dilations_, self.features_per_dilation_)):
            rows = rng.randint(n, size=84)
            mask = torch.from_numpy(self.channel_masks_[d])
            with torch_threads(self.n_threads), torch.no_grad():
                out = _convolve(torch.from_numpy(data.X[rows]), int(dilation), mask)
            quantiles = ((np.arange(84 * count) + start + 1) * _GOLDEN % 1).reshape(84, count)
            start += 84 * count
            own = [out[k, k, : lengths[rows[k]]].numpy() for k in range(84)]  # kernel k, its own series
            biases.append(np.stack([np.quantile(o, q) for o, q in zip(own, quantiles)]).astype(np.float32))
        return biases

    # -- transform ---------------------------------------------------------------
    def transform(self, X):
        """The proportion of positive values of every (kernel, dilation, bias).

        Parameters
        ----------
        X : like the input of ``fit``

        Returns
        -------
        ndarray of shape (n_samples, n_features_out_), float32
            Values in [0, 1].
        """
        check_is_fitted(self)
        data = self._series(X, reset=False)
        device = resolve_device(self.device)
        n, T = data.X.shape[:2]
        per_block = max(1, _BLOCK // (84 * T * int(max(self.features_per_dilation_))))
        parts = []
        with torch_threads(self.n_threads), torch.no_grad():
            for lo in range(0, n, per_block):
                lengths = None if data.lengths is None else data.lengths[lo:lo + per_block]
                parts.append(self._transform_block(data.X[lo:lo + per_block], lengths, device))
        return np.concatenate(parts).astype(np.float32, copy=False)

    def _transform_block(self, X, lengths, device):
        series = torch.from_numpy(X).to(device)
        n, T = X.shape[:2]
        steps = torch.arange(T, device=device)[None, :]
        length = torch.full((n, 1), T, device=device) if lengths is None else \
            torch.from_numpy(lengths).to(device)[:, None]
        features = []
        for d, dilation in enumerate(self.dilations_):
            mask = torch.from_numpy(self.channel_masks_[d]).to(device)
            out = _convolve(series, int(dilation), mask)
            margin = (KERNEL_LENGTH // 2) * int(dilation)
            padded = steps < length  # (n, T)
            inner = (steps >= margin) & (steps < length - margin)
            inner = torch.where(inner.any(dim=1, keepdim=True), inner, padded)  # too short: pool all
            pad_all = (torch.arange(84, device=device) + d) % 2 == 0  # alternate, as in the original
            pool = torch.where(pad_all[None, :, None], padded[:, None, :], inner[:, None, :])  # (n, 84, T)
            bias = torch.from_numpy(self.biases_[d]).to(device)  # (84, f)
            positive = (out[..., None] > bias[None, :, None, :]) & pool[..., None]
            ppv = positive.sum(dim=2) / pool.sum(dim=2)[..., None]  # (n, 84, f)
            features.append(ppv.reshape(n, -1))
        return torch.cat(features, dim=1).cpu().numpy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.transformer_tags.preserves_dtype = ["float32"]  # proportions need no more precision
        return tags


def _convolve(series, dilation, channel_mask):
    """Every kernel over every series, summed over each kernel's channels: (n, 84, T).

    ``series`` is (n, T, C); ``channel_mask`` (84, C) picks the channels per kernel.

    A kernel is -1 everywhere plus 3 at its three positions, so its output is minus
    the sum of the nine dilated shifts plus three times three of them (the trick of
    the original). Written as elementwise additions in a fixed order, every row's
    values are the same bits whatever rows share its batch; ``conv1d`` and ``einsum``
    pick their algorithm (and so their rounding) by batch size, which moved outputs
    lying on a bias across it.
    """
    n, T, C = series.shape
    margin = (KERNEL_LENGTH // 2) * dilation
    padded = torch.nn.functional.pad(series.permute(0, 2, 1), (margin, margin))  # (n, C, T + 2m)
    shifts = [padded[..., j * dilation: j * dilation + T] for j in range(KERNEL_LENGTH)]  # step t + (j-4)d
    minus_all = -shifts[0]
    for shift in shifts[1:]:
        minus_all = minus_all - shift  # (n, C, T)
    tripled = [3 * shift for shift in shifts]  # a float times 3 rounds once, the same in every batch
    out = series.new_empty((84, n, C, T))  # one contiguous block per kernel
    partial, partial_of = None, None
    for k, (a, b, c) in enumerate(combinations(range(KERNEL_LENGTH), 3)):
        if partial_of != (a, b):  # kernels come ordered by their first two positions
            partial, partial_of = minus_all + tripled[a] + tripled[b], (a, b)
        torch.add(partial, tripled[c], out=out[k])
    out = out.permute(1, 2, 0, 3)  # (n, C, 84, T)
    if C == 1:
        return out[:, 0]
    summed = out[:, 0] * channel_mask[None, :, 0, None]
    for c in range(1, C):  # channel by channel, in order: a fixed sum per row
        summed = summed + out[:, c] * channel_mask[None, :, c, None]
    return summed
