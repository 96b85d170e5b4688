"""The decoder layer of the translator's network.

Only the encoder-decoder translator decodes, so its layer lives here; the
attention and feed-forward sublayers it is built from are the shared ones of
:mod:`pipeline.nn`, with their mask convention.
"""

from __future__ import annotations

from torch import Tensor, nn

from ..nn import FeedForward, MultiHeadAttention

__all__ = ["DecoderLayer"]


class DecoderLayer(nn.Module):
    """Transformer decoder layer: masked self-attention, cross-attention, feed-forward.

    Self-attention over the target uses the look-ahead mask (``causal=True`` by
    default) and the target padding mask; cross-attention from the target to the
    encoder output ``memory`` uses only the memory padding mask. Each sublayer has a
    residual connection and layer norm (post-norm by default, as in
    :class:`pipeline.nn.EncoderLayer`).

    Parameters
    ----------
    d_model, n_heads, dim_feedforward, dropout, activation, norm_first
        As in :class:`pipeline.nn.EncoderLayer`.

    Examples
    --------
    >>> import torch
    >>> layer = DecoderLayer(16, 4, dim_feedforward=32).eval()
    >>> y, memory = torch.randn(2, 4, 16), torch.randn(2, 6, 16)
    >>> out, w_self, w_cross = layer(y, memory, need_weights=True)
    >>> tuple(out.shape), tuple(w_self.shape), tuple(w_cross.shape)
    ((2, 4, 16), (2, 4, 4, 4), (2, 4, 4, 6))
    >>> float(w_self.detach().triu(diagonal=1).abs().sum())  # nothing seen ahead
    0.0
    """

    def __init__(
        self,
        d_model: int,
        n_heads: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str = "relu",
        norm_first: bool = False,
    ):
        super().__init__()
        self.norm_first = norm_first
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout)
        self.cross_attn = MultiHeadAttention(d_model, n_heads, dropout)
        self.ff = FeedForward(d_model, dim_feedforward, dropout, activation)
        self.norm1, self.norm2, self.norm3 = (nn.LayerNorm(d_model) for _ in range(3))
        self.drop1, self.drop2, self.drop3 = (nn.Dropout(dropout) for _ in range(3))

    def _residual(self, x: Tensor, norm: nn.Module, drop: nn.Module, sub) -> tuple[Tensor, Tensor | None]:
        out = sub(norm(x) if self.norm_first else x)
        out, w = out if isinstance(out, tuple) else (out, None)
        x = x + drop(out) if self.norm_first else norm(x + drop(out))
        return x, w

    def forward(
        self,
        x: Tensor,
        memory: Tensor,
        *,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        causal: bool = True,
        need_weights: bool = False,
    ) -> Tensor | tuple[Tensor, Tensor, Tensor]:
        """``x`` (B, T, D) attends to itself and to ``memory`` (B, S, D) -> (B, T, D).

        With ``need_weights=True`` also returns self-attention weights (B, H, T, T)
        and cross-attention weights (B, H, T, S).
        """
        x, w_self = self._residual(
            x, self.norm1, self.drop1,
            lambda h: self.self_attn(
                h, h, key_padding_mask=tgt_key_padding_mask, causal=causal, need_weights=need_weights
            ),
        )
        x, w_cross = self._residual(
            x, self.norm2, self.drop2,
            lambda h: self.cross_attn(
                h, memory, key_padding_mask=memory_key_padding_mask, need_weights=need_weights
            ),
        )
        x, _ = self._residual(x, self.norm3, self.drop3, self.ff)
        return (x, w_self, w_cross) if need_weights else x
