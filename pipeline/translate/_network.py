"""The encoder-decoder Transformer network (pure torch; no training, no vocabularies).

Built from the shared layers of :mod:`pipeline.nn` and the translator's own
:class:`DecoderLayer`: embeddings
scaled by ``sqrt(d_model)`` plus sinusoidal positions, a stack of encoder layers
with the source padding mask, a stack of decoder layers with the look-ahead mask
combined with the target padding mask in self-attention and only the source
padding mask in encoder-decoder attention, then a linear map to target-vocabulary
logits. Layers are pre-norm, each stack closed by a layer norm: with few epochs
on a CPU this trains more steadily than the original post-norm layout.
"""

from __future__ import annotations

import math

from torch import Tensor, nn

from ..nn import EncoderLayer, PositionalEncoding
from ._decoder import DecoderLayer
from ._vocab import PAD_ID

__all__ = ["Seq2SeqNet"]


class Seq2SeqNet(nn.Module):
    """Transformer translator network.

    Parameters
    ----------
    src_vocab_size, tgt_vocab_size : int
        Vocabulary sizes (padding id 0 included).
    d_model, n_heads, n_layers, dim_feedforward, dropout
        Width, heads per attention, layers per stack, feed-forward width, dropout.
    max_len : int
        Positions precomputed for the positional encoding.

    Examples
    --------
    >>> import torch
    >>> net = Seq2SeqNet(20, 30, d_model=16, n_heads=2, n_layers=1, dim_feedforward=32).eval()
    >>> src = torch.tensor([[5, 6, 7], [8, 9, 0]])
    >>> tgt_in = torch.tensor([[2, 5, 6, 7], [2, 5, 0, 0]])
    >>> tuple(net(src, tgt_in).shape)
    (2, 4, 30)
    """

    def __init__(
        self,
        src_vocab_size: int,
        tgt_vocab_size: int,
        *,
        d_model: int = 128,
        n_heads: int = 4,
        n_layers: int = 2,
        dim_feedforward: int = 256,
        dropout: float = 0.1,
        max_len: int = 128,
    ):
        super().__init__()
        self.d_model = d_model
        self.src_embed = nn.Embedding(src_vocab_size, d_model, padding_idx=PAD_ID)
        self.tgt_embed = nn.Embedding(tgt_vocab_size, d_model, padding_idx=PAD_ID)
        self.positions = PositionalEncoding(d_model, max_len=max_len, dropout=dropout)
        layer_args = dict(dim_feedforward=dim_feedforward, dropout=dropout, norm_first=True)
        self.encoder = nn.ModuleList(EncoderLayer(d_model, n_heads, **layer_args) for _ in range(n_layers))
        self.decoder = nn.ModuleList(DecoderLayer(d_model, n_heads, **layer_args) for _ in range(n_layers))
        self.encoder_norm = nn.LayerNorm(d_model)
        self.decoder_norm = nn.LayerNorm(d_model)
        self.generator = nn.Linear(d_model, tgt_vocab_size)

    def _embed(self, table: nn.Embedding, ids: Tensor) -> Tensor:
        return self.positions(table(ids) * math.sqrt(self.d_model))  # (B, L, D)

    def encode(self, src: Tensor, *, need_weights: bool = False):
        """Source ids (B, S) -> memory (B, S, D) [, list of (B, H, S, S) weights per layer]."""
        src_pad = src == PAD_ID  # (B, S), True = padding
        x = self._embed(self.src_embed, src)
        weights = []
        for layer in self.encoder:
            if need_weights:
                x, w = layer(x, key_padding_mask=src_pad, need_weights=True)
                weights.append(w)
            else:
                x = layer(x, key_padding_mask=src_pad)
        x = self.encoder_norm(x)
        return (x, weights) if need_weights else x

    def decode(
        self, tgt: Tensor, memory: Tensor, src: Tensor, *, need_weights: bool = False, last_only: bool = False
    ):
        """Target prefix (B, T), memory (B, S, D), source ids (B, S) -> logits (B, T, V).

        With ``need_weights=True`` also returns per-layer lists of self-attention
        (B, H, T, T) and cross-attention (B, H, T, S) weights. ``last_only=True``
        returns logits for the last position only, (B, 1, V): all that a decoding
        step needs, and the vocabulary projection is the costliest layer.
        """
        tgt_pad = tgt == PAD_ID  # (B, T)
        src_pad = src == PAD_ID  # (B, S)
        x = self._embed(self.tgt_embed, tgt)
        self_w, cross_w = [], []
        for layer in self.decoder:
            out = layer(
                x,
                memory,
                tgt_key_padding_mask=tgt_pad,
                memory_key_padding_mask=src_pad,
                causal=True,
                need_weights=need_weights,
            )
            if need_weights:
                x, ws, wc = out
                self_w.append(ws)
                cross_w.append(wc)
            else:
                x = out
        if last_only:
            x = x[:, -1:]  # (B, 1, D)
        logits = self.generator(self.decoder_norm(x))  # (B, T, V)
        return (logits, self_w, cross_w) if need_weights else logits

    def forward(self, src: Tensor, tgt_in: Tensor) -> Tensor:
        """Teacher forcing: source (B, S) and shifted target (B, T) -> logits (B, T, V)."""
        return self.decode(tgt_in, self.encode(src), src)
