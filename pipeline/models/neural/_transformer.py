"""scikit-learn classifier around the Transformer encoder, with attention maps."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from ..._sklearn import Interval, StrOptions
from ...nn import torch_threads
from ._augment import AUGMENTS
from ._base import NeuralClassifierBase
from ._modules import TransformerNet
from ._patches import STEMS, patch_size_for

__all__ = ["TransformerClassifier"]

#: Most tokens a series becomes with ``patch_size="auto"``.
MAX_TRANSFORMER_TOKENS = 64


class TransformerClassifier(NeuralClassifierBase):
    """Transformer encoder classifier for tables and sequences.

    Tokens go through ``n_layers`` pre-norm encoder layers (layer norm, then
    multi-head self-attention or a position-wise GELU feed-forward network, each
    inside a residual connection); a [CLS] token or the mean over real (unpadded)
    tokens feeds a linear output layer. Inputs are standardised per channel with the
    training mean and deviation.

    Inputs: a 2-D table (each feature is a token: its value times a learned
    per-feature embedding plus a per-feature embedding that marks the column), a 3-D
    array (n_samples, n_steps, n_channels), or a list of variable-length sequences
    (n_steps_i, n_channels) or (n_steps_i,). Series are cut into patches of
    ``patch_size`` steps (by default of convolution features, see ``stem``), each
    projected to one ``d_model`` token that gets the
    sinusoidal positional encoding; padding is masked out of attention.

    Parameters
    ----------
    d_model : int, default=64
        Token width; must be divisible by ``n_heads``.
    n_heads : int, default=4
        Attention heads per layer.
    n_layers : int, default=2
        Encoder layers.
    dim_feedforward : int, default=128
        Hidden width of the feed-forward network.
    dropout : float, default=0.1
        Dropout on embeddings, attention weights and sublayer outputs.
    pooling : {"cls", "mean"}, default="mean"
        Classify from a learned leading [CLS] token, or from the mean of the tokens.
    patch_size : int or "auto", default="auto"
        Steps per token for series; "auto" takes the smallest patch that leaves at
        most 64 tokens. Tables always have one token per feature.
    stem : {"conv", "linear"}, default="conv"
        How series steps become tokens, as in :class:`RNNClassifier`, except that the
        convolution stem has three blocks (kernels 7, 5, 3), as a fully convolutional
        network does: attention by itself does not relate neighbouring steps.
    augment : {"auto", "crop", "none"}, default="auto"
        Random crops of the training series, as in :class:`RNNClassifier`.

    Attributes
    ----------
    classes_, n_features_in_, input_kind_, patch_size_, module_, history_, best_epoch_, \
batch_size_, n_epochs_, feature_names_in_, augment_
        As in :class:`RNNClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(40, 4))
    >>> y = (X[:, 0] > X[:, 1]).astype(int)
    >>> clf = TransformerClassifier(d_model=8, n_heads=2, n_layers=1, pooling="cls",
    ...                             max_steps=10, random_state=0).fit(X, y)
    >>> clf.attention_maps(X[:3]).shape  # (samples, layers, heads, 1 + 4 tokens, 1 + 4)
    (3, 1, 2, 5, 5)
    """

    # A shorter budget than the MLP's, with clipping, as for the recurrent nets.
    _training_defaults = {"max_steps": 800, "grad_clip": 1.0}
    _parameter_constraints: dict = {
        **NeuralClassifierBase._parameter_constraints,
        "d_model": [Interval(Integral, 1, None, closed="left")],
        "n_heads": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "dim_feedforward": [Interval(Integral, 1, None, closed="left")],
        "pooling": [StrOptions({"cls", "mean"})],
        "patch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "stem": [StrOptions(set(STEMS))],
        "augment": [StrOptions(set(AUGMENTS))],
    }

    def __init__(self, d_model=64, *, n_heads=4, n_layers=2, dim_feedforward=128, dropout=0.1,
                 pooling="mean", patch_size="auto", stem="conv", augment="auto", **training):
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.dim_feedforward = dim_feedforward
        self.dropout = dropout
        self.pooling = pooling
        self.patch_size = patch_size
        self.stem = stem
        self.augment = augment
        super().__init__(**training)

    def _fit_shapes(self, tensors) -> None:
        n_steps = tensors[0].shape[1] if self.input_kind_ == "sequence" else 1
        self.patch_size_ = patch_size_for(n_steps, self.patch_size, MAX_TRANSFORMER_TOKENS)

    def _check_params(self) -> None:
        if self.d_model % self.n_heads != 0:
            ok = max(h for h in range(1, self.n_heads + 1) if self.d_model % h == 0)
            raise ValueError(
                f"d_model={self.d_model} must be divisible by n_heads={self.n_heads}, "
                "because each head gets d_model // n_heads dimensions. Change one of them, "
                f"for example n_heads={ok} or "
                f"d_model={self.n_heads * max(1, round(self.d_model / self.n_heads))}."
            )

    def _make_module(self, input_kind, n_inputs, n_outputs):
        return TransformerNet(
            input_kind, n_inputs, n_outputs, d_model=self.d_model, n_heads=self.n_heads,
            n_layers=self.n_layers, dim_feedforward=self.dim_feedforward, dropout=self.dropout,
            pooling=self.pooling, patch_size=self.patch_size_, norm_first=True, stem=self.stem,
        )

    def attention_maps(self, X) -> np.ndarray:
        """Self-attention weights of every layer and head for each sample.

        Parameters
        ----------
        X : table, 3-D array or list of sequences, like the input of ``fit``

        Returns
        -------
        maps : ndarray of shape (n_samples, n_layers, n_heads, n_tokens, n_tokens)
            Row ``t`` holds how much token ``t`` attends to each token; rows sum to 1.
            Tokens are the features of a table or the patches of ``patch_size_`` steps
            of a sequence, preceded by the [CLS] token when ``pooling="cls"``.
            Variable-length sequences are padded to the longest; padded columns are 0
            (and padded rows are not meaningful).
        """
        check_is_fitted(self)
        tensors, _ = self._validate_X(X, reset=False)
        module = self.module_.eval()
        lengths = tensors[1] if len(tensors) > 1 else None
        n_tokens = -(-tensors[0].shape[1] // self.patch_size_) + (1 if self.pooling == "cls" else 0)
        chunks, size = [], 256
        with torch_threads(self.n_threads), torch.inference_mode():
            for start in range(0, len(tensors[0]), size):
                x = tensors[0][start : start + size]
                lens = None if lengths is None else lengths[start : start + size]
                _, maps = module(x, lens, need_weights=True)  # (B, L, H, T', T')
                pad = n_tokens - maps.shape[-1]  # batches trimmed to their own longest
                chunks.append(torch.nn.functional.pad(maps, (0, pad, 0, pad)))
        return torch.cat(chunks).numpy()
