"""Cut long series into patches: one token per ``patch_size`` steps.

Recurrent and attention models on raw series of hundreds of steps train slowly and
poorly when each step is a token; a linear embedding of non-overlapping patches
(as in PatchTST, Nie et al. 2023) keeps the token count small while every step still
reaches the model.

The default ``stem="conv"`` first runs convolution blocks over the raw steps, so each
token is made of local shape features rather than raw values: convolutions before
the recurrent layers of sensor-series models (Ordonez and Roggen, 2016) and a
convolutional stem of several layers before a transformer's tokens (Xiao et al.,
2021) both made those models easier to train. A stem of one convolution raised 17 of
the 20 recurrent and transformer accuracies of the sequence benchmark over the
linear one (compare ``benchmarks/results/sequences-linear-stem.md`` with
``sequences-no-crop.md``).
The transformer gets three blocks (:data:`STEM_KERNELS`): attention alone has no
notion of neighbouring steps, and the deeper stem raised its accuracy on three of the
five sets by 0.09 to 0.22 and lowered it by at most 0.03 on the other two (compare
``sequences-one-conv-stem.md`` with ``sequences.md``). Recurrent layers relate
neighbouring steps themselves; in a trial on three sets, three blocks moved their
nine accuracies both ways (+0.008 on average), so they keep one.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

__all__ = ["STEMS", "STEM_KERNELS", "ConvPatchEmbedding", "PatchEmbedding", "patch_embedding",
           "patch_size_for"]

#: ``stem``: how steps become tokens: convolutions then patches, or patches alone.
STEMS = ("conv", "linear")
#: Kernel widths of the convolution stem's blocks: local shapes of 7 steps, then wider
#: ones, as in the three blocks of FCN-style series classifiers (Wang et al., 2017 use
#: 8, 5, 3; odd widths keep the output aligned with the steps).
STEM_KERNELS = (7, 5, 3)


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
    """Convolution blocks over the raw steps, then :class:`PatchEmbedding` of their features.

    Each block (``Conv1d`` of one width of ``kernels``, same padding, batch norm, ReLU)
    maps to ``d_out`` features at every step; padded steps are zeroed after every
    block, so they add nothing to the next one or to a patch; then each patch is
    embedded linearly.

    Examples
    --------
    >>> emb = ConvPatchEmbedding(3, 8, patch_size=4)
    >>> out, lengths = emb(torch.randn(2, 10, 3), torch.tensor([10, 5]))
    >>> tuple(out.shape), lengths.tolist(), len(emb.blocks)
    ((2, 3, 8), [3, 2], 3)
    """

    def __init__(self, n_channels: int, d_out: int, patch_size: int, kernels=STEM_KERNELS):
        super().__init__()
        widths = (n_channels, *(d_out for _ in kernels))
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Conv1d(widths[i], d_out, k, padding=k // 2), nn.BatchNorm1d(d_out), nn.ReLU())
            for i, k in enumerate(kernels)
        )
        self.patches = PatchEmbedding(d_out, d_out, patch_size)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        h = x.transpose(1, 2)  # (B, C, T)
        keep = None
        if lengths is not None:
            steps = torch.arange(h.shape[2], device=h.device)
            keep = (steps[None, :] < lengths.to(h.device)[:, None])[:, None, :]  # (B, 1, T)
        for block in self.blocks:
            h = block(h)
            if keep is not None:
                h = h * keep
        return self.patches(h.transpose(1, 2), lengths)


def patch_embedding(stem: str, n_channels: int, d_out: int, patch_size: int,
                    conv_blocks: int = len(STEM_KERNELS)) -> nn.Module:
    """The token embedding of a series for ``stem`` (one of :data:`STEMS`); the conv stem
    has the first ``conv_blocks`` widths of :data:`STEM_KERNELS`.

    Examples
    --------
    >>> type(patch_embedding("linear", 2, 8, 4)).__name__
    'PatchEmbedding'
    """
    if stem == "conv":
        return ConvPatchEmbedding(n_channels, d_out, patch_size, STEM_KERNELS[:conv_blocks])
    if stem == "linear":
        return PatchEmbedding(n_channels, d_out, patch_size)
    raise ValueError(f"stem={stem!r} is not one of {', '.join(STEMS)}.")
