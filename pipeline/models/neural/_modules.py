"""Pure torch classifier modules: MLP, recurrent (RNN/LSTM/GRU) and Transformer.

Every module maps its inputs to logits of shape (B, n_outputs): one logit for two
classes (sigmoid / binary cross-entropy), one per class otherwise. Sequence modules
take either a table (B, F), where each feature becomes a token, or steps (B, T, C)
with optional ``lengths`` (B,) for padded variable-length sequences.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence

from ._layers import EncoderLayer, PositionalEncoding
from ._peephole import PeepholeLSTM

__all__ = ["FeatureTokenizer", "MLP", "RecurrentNet", "TransformerNet"]


class FeatureTokenizer(nn.Module):
    """Turn a table row into tokens: ``token_f = x_f * w_f + b_f`` for each feature f.

    ``w_f`` is a learned per-feature embedding scaled by the value; ``b_f`` is a
    learned per-feature (positional) embedding, so tokens know which column they are.

    Examples
    --------
    >>> tuple(FeatureTokenizer(5, 8)(torch.randn(3, 5)).shape)
    (3, 5, 8)
    """

    def __init__(self, n_features: int, d_token: int):
        super().__init__()
        bound = 1 / math.sqrt(d_token)
        self.weight = nn.Parameter(torch.empty(n_features, d_token).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(n_features, d_token).uniform_(-bound, bound))

    def forward(self, x: Tensor) -> Tensor:  # x: (B, F)
        return x[:, :, None] * self.weight + self.bias  # (B, F, D)


class MLP(nn.Sequential):
    """Fully connected ReLU network with dropout after each hidden layer.

    Examples
    --------
    >>> tuple(MLP(4, (8, 8), 3)(torch.randn(2, 4)).shape)
    (2, 3)
    """

    def __init__(self, n_features: int, hidden_layer_sizes: tuple[int, ...], n_outputs: int, dropout: float = 0.0):
        layers: list[nn.Module] = []
        width = n_features
        for size in hidden_layer_sizes:
            layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(dropout)]
            width = size
        layers.append(nn.Linear(width, n_outputs))
        super().__init__(*layers)


def _trim(x: Tensor, lengths: Tensor | None) -> Tensor:
    """Drop padding columns beyond the longest sequence of the batch."""
    if lengths is None:
        return x
    return x[:, : int(lengths.max())]


class RecurrentNet(nn.Module):
    """Recurrent encoder (``cell`` = "rnn", "lstm" or "gru") and a linear head.

    The class scores come from the last hidden state of the top layer (both
    directions when bidirectional); padded steps are skipped with
    :func:`~torch.nn.utils.rnn.pack_padded_sequence`.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
    input_kind : {"table", "sequence"}
        "table": input (B, F), one token per feature; "sequence": input (B, T, C).
    n_inputs : int
        F for tables, C for sequences.
    n_outputs : int
    hidden_size, num_layers, bidirectional, dropout
        As in :class:`torch.nn.LSTM`; ``dropout`` also precedes the head.
    peephole : bool, default=False
        Use :class:`PeepholeLSTM` (``cell="lstm"`` only).

    Examples
    --------
    >>> net = RecurrentNet("gru", "sequence", 3, 2, hidden_size=8).eval()
    >>> tuple(net(torch.randn(4, 6, 3), torch.tensor([6, 2, 4, 1])).shape)
    (4, 2)
    """

    _CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

    def __init__(
        self, cell: str, input_kind: str, n_inputs: int, n_outputs: int, *,
        hidden_size: int = 64, num_layers: int = 1, bidirectional: bool = False,
        dropout: float = 0.0, peephole: bool = False,
    ):
        super().__init__()
        self.input_kind = input_kind
        self.tokenizer = FeatureTokenizer(n_inputs, hidden_size) if input_kind == "table" else None
        input_size = hidden_size if input_kind == "table" else n_inputs
        inter_dropout = dropout if num_layers > 1 else 0.0  # torch warns otherwise
        self.peephole = peephole
        if peephole:
            self.rnn = PeepholeLSTM(input_size, hidden_size, num_layers, bidirectional, inter_dropout)
        else:
            self.rnn = self._CELLS[cell](
                input_size, hidden_size, num_layers=num_layers, batch_first=True,
                bidirectional=bidirectional, dropout=inter_dropout,
            )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden_size * (2 if bidirectional else 1), n_outputs))

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        if self.tokenizer is not None:
            x = self.tokenizer(x)  # (B, F, H): features as steps
        x = _trim(x, lengths)  # (B, T, C)
        if self.peephole:
            return self.head(self.rnn(x, lengths))
        if lengths is not None:
            x = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, h_n = self.rnn(x)
        if isinstance(h_n, tuple):  # LSTM: (h_n, c_n)
            h_n = h_n[0]
        # h_n: (layers * dirs, B, H); the top layer's directions are the last rows
        dirs = 2 if self.rnn.bidirectional else 1
        last = torch.cat(list(h_n[-dirs:]), dim=-1)  # (B, H * dirs)
        return self.head(last)  # (B, n_outputs)


class TransformerNet(nn.Module):
    """Transformer encoder classifier with padding masks and [CLS] or mean pooling.

    Tables: one token per feature (:class:`FeatureTokenizer`, whose per-feature
    embedding plays the role of the position). Sequences: a linear projection of the
    channels plus the sinusoidal positional encoding. Post-norm encoder layers
    (residual connection, then layer norm), as in the original architecture.

    Examples
    --------
    >>> net = TransformerNet("sequence", 3, 2, d_model=16, n_heads=4, n_layers=2).eval()
    >>> logits, maps = net(torch.randn(2, 5, 3), torch.tensor([5, 3]), need_weights=True)
    >>> tuple(logits.shape), tuple(maps.shape)  # maps: (B, layers, heads, 1 + T, 1 + T)
    ((2, 2), (2, 2, 4, 6, 6))
    """

    def __init__(
        self, input_kind: str, n_inputs: int, n_outputs: int, *,
        d_model: int = 64, n_heads: int = 4, n_layers: int = 2, dim_feedforward: int = 128,
        dropout: float = 0.1, pooling: str = "cls", max_len: int = 512,
    ):
        super().__init__()
        self.input_kind, self.pooling = input_kind, pooling
        if input_kind == "table":
            self.embed = FeatureTokenizer(n_inputs, d_model)
            self.position = nn.Dropout(dropout)
        else:
            self.embed = nn.Linear(n_inputs, d_model)
            self.position = PositionalEncoding(d_model, max_len, dropout)
        self.cls = nn.Parameter(torch.randn(1, 1, d_model) * 0.02) if pooling == "cls" else None
        self.layers = nn.ModuleList(
            EncoderLayer(d_model, n_heads, dim_feedforward, dropout) for _ in range(n_layers)
        )
        self.head = nn.Linear(d_model, n_outputs)

    def forward(self, x: Tensor, lengths: Tensor | None = None, need_weights: bool = False):
        x = self.position(self.embed(_trim(x, lengths)))  # (B, T, D)
        B, T, _ = x.shape
        pad = None
        if lengths is not None:
            pad = torch.arange(T, device=x.device)[None, :] >= lengths.to(x.device)[:, None]  # (B, T)
        if self.cls is not None:
            x = torch.cat([self.cls.expand(B, -1, -1), x], dim=1)  # (B, 1 + T, D)
            if pad is not None:
                pad = torch.cat([pad.new_zeros(B, 1), pad], dim=1)
        maps = []
        for layer in self.layers:
            if need_weights:
                x, w = layer(x, key_padding_mask=pad, need_weights=True)
                maps.append(w)  # (B, H, T', T')
            else:
                x = layer(x, key_padding_mask=pad)
        if self.cls is not None:
            pooled = x[:, 0]  # (B, D)
        elif pad is None:
            pooled = x.mean(dim=1)
        else:
            keep = (~pad).to(x.dtype)[:, :, None]  # (B, T, 1)
            pooled = (x * keep).sum(1) / keep.sum(1).clamp(min=1.0)
        logits = self.head(pooled)  # (B, n_outputs)
        return (logits, torch.stack(maps, dim=1)) if need_weights else logits
