"""Cut long series into patches: one token per ``patch_size`` steps.

Recurrent and attention models on raw series of hundreds of steps train slowly and
poorly when each step is a token; a linear embedding of non-overlapping patches
(as in PatchTST, Nie et al. 2023) keeps the token count small while every step still
reaches the model.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

__all__ = ["PatchEmbedding", "patch_size_for"]


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
