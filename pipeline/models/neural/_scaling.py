"""Per-channel standardisation learned in ``fit`` and carried inside the network.

The shift and scale are buffers of :class:`InputScaler`, so they travel with the
``state_dict`` (and a safetensors file) and a rebuilt network scales its inputs the
same way without extra fitted attributes.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["InputScaler", "channel_moments"]


def channel_moments(x: Tensor, lengths: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """Mean and standard deviation of the last axis over every real (unpadded) value.

    ``x`` is a table (n, F) or steps (n, T, C); padding steps beyond ``lengths`` are
    left out. A constant channel gets scale 1, so it maps to zero rather than NaN.

    Examples
    --------
    >>> x = torch.tensor([[[1.0], [3.0], [0.0]], [[5.0], [7.0], [9.0]]])
    >>> mean, std = channel_moments(x, torch.tensor([2, 3]))
    >>> round(float(mean), 3), round(float(std), 3)
    (5.0, 2.828)
    """
    x = x.double()
    if x.ndim == 2:
        values = x
    elif lengths is None:
        values = x.reshape(-1, x.shape[-1])
    else:
        keep = torch.arange(x.shape[1])[None, :] < lengths[:, None]  # (n, T)
        values = x[keep]  # (n real steps, C)
    mean = values.mean(dim=0)
    std = values.std(dim=0, correction=0) if len(values) > 1 else torch.ones_like(mean)
    std = torch.where(std > 1e-8 * (1 + mean.abs()), std, torch.ones_like(std))
    return mean.float(), std.float()


class InputScaler(nn.Module):
    """Standardise the first input, ``(x - shift) / scale`` per channel, then run ``inner``.

    Further positional and keyword arguments (lengths, ``need_weights``) pass through.
    Padding steps of series (beyond ``lengths``, the second argument) stay zero, so a
    patch or a kernel that overlaps the end of a series sees the same values whether
    the series is padded or alone.

    Examples
    --------
    >>> net = InputScaler(nn.Identity(), 2)
    >>> net.set_moments(torch.tensor([1.0, 2.0]), torch.tensor([2.0, 4.0]))
    >>> net(torch.tensor([[3.0, 6.0]])).tolist()
    [[1.0, 1.0]]
    """

    def __init__(self, inner: nn.Module, n_channels: int):
        super().__init__()
        self.inner = inner
        self.register_buffer("shift", torch.zeros(n_channels))
        self.register_buffer("scale", torch.ones(n_channels))

    def set_moments(self, mean: Tensor, std: Tensor) -> None:
        """Store the training mean and standard deviation of each channel."""
        self.shift.copy_(mean)
        self.scale.copy_(std)

    def forward(self, x: Tensor, *args, **kwargs):
        scaled = (x - self.shift) / self.scale
        lengths = args[0] if args else None
        if lengths is not None and x.ndim == 3:
            keep = torch.arange(x.shape[1], device=x.device)[None, :] < lengths.to(x.device)[:, None]
            scaled = scaled * keep[:, :, None]
        return self.inner(scaled, *args, **kwargs)
