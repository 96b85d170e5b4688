"""Cut long series into patches: one token per ``patch_size`` steps.

Recurrent and attention models on raw series of hundreds of steps train slowly and
poorly when each step is a token; a linear embedding of non-overlapping patches
(as in PatchTST, Nie et al. 2023) keeps the token count small while every step still
reaches the model.

The default ``stem="conv"`` first runs one convolution over the raw steps, so each
token is made of local shape features rather than raw values: convolutions before
the recurrent layers of sensor-series models (Ordonez and Roggen, 2016) and a
convolutional stem before a transformer's tokens (Xiao et al., 2021) both made
those models easier to train. On the UCR/UEA sets of the sequence benchmark it
raised 17 of the 20 recurrent and transformer accuracies (compare
``benchmarks/results/sequences-linear-stem.md`` with ``sequences.md``).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

__all__ = ["STEMS", "ConvPatchEmbedding", "PatchEmbedding", "patch_embedding", "patch_size_for"]

#: ``stem``: how steps become tokens: a convolution then patches, or patches alone.
STEMS = ("conv", "linear")
#: Steps each stem convolution sees: a local shape, as in the first layer of FCN-style
#: series classifiers (Wang et al., 2017 use 8; an odd width keeps the output aligned).
STEM_KERNEL = 7


def patch_size_for(n_steps: int, patch_size, max_tokens: int) -> int:
    """The patch length: ``patch_size`` itself, or with "auto" the smallest one
    that leaves at most ``max_tokens`` tokens.

    Examples
    --------
    >>> patch_size_for(96, "auto", 64), patch_size_for(1460, "auto", 64), patch_size_for(50, 4, 64)
    (2, 23, 4)
    """
    if patch_size == "auto":
        return max(1, math.ceil(n_steps / max_tokens))
    return int(patch_size)


class PatchEmbedding(nn.Module):
    """Embed each run of ``patch_size`` steps (all channels) linearly into ``d_out``.

    The series is zero-padded at its end to a whole number of patches; lengths become
    the number of patches that hold at least one real step.

    Examples
    --------
    >>> emb = PatchEmbedding(3, 8, patch_size=4)
    >>> out, lengths = emb(torch.randn(2, 10, 3), torch.tensor([10, 5]))
    >>> tuple(out.shape), lengths.tolist()
    ((2, 3, 8), [3, 2])
    """

    def __init__(self, n_channels: int, d_out: int, patch_size: int):
        super().__init__()
        self.patch_size = patch_size
        self.proj = nn.Conv1d(n_channels, d_out, kernel_size=patch_size, stride=patch_size)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        p = self.patch_size
        pad = (-x.shape[1]) % p
        if pad:
            x = nn.functional.pad(x, (0, 0, 0, pad))  # (B, T + pad, C)
        out = self.proj(x.transpose(1, 2)).transpose(1, 2)  # (B, T / p, D)
        if lengths is not None:
            lengths = torch.div(lengths + p - 1, p, rounding_mode="floor")
        return out, lengths


class ConvPatchEmbedding(nn.Module):
    """A convolution over the raw steps, then :class:`PatchEmbedding` of its features.

    ``Conv1d`` (kernel :data:`STEM_KERNEL`, same padding) with batch norm and ReLU maps
    the channels to ``d_out`` features at every step; padded steps are zeroed again,
    so they add nothing to a patch; then each patch is embedded linearly.

    Examples
    --------
    >>> emb = ConvPatchEmbedding(3, 8, patch_size=4)
    >>> out, lengths = emb(torch.randn(2, 10, 3), torch.tensor([10, 5]))
    >>> tuple(out.shape), lengths.tolist()
    ((2, 3, 8), [3, 2])
    """

    def __init__(self, n_channels: int, d_out: int, patch_size: int):
        super().__init__()
        self.conv = nn.Conv1d(n_channels, d_out, STEM_KERNEL, padding=STEM_KERNEL // 2)
        self.norm = nn.BatchNorm1d(d_out)
        self.patches = PatchEmbedding(d_out, d_out, patch_size)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        features = torch.relu(self.norm(self.conv(x.transpose(1, 2)))).transpose(1, 2)  # (B, T, D)
        if lengths is not None:
            steps = torch.arange(features.shape[1], device=features.device)
            features = features * (steps[None, :] < lengths.to(features.device)[:, None])[:, :, None]
        return self.patches(features, lengths)


def patch_embedding(stem: str, n_channels: int, d_out: int, patch_size: int) -> nn.Module:
    """The token embedding of a series for ``stem`` (one of :data:`STEMS`).

    Examples
    --------
    >>> type(patch_embedding("linear", 2, 8, 4)).__name__
    'PatchEmbedding'
    """
    if stem == "conv":
        return ConvPatchEmbedding(n_channels, d_out, patch_size)
    if stem == "linear":
        return PatchEmbedding(n_channels, d_out, patch_size)
    raise ValueError(f"stem={stem!r} is not one of {', '.join(STEMS)}.")
