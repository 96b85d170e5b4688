"""1-D convolutional networks for series: the fully convolutional network and a ResNet.

Both follow Wang, Yan and Oates (2017), "Time series classification from scratch with
deep neural networks: a strong baseline", as surveyed by Ismail Fawaz et al. (2019):

- FCN: three blocks of convolution, batch norm and ReLU (kernels 8, 5, 3), global
  average pooling over time, a linear output layer;
- ResNet: three residual blocks of three such convolutions each, a 1x1 convolution on
  the shortcut when the width changes, then the same pooling and output.

Inputs are steps (B, T, C) with optional ``lengths`` (B,); a table (B, F) is read as
one channel of F steps. With ``pool`` > 1, long series are first averaged over
windows of ``pool`` steps, which divides the cost of every convolution by ``pool``.
Padding steps are zeroed after every block and left out of the pooling, so they
never reach the output. Because the output layer is linear in the
pooled features, ``class_map`` gives the class activation map of each step.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["FCNNet", "ResNetNet"]

KERNELS = (8, 5, 3)


def _as_steps(x: Tensor, lengths: Tensor | None) -> tuple[Tensor, Tensor | None]:
    """(B, F) -> (B, F, 1); trim steps beyond the longest sequence of the batch."""
    if x.ndim == 2:
        x = x[:, :, None]
    if lengths is not None:
        x = x[:, : int(lengths.max())]
    return x, lengths


def _step_mask(x: Tensor, lengths: Tensor | None) -> Tensor | None:
    """(B, 1, T) float mask of real steps for channel-first activations, or None."""
    if lengths is None:
        return None
    steps = torch.arange(x.shape[-1], device=x.device)
    return (steps[None, :] < lengths.to(x.device)[:, None]).to(x.dtype)[:, None, :]


def _masked(h: Tensor, mask: Tensor | None) -> Tensor:
    return h if mask is None else h * mask


def _conv_bn(c_in: int, c_out: int, kernel: int) -> nn.Sequential:
    """A length-preserving convolution (explicit padding: torch's "same" copies the input
    for even kernels and warns) and batch norm; the norm's shift replaces a conv bias."""
    pad = nn.ConstantPad1d(((kernel - 1) // 2, kernel // 2), 0.0)
    return nn.Sequential(pad, nn.Conv1d(c_in, c_out, kernel, bias=False), nn.BatchNorm1d(c_out))


class _ConvBlock(nn.Module):
    """Convolution, batch norm, ReLU; padding steps zeroed after, so the next kernel sees zeros."""

    def __init__(self, c_in: int, c_out: int, kernel: int):
        super().__init__()
        self.conv = _conv_bn(c_in, c_out, kernel)

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        return _masked(nn.functional.relu(self.conv(x)), mask)


class _ConvClassifier(nn.Module):
    """Shared forward: blocks over (B, C, T), masked global average pooling, linear head."""

    blocks: nn.ModuleList
    head: nn.Linear
    dropout: nn.Dropout
    pool: int = 1

    def features(self, x: Tensor, lengths: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """Activations of the last block (B, filters, T / pool) and the step mask or None."""
        x, lengths = _as_steps(x, lengths)
        h = x.transpose(1, 2)  # (B, C, T)
        mask = _step_mask(h, lengths)
        h = _masked(h, mask)  # standardised padding is not zero: make it so
        if self.pool > 1:  # mean of each window's real steps only
            p = self.pool
            h = nn.functional.avg_pool1d(h, p, p, ceil_mode=True)
            if mask is not None:
                mask_pooled = nn.functional.avg_pool1d(mask, p, p, ceil_mode=True)
                h = h / mask_pooled.clamp(min=1e-6) * (mask_pooled > 0)
                mask = (mask_pooled > 0).to(h.dtype)
        for block in self.blocks:
            h = block(h, mask)
        return h, mask

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        h, mask = self.features(x, lengths)
        if mask is None:
            pooled = h.mean(dim=-1)
        else:
            pooled = h.sum(dim=-1) / mask.sum(dim=-1).clamp(min=1.0)
        return self.head(self.dropout(pooled))  # (B, n_outputs)

    def class_map(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """Per-step contribution to each output, (B, n_outputs, T): head weights times features."""
        h, _ = self.features(x, lengths)
        return nn.functional.conv1d(h, self.head.weight[:, :, None])


class FCNNet(_ConvClassifier):
    """Fully convolutional network: conv-BN-ReLU blocks, global average pooling, linear head.

    Examples
    --------
    >>> net = FCNNet(2, 3, filters=(8, 16, 8)).eval()
    >>> tuple(net(torch.randn(4, 20, 2), torch.tensor([20, 5, 9, 1])).shape)
    (4, 3)
    """

    def __init__(
        self, n_inputs: int, n_outputs: int, *, filters=(128, 256, 128), dropout: float = 0.0, pool: int = 1,
    ):
        super().__init__()
        self.pool = pool
        widths = (n_inputs, *filters)
        self.blocks = nn.ModuleList(
            _ConvBlock(widths[i], widths[i + 1], KERNELS[i % 3]) for i in range(len(filters))
        )
        self.head = nn.Linear(widths[-1], n_outputs)
        self.dropout = nn.Dropout(dropout)


class _ResidualBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.convs = nn.ModuleList(
            _conv_bn(c_in if i == 0 else c_out, c_out, kernel) for i, kernel in enumerate(KERNELS)
        )
        self.shortcut = _conv_bn(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        h = x
        for i, conv in enumerate(self.convs):
            h = conv(h)
            if i < len(self.convs) - 1:
                h = _masked(nn.functional.relu(h), mask)
        return _masked(nn.functional.relu(h + self.shortcut(x)), mask)


class ResNetNet(_ConvClassifier):
    """Residual network of three-convolution blocks, global average pooling, linear head.

    Examples
    --------
    >>> net = ResNetNet(1, 2, filters=(8, 16)).eval()
    >>> tuple(net(torch.randn(3, 12)).shape)  # a table: one channel of 12 steps
    (3, 2)
    """

    def __init__(
        self, n_inputs: int, n_outputs: int, *, filters=(64, 128, 128), dropout: float = 0.0, pool: int = 1,
    ):
        super().__init__()
        self.pool = pool
        widths = (n_inputs, *filters)
        self.blocks = nn.ModuleList(_ResidualBlock(widths[i], widths[i + 1]) for i in range(len(filters)))
        self.head = nn.Linear(widths[-1], n_outputs)
        self.dropout = nn.Dropout(dropout)
