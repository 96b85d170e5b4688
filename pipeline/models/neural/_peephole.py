"""LSTM with peephole connections (Gers and Schmidhuber; the "vanilla" LSTM of Greff et al.).

torch's fused ``nn.LSTM`` has no peepholes, so this is a step-by-step Python loop and
therefore several times slower; it is an opt-in (``LSTMClassifier(peephole=True)``).

Per step, with ``*`` the element-wise (Hadamard) product::

    i = sigmoid(W_i x + R_i h + p_i * c_prev + b_i)      input gate
    f = sigmoid(W_f x + R_f h + p_f * c_prev + b_f)      forget gate
    z = tanh(W_z x + R_z h + b_z)                        block input
    c = f * c_prev + i * z                               cell
    o = sigmoid(W_o x + R_o h + p_o * c + b_o)           output gate (peeks at the new cell)
    h = o * tanh(c)
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["PeepholeLSTM"]


def _reverse_within_length(x: Tensor, lengths: Tensor) -> Tensor:
    """Reverse each sequence's first ``length`` steps; padding stays at the end."""
    T = x.shape[1]
    t = torch.arange(T, device=x.device)[None, :]  # (1, T)
    L = lengths.to(x.device)[:, None]  # (B, 1)
    idx = torch.where(t < L, L - 1 - t, t)  # (B, T)
    return x.gather(1, idx[:, :, None].expand_as(x))


class _PeepholeDirection(nn.Module):
    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.hidden_size = hidden_size
        self.w = nn.Linear(input_size, 4 * hidden_size)
        self.r = nn.Linear(hidden_size, 4 * hidden_size, bias=False)
        self.peep = nn.Parameter(torch.zeros(3, hidden_size))  # p_i, p_f, p_o
        with torch.no_grad():
            self.w.bias[hidden_size : 2 * hidden_size] = 1.0  # forget gates start open

    def forward(self, x: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        """x: (B, T, C) -> outputs (B, T, H) (zero at padding) and last state h (B, H)."""
        B, T, _ = x.shape
        H = self.hidden_size
        wx = self.w(x)  # (B, T, 4H): input terms of every step at once
        h = x.new_zeros(B, H)
        c = x.new_zeros(B, H)
        p_i, p_f, p_o = self.peep
        valid = torch.arange(T, device=x.device)[None, :] < lengths.to(x.device)[:, None]  # (B, T)
        outputs = []
        for t in range(T):
            g_i, g_f, g_z, g_o = (wx[:, t] + self.r(h)).chunk(4, dim=-1)  # each (B, H)
            i = torch.sigmoid(g_i + p_i * c)
            f = torch.sigmoid(g_f + p_f * c)
            c_new = f * c + i * torch.tanh(g_z)
            o = torch.sigmoid(g_o + p_o * c_new)
            h_new = o * torch.tanh(c_new)
            keep = valid[:, t, None]  # (B, 1): finished sequences keep their last state
            h = torch.where(keep, h_new, h)
            c = torch.where(keep, c_new, c)
            outputs.append(h_new * keep)
        return torch.stack(outputs, dim=1), h


class PeepholeLSTM(nn.Module):
    """Stacked, optionally bidirectional LSTM with peephole connections.

    Parameters
    ----------
    input_size : int
        Channels per step.
    hidden_size : int
        Units per direction.
    num_layers : int, default=1
        Stacked layers; each takes the previous layer's outputs.
    bidirectional : bool, default=False
        Also run each sequence backwards (within its own length).
    dropout : float, default=0.0
        Dropout between layers.

    Examples
    --------
    >>> lstm = PeepholeLSTM(3, 5, bidirectional=True)
    >>> tuple(lstm(torch.randn(2, 4, 3), torch.tensor([4, 2])).shape)
    (2, 10)
    """

    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int = 1,
        bidirectional: bool = False, dropout: float = 0.0,
    ):
        super().__init__()
        dirs = 2 if bidirectional else 1
        self.bidirectional = bidirectional
        self.layers = nn.ModuleList(
            nn.ModuleList(
                _PeepholeDirection(input_size if k == 0 else hidden_size * dirs, hidden_size)
                for _ in range(dirs)
            )
            for k in range(num_layers)
        )
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """x: (B, T, C); lengths: (B,) or None -> last hidden state(s) of the top layer (B, H * dirs)."""
        return self._run(x, lengths)[1]

    def outputs(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """x: (B, T, C) -> the top layer's outputs at every step (B, T, H * dirs), zero at padding."""
        return self._run(x, lengths)[0]

    def _run(self, x: Tensor, lengths: Tensor | None) -> tuple[Tensor, Tensor]:
        if lengths is None:
            lengths = torch.full((x.shape[0],), x.shape[1], dtype=torch.long)
        for k, directions in enumerate(self.layers):
            if k > 0:
                x = self.dropout(x)
            out_f, h_f = directions[0](x, lengths)
            if not self.bidirectional:
                x, last = out_f, h_f
                continue
            out_b, h_b = directions[1](_reverse_within_length(x, lengths), lengths)
            x = torch.cat([out_f, _reverse_within_length(out_b, lengths)], dim=-1)  # (B, T, 2H)
            last = torch.cat([h_f, h_b], dim=-1)
        return x, last
