"""Transformer building blocks: positional encoding, multi-head attention, layers.

These are plain :class:`torch.nn.Module` objects with no knowledge of training or of
scikit-learn, so that both the flow's classifiers and the translator's
encoder-decoder network can share them.

Mask convention (everywhere in this module): ``key_padding_mask`` is a boolean tensor
of shape ``(B, S)`` where ``True`` marks a *padding* key that must receive zero
attention weight. ``causal=True`` adds the look-ahead mask: query ``t`` sees keys
``0..t`` only (weights above the diagonal are zero). A query row whose keys are all
masked gets all-zero weights and a zero attention output instead of NaN.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "ACTIVATIONS",
    "EncoderLayer",
    "FeedForward",
    "MultiHeadAttention",
    "PositionalEncoding",
    "sinusoidal_positional_encoding",
]


def sinusoidal_positional_encoding(max_len: int, d_model: int) -> Tensor:
    """Return the sinusoidal positional-encoding table of "Attention Is All You Need".

    ``PE[pos, 2i] = sin(pos / 10000**(2i / d_model))`` and
    ``PE[pos, 2i + 1] = cos(pos / 10000**(2i / d_model))``.

    Parameters
    ----------
    max_len : int
        Number of positions (rows), starting at position 0.
    d_model : int
        Embedding size (columns). An odd size keeps its last sine column.

    Returns
    -------
    pe : Tensor of shape (max_len, d_model), float32
        Values in [-1, 1]; row ``pos`` is added to the embedding at position ``pos``.

    Examples
    --------
    >>> pe = sinusoidal_positional_encoding(50, 16)
    >>> tuple(pe.shape), float(pe[0, 0]), float(pe[0, 1])
    ((50, 16), 0.0, 1.0)
    """
    if max_len < 0 or d_model < 1:
        raise ValueError(
            f"sinusoidal_positional_encoding needs max_len >= 0 and d_model >= 1, got "
            f"max_len={max_len} and d_model={d_model}."
        )
    # float64 for the angles: pos / 10000**(...) loses digits in float32 at long lengths
    pos = torch.arange(max_len, dtype=torch.float64)[:, None]  # (L, 1)
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)  # 2i for i = 0..ceil(D/2)-1
    angle = pos / torch.pow(10000.0, two_i / d_model)  # (L, ceil(D/2))
    pe = torch.zeros(max_len, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : d_model // 2])
    return pe.to(torch.float32)


class PositionalEncoding(nn.Module):
    """Add the sinusoidal positional encoding to a batch of embeddings, then dropout.

    Parameters
    ----------
    d_model : int
        Embedding size.
    max_len : int, default=512
        Positions precomputed in the ``pe`` buffer; longer inputs are encoded on the fly.
    dropout : float, default=0.0
        Dropout applied after the addition.

    Examples
    --------
    >>> x = torch.zeros(2, 7, 8)
    >>> out = PositionalEncoding(8).eval()(x)
    >>> tuple(out.shape), bool(torch.equal(out[0], sinusoidal_positional_encoding(7, 8)))
    ((2, 7, 8), True)
    """

    def __init__(self, d_model: int, max_len: int = 512, dropout: float = 0.0):
        super().__init__()
        self.d_model = d_model
        self.dropout = nn.Dropout(dropout)
        # not persistent: it is a pure function of (max_len, d_model), so saved
        # weights stay small and a rebuilt module recomputes it
        self.register_buffer("pe", sinusoidal_positional_encoding(max_len, d_model), persistent=False)

    def forward(self, x: Tensor) -> Tensor:  # x: (B, T, D)
        T = x.shape[1]
        pe = self.pe
        if T > pe.shape[0]:
            pe = sinusoidal_positional_encoding(T, self.d_model).to(x.device)
        return self.dropout(x + pe[:T].to(x.dtype))  # (B, T, D)


def _allowed_mask(
    key_padding_mask: Tensor | None, causal: bool, T: int, S: int, device: torch.device
) -> Tensor | None:
    """Boolean mask broadcastable to (B, H, T, S); True = the query may attend the key."""
    allowed = None
    if key_padding_mask is not None:
        allowed = (~key_padding_mask.to(device=device, dtype=torch.bool))[:, None, None, :]  # (B, 1, 1, S)
    if causal:
        tril = torch.ones(T, S, dtype=torch.bool, device=device).tril()  # (T, S)
        allowed = tril if allowed is None else allowed & tril  # (B, 1, T, S)
    return allowed


class MultiHeadAttention(nn.Module):
    """Multi-head scaled dot-product attention with separate query and key/value inputs.

    ``softmax(Q K^T / sqrt(d_head)) V`` in each of ``n_heads`` heads, heads concatenated
    and projected. Self-attention passes the same tensor as ``query`` and
    ``key_value``; cross-attention passes the decoder states as ``query`` and the
    encoder output as ``key_value``.

    Parameters
    ----------
    d_model : int
        Model width; must be divisible by ``n_heads``.
    n_heads : int
        Number of heads, each of width ``d_model // n_heads``.
    dropout : float, default=0.0
        Dropout on the attention weights (training only).
    bias : bool, default=True
        Whether the four projections have a bias.

    Notes
    -----
    Without ``need_weights`` the attention runs through
    :func:`torch.nn.functional.scaled_dot_product_attention` (fused kernels); with it,
    through an explicit softmax that also returns the weights. Both give the same
    output in evaluation mode.

    Examples
    --------
    >>> mha = MultiHeadAttention(16, 4).eval()
    >>> x, memory = torch.randn(2, 5, 16), torch.randn(2, 7, 16)
    >>> out, w = mha(x, memory, need_weights=True)
    >>> tuple(out.shape), tuple(w.shape)
    ((2, 5, 16), (2, 4, 5, 7))
    """

    def __init__(self, d_model: int, n_heads: int, dropout: float = 0.0, bias: bool = True):
        super().__init__()
        if d_model % n_heads != 0:
            raise ValueError(
                f"d_model={d_model} must be divisible by n_heads={n_heads}, because each "
                "head gets d_model // n_heads dimensions. Change one of them, for example "
                "d_model=64 with n_heads=4."
            )
        self.d_model, self.n_heads, self.d_head = d_model, n_heads, d_model // n_heads
        self.dropout = dropout
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)

    def _split_heads(self, x: Tensor) -> Tensor:  # (B, L, D) -> (B, H, L, D/H)
        B, L, _ = x.shape
        return x.view(B, L, self.n_heads, self.d_head).transpose(1, 2)

    def forward(
        self,
        query: Tensor,
        key_value: Tensor,
        *,
        key_padding_mask: Tensor | None = None,
        causal: bool = False,
        need_weights: bool = False,
    ) -> Tensor | tuple[Tensor, Tensor]:
        """Attend from ``query`` (B, T, D) to ``key_value`` (B, S, D).

        Returns the output (B, T, D), and with ``need_weights=True`` also the
        attention weights (B, H, T, S) before dropout (masked entries are exactly 0).
        """
        B, T, D = query.shape
        S = key_value.shape[1]
        q = self._split_heads(self.q_proj(query))  # (B, H, T, D/H)
        k = self._split_heads(self.k_proj(key_value))  # (B, H, S, D/H)
        v = self._split_heads(self.v_proj(key_value))  # (B, H, S, D/H)
        p_drop = self.dropout if self.training else 0.0

        allowed = _allowed_mask(key_padding_mask, causal, T, S, query.device)
        empty = None  # query rows with no visible key: (B, 1, T, 1)
        if key_padding_mask is not None:
            empty = ~allowed.any(dim=-1, keepdim=True)
            # let empty rows attend everything (finite softmax), then zero them below
            allowed = allowed | empty

        if need_weights:
            scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.d_head)  # (B, H, T, S)
            if allowed is not None:
                scores = scores.masked_fill(~allowed, float("-inf"))
            weights = torch.softmax(scores, dim=-1)  # (B, H, T, S), rows sum to 1
            if empty is not None:
                weights = weights.masked_fill(empty, 0.0)
            attn = F.dropout(weights, p_drop, training=self.training) @ v  # (B, H, T, D/H)
        else:
            weights = None
            if allowed is None or (causal and key_padding_mask is None and T == S):
                attn = F.scaled_dot_product_attention(q, k, v, dropout_p=p_drop, is_causal=causal)
            else:
                attn = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed, dropout_p=p_drop)
            if empty is not None:
                attn = attn.masked_fill(empty, 0.0)
        out = self.out_proj(attn.transpose(1, 2).reshape(B, T, D))  # heads joined: (B, T, D)
        return (out, weights) if need_weights else out


#: Activations of the feed-forward sublayer, by name.
ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU}


class FeedForward(nn.Sequential):
    """Position-wise feed-forward sublayer: Linear -> activation -> dropout -> Linear.

    Parameters
    ----------
    d_model : int
        Input and output width.
    dim_feedforward : int
        Hidden width.
    dropout : float
        Dropout on the hidden units.
    activation : {"relu", "gelu"}
        One of :data:`ACTIVATIONS`.

    Examples
    --------
    >>> ff = FeedForward(8, 16, 0.0, "gelu")
    >>> tuple(ff(torch.zeros(2, 3, 8)).shape)
    (2, 3, 8)
    """

    def __init__(self, d_model: int, dim_feedforward: int, dropout: float, activation: str):
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be {' or '.join(map(repr, ACTIVATIONS))}, got {activation!r}."
            )
        super().__init__(
            nn.Linear(d_model, dim_feedforward),
            ACTIVATIONS[activation](),
            nn.Dropout(dropout),
            nn.Linear(dim_feedforward, d_model),
        )


class EncoderLayer(nn.Module):
    """Transformer encoder layer: self-attention and feed-forward, each with a residual.

    ``norm_first=False`` (default) is the original post-norm layer
    ``x = norm(x + dropout(sublayer(x)))``; ``norm_first=True`` is the pre-norm
    variant ``x = x + dropout(sublayer(norm(x)))``, which trains more stably when deep.

    Parameters
    ----------
    d_model : int
        Model width.
    n_heads : int
        Attention heads; must divide ``d_model``.
    dim_feedforward : int, default=2048
        Hidden width of the position-wise feed-forward network.
    dropout : float, default=0.1
        Dropout on attention weights, feed-forward hidden units and sublayer outputs.
    activation : {"relu", "gelu"}, default="relu"
        Feed-forward activation.
    norm_first : bool, default=False
        Pre-norm instead of post-norm.

    Examples
    --------
    >>> layer = EncoderLayer(16, 4, dim_feedforward=32).eval()
    >>> x, pad = torch.randn(2, 5, 16), torch.tensor([[False] * 5, [False] * 3 + [True] * 2])
    >>> out, w = layer(x, key_padding_mask=pad, need_weights=True)
    >>> tuple(out.shape), tuple(w.shape), float(w.detach()[1, :, :, 3:].abs().sum())
    ((2, 5, 16), (2, 4, 5, 5), 0.0)
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
        self.ff = FeedForward(d_model, dim_feedforward, dropout, activation)
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.drop1, self.drop2 = nn.Dropout(dropout), nn.Dropout(dropout)

    def forward(
        self, x: Tensor, *, key_padding_mask: Tensor | None = None, need_weights: bool = False
    ) -> Tensor | tuple[Tensor, Tensor]:
        """``x`` (B, T, D) -> (B, T, D), and self-attention weights (B, H, T, T) if asked."""
        h = self.norm1(x) if self.norm_first else x
        a = self.self_attn(h, h, key_padding_mask=key_padding_mask, need_weights=need_weights)
        a, w = a if need_weights else (a, None)
        x = x + self.drop1(a) if self.norm_first else self.norm1(x + self.drop1(a))
        if self.norm_first:
            x = x + self.drop2(self.ff(self.norm2(x)))
        else:
            x = self.norm2(x + self.drop2(self.ff(x)))
        return (x, w) if need_weights else x
