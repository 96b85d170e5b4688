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
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ...nn import EncoderLayer, PositionalEncoding
from ._patches import patch_embedding
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

    def __init__(
        self, n_features: int, hidden_layer_sizes: tuple[int, ...], n_outputs: int, dropout: float = 0.0
    ):
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

    Series steps are first embedded in runs of ``patch_size`` (by default a
    convolution over the steps, then a linear map of each patch; see
    :func:`~._patches.patch_embedding`), so long series become few tokens. The class
    scores come from the mean and the maximum of the top layer's outputs over the real
    (unpadded) tokens: pooling over time lets every step reach the output directly,
    where the last hidden state alone must carry the whole series through the
    recurrence. Padded steps are skipped with
    :func:`~torch.nn.utils.rnn.pack_padded_sequence`. LSTM forget gates start with
    bias 1, so the cell state is kept by default (Jozefowicz et al., 2015).

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
    patch_size : int, default=1
        Steps per token for sequences.
    stem : {"conv", "linear"}, default="conv"
        Sequences: a convolution over the steps before the patches are embedded, or
        the linear patch embedding alone (see :mod:`._patches`).
    tbptt_steps : int or None, default=None
        Truncated backpropagation through time in training: the tokens are run in
        chunks of this many, and gradients do not flow back across chunk borders (the
        state does). Unidirectional only.

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
        dropout: float = 0.0, peephole: bool = False, patch_size: int = 1,
        tbptt_steps: int | None = None, stem: str = "conv",
    ):
        super().__init__()
        self.input_kind, self.peephole, self.tbptt_steps = input_kind, peephole, tbptt_steps
        if input_kind == "table":
            self.embed = FeatureTokenizer(n_inputs, hidden_size)
        else:
            # one stem block: more did not help recurrent layers (see ._patches)
            self.embed = patch_embedding(stem, n_inputs, hidden_size, patch_size, conv_blocks=1)
        inter_dropout = dropout if num_layers > 1 else 0.0  # torch warns otherwise
        if peephole:
            self.rnn = PeepholeLSTM(hidden_size, hidden_size, num_layers, bidirectional, inter_dropout)
        else:
            self.rnn = self._CELLS[cell](
                hidden_size, hidden_size, num_layers=num_layers, batch_first=True,
                bidirectional=bidirectional, dropout=inter_dropout,
            )
            if cell == "lstm":
                _open_forget_gates(self.rnn, hidden_size)
        width = hidden_size * (2 if bidirectional else 1)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * width, n_outputs))

    def _tokens(self, x: Tensor, lengths: Tensor | None) -> tuple[Tensor, Tensor | None]:
        if self.input_kind == "table":
            return self.embed(x), None  # (B, F, H): features as steps
        return self.embed(_trim(x, lengths), lengths)

    def _run(self, x: Tensor, lengths: Tensor | None) -> Tensor:
        """Top-layer outputs (B, T, H * dirs); zero at padding."""
        if self.peephole:
            return self.rnn.outputs(x, lengths)
        if self.training and self.tbptt_steps is not None and x.shape[1] > self.tbptt_steps:
            return self._run_truncated(x)
        if lengths is None:
            return self.rnn(x)[0]
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        return pad_packed_sequence(self.rnn(packed)[0], batch_first=True, total_length=x.shape[1])[0]

    def _run_truncated(self, x: Tensor) -> Tensor:
        # padding is not packed here: steps after a sequence's end cannot change its
        # earlier outputs in one direction, and the pooling masks them out
        outputs, state = [], None
        for start in range(0, x.shape[1], self.tbptt_steps):
            out, state = self.rnn(x[:, start : start + self.tbptt_steps], state)
            outputs.append(out)
            state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        return torch.cat(outputs, dim=1)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        x, lengths = self._tokens(x, lengths)  # (B, T, H)
        out = self._run(x, lengths)
        if lengths is None:
            pooled = torch.cat([out.mean(dim=1), out.amax(dim=1)], dim=-1)
        else:
            keep = (torch.arange(out.shape[1], device=out.device)[None, :] < lengths.to(out.device)[:, None])
            keep = keep[:, :, None]  # (B, T, 1)
            mean = (out * keep).sum(1) / keep.sum(1).clamp(min=1)
            pooled = torch.cat([mean, out.masked_fill(~keep, -torch.inf).amax(dim=1)], dim=-1)
        return self.head(pooled)  # (B, n_outputs)


def _open_forget_gates(lstm: nn.LSTM, hidden_size: int) -> None:
    """Forget-gate biases sum to 1 (torch orders the gates input, forget, cell, output)."""
    with torch.no_grad():
        for name, bias in lstm.named_parameters():
            if name.startswith("bias_"):
                bias[hidden_size : 2 * hidden_size] = 0.5  # bias_ih + bias_hh = 1


class TransformerNet(nn.Module):
    """Transformer encoder classifier with padding masks and [CLS] or mean pooling.

    Tables: one token per feature (:class:`FeatureTokenizer`, whose per-feature
    embedding plays the role of the position). Sequences: a linear projection of each
    patch of ``patch_size`` steps (by default of the features of three convolution
    blocks over the steps, see :mod:`._patches`)
    plus the sinusoidal positional encoding.
    Post-norm encoder layers (residual connection, then layer norm), as in the
    original architecture.

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
        dropout: float = 0.1, pooling: str = "cls", max_len: int = 512, patch_size: int = 1,
        norm_first: bool = False, stem: str = "conv",
    ):
        super().__init__()
        self.input_kind, self.pooling = input_kind, pooling
        if input_kind == "table":
            self.embed = FeatureTokenizer(n_inputs, d_model)
            self.position = nn.Dropout(dropout)
        else:
            self.embed = patch_embedding(stem, n_inputs, d_model, patch_size)
            self.position = PositionalEncoding(d_model, max_len, dropout)
        self.cls = nn.Parameter(torch.randn(1, 1, d_model) * 0.02) if pooling == "cls" else None
        self.layers = nn.ModuleList(
            EncoderLayer(d_model, n_heads, dim_feedforward, dropout, activation="gelu", norm_first=norm_first)
            for _ in range(n_layers)
        )
        # pre-norm layers leave the residual stream unnormalised: one norm before the head
        self.final_norm = nn.LayerNorm(d_model) if norm_first else nn.Identity()
        self.head = nn.Linear(d_model, n_outputs)

    def forward(self, x: Tensor, lengths: Tensor | None = None, need_weights: bool = False):
        if self.input_kind == "table":
            x = self.embed(x)
        else:
            x, lengths = self.embed(_trim(x, lengths), lengths)  # patches as tokens
        x = self.position(x)  # (B, T, D)
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
        logits = self.head(self.final_norm(pooled))  # (B, n_outputs)
        return (logits, torch.stack(maps, dim=1)) if need_weights else logits
