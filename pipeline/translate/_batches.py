"""Length-bucketed batches laid out for the shared training engine.

The engine shuffles rows of its tensors and slices consecutive rows into
batches. Given plain sentence rows, a batch would mix short and long sentences
and pad every one to the longest, roughly doubling the work on this corpus. So
each *row* handed to the engine is a whole batch of sentences of similar length
(shape ``(n_batches, batch_size, width)``), the engine runs with
``batch_size=1`` and shuffles the order of the batches every epoch, as
length-bucketing translation toolkits do.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ._vocab import PAD_ID

__all__ = ["bucket_batches", "pad_ids", "teacher_forcing_step"]


def bucket_batches(src_rows, tgt_rows, batch_size: int, seed: int):
    """Group pairs of similar length into batches.

    Parameters
    ----------
    src_rows, tgt_rows : list of list of int
        Source ids and target ids (target wrapped in start/end ids) per pair.
    batch_size : int
        Pairs per batch; the last batch is filled with padding-only pairs,
        which the loss ignores.
    seed : int
        Breaks ties among equal lengths, so batches differ between seeds.

    Returns
    -------
    src, tgt : Tensor of shape (n_batches, batch_size, width)
        Right-padded with ``PAD_ID``.

    Examples
    --------
    >>> src, tgt = bucket_batches([[5], [5, 6, 7], [5, 6]], [[2, 5, 3]] * 3, 2, seed=0)
    >>> tuple(src.shape), tuple(tgt.shape)
    ((2, 2, 3), (2, 2, 3))
    """
    n = len(src_rows)
    order = np.random.default_rng(seed).permutation(n)
    order = sorted(order, key=lambda i: (len(tgt_rows[i]), len(src_rows[i])))  # stable sort
    n_batches = -(-n // batch_size)
    order = order + [-1] * (n_batches * batch_size - n)  # -1: a padding-only pair
    src_w = max(len(r) for r in src_rows) or 1
    tgt_w = max(len(r) for r in tgt_rows)
    src = pad_ids([src_rows[i] if i >= 0 else [] for i in order], src_w)
    tgt = pad_ids([tgt_rows[i] if i >= 0 else [] for i in order], tgt_w)
    return src.view(n_batches, batch_size, src_w), tgt.view(n_batches, batch_size, tgt_w)


def _trim(ids: torch.Tensor) -> torch.Tensor:
    """Drop trailing padding columns no row of the batch uses."""
    used = int((ids != PAD_ID).sum(dim=1).max())
    return ids[:, : max(used, 1)]


def teacher_forcing_step(label_smoothing: float = 0.0):
    """Return the engine ``step(module, batch) -> loss`` for bucketed batches.

    The decoder reads ``<s> y1 .. yn`` and is scored on ``y1 .. yn </s>``: the
    targets offset by one position. Training gets one bucket per call; the
    engine's validation pass hands over many buckets at once, which are scored
    one by one (all at once would pad them to a common width and hold every
    logit in memory) and averaged per target token.
    """
    loss_sum = nn.CrossEntropyLoss(ignore_index=PAD_ID, label_smoothing=label_smoothing, reduction="sum")

    def bucket_loss(module, src, tgt):
        src, tgt = _trim(src), _trim(tgt)
        logits = module(src, tgt[:, :-1])  # (B, T, V)
        gold = tgt[:, 1:]  # (B, T)
        return loss_sum(logits.reshape(-1, logits.shape[-1]), gold.reshape(-1)), (gold != PAD_ID).sum()

    def step(module, batch):
        src, tgt = batch  # each (n_buckets, batch_size, width)
        total, tokens = 0.0, 0
        for i in range(src.shape[0]):
            loss, n_tokens = bucket_loss(module, src[i], tgt[i])
            total = total + loss
            tokens = tokens + n_tokens
        return total / tokens.clamp(min=1)

    return step


def pad_ids(rows: list[list[int]], width: int | None = None) -> torch.Tensor:
    """Right-pad id lists with ``PAD_ID`` into a (N, width) long tensor.

    ``width`` defaults to the longest row (at least 1).

    Examples
    --------
    >>> pad_ids([[5, 6], [7]]).tolist() == [[5, 6], [7, PAD_ID]]
    True
    """
    if width is None:
        width = max(1, max((len(r) for r in rows), default=0))
    out = torch.full((len(rows), width), PAD_ID, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, : len(row)] = torch.as_tensor(row, dtype=torch.long)
    return out
