"""Greedy and beam-search decoding for an encoder-decoder network.

The network needs two methods: ``encode(src) -> memory`` and
``decode(tgt, memory, src, last_only=True) -> logits`` with ``src`` (B, S) and ``tgt`` (B, T)
id tensors padded with ``PAD_ID`` and logits (B, 1, V) for the last position. Both decoders re-run the
decoder on the whole prefix at every step instead of caching keys and values:
sentences here are short, and the simpler loop is easier to trust.
"""

from __future__ import annotations

import torch

from ._batches import pad_ids
from ._vocab import BOS_ID, EOS_ID, PAD_ID

__all__ = ["DECODINGS", "beam_decode", "decode_rows", "greedy_decode"]

#: Decoding strategies of :func:`decode_rows`.
DECODINGS = ("greedy", "beam")


def _strip(row: torch.Tensor) -> list[int]:
    """Generated ids of one row: everything after BOS up to (without) the first EOS."""
    out = []
    for token in row.tolist()[1:]:
        if token in (EOS_ID, PAD_ID):
            break
        out.append(token)
    return out


@torch.no_grad()
def greedy_decode(net, src: torch.Tensor, max_length: int) -> list[list[int]]:
    """Pick the most probable next token until every row has produced EOS.

    Parameters
    ----------
    net : torch.nn.Module
        Encoder-decoder with ``encode`` and ``decode`` (see module docstring).
    src : Tensor of shape (B, S)
        Source ids padded with ``PAD_ID``.
    max_length : int
        Most tokens generated per row (EOS included).

    Returns
    -------
    list of list of int
        Generated ids per row, without start and end ids.
    """
    memory = net.encode(src)  # (B, S, D)
    batch = src.shape[0]
    tgt = torch.full((batch, 1), BOS_ID, dtype=torch.long, device=src.device)  # (B, 1)
    done = torch.zeros(batch, dtype=torch.bool, device=src.device)
    for _ in range(max_length):
        logp = torch.log_softmax(net.decode(tgt, memory, src, last_only=True)[:, -1], dim=-1)  # (B, V)
        nxt = logp.argmax(dim=-1)  # (B,)
        nxt = torch.where(done, torch.full_like(nxt, PAD_ID), nxt)  # finished rows idle
        tgt = torch.cat([tgt, nxt[:, None]], dim=1)
        done |= nxt == EOS_ID
        if bool(done.all()):
            break
    return [_strip(row) for row in tgt]


@torch.no_grad()
def beam_decode(
    net, src: torch.Tensor, max_length: int, beam_size: int = 4, length_penalty: float = 0.6
) -> list[list[int]]:
    """Keep the ``beam_size`` best partial translations per sentence at every step.

    Finished hypotheses stay in the beam (extended with padding at no cost) until
    every beam of every sentence has finished or ``max_length`` is reached; the
    final choice divides each log-probability by ``length ** length_penalty`` so
    that short outputs are not favoured merely for having fewer factors. With
    ``beam_size=1`` this is exactly greedy decoding.

    Parameters
    ----------
    net : torch.nn.Module
        Encoder-decoder with ``encode`` and ``decode``.
    src : Tensor of shape (B, S)
        Source ids padded with ``PAD_ID``.
    max_length : int
        Most tokens generated per hypothesis (EOS included).
    beam_size : int, default=4
        Hypotheses kept per sentence.
    length_penalty : float, default=0.6
        Exponent of the length normalisation (0 = none).

    Returns
    -------
    list of list of int
        Best hypothesis per row, without start and end ids.
    """
    batch, k = src.shape[0], beam_size
    device = src.device
    src_k = src.repeat_interleave(k, dim=0)  # (B*K, S): beams of one sentence adjacent
    memory = net.encode(src_k)  # (B*K, S, D)
    tgt = torch.full((batch * k, 1), BOS_ID, dtype=torch.long, device=device)
    scores = torch.full((batch, k), float("-inf"), device=device)
    scores[:, 0] = 0.0  # all beams start identical: expand only the first at step one
    done = torch.zeros(batch * k, dtype=torch.bool, device=device)
    lengths = torch.zeros(batch * k, device=device)
    for _ in range(max_length):
        logp = torch.log_softmax(net.decode(tgt, memory, src_k, last_only=True)[:, -1], dim=-1)  # (B*K, V)
        vocab = logp.shape[-1]
        # A finished hypothesis may only continue with PAD, at no cost.
        idle = torch.full_like(logp, float("-inf"))
        idle[:, PAD_ID] = 0.0
        logp = torch.where(done[:, None], idle, logp)
        cand = (scores.reshape(-1, 1) + logp).reshape(batch, k * vocab)  # (B, K*V)
        scores, flat = cand.topk(k, dim=-1)  # (B, K)
        parent = (flat // vocab + torch.arange(batch, device=device)[:, None] * k).reshape(-1)
        token = (flat % vocab).reshape(-1)  # (B*K,)
        tgt = torch.cat([tgt[parent], token[:, None]], dim=1)
        lengths = lengths[parent] + (~done[parent]).float()
        done = done[parent] | (token == EOS_ID)
        if bool(done.all()):
            break
    normalised = scores / lengths.reshape(batch, k).clamp(min=1.0) ** length_penalty
    best = normalised.argmax(dim=-1) + torch.arange(batch, device=device) * k  # (B,)
    return [_strip(row) for row in tgt[best]]


def decode_rows(net, rows, *, decoding, max_length, batch_size, beam_size=4, device="cpu"):
    """Decode many source id rows in batches; one id list per row, in the rows' order.

    Rows are decoded in order of length, so that a batch holds little padding
    (wasted work). The output of a row is capped at twice its batch's source
    length plus ten subwords, and at ``max_length``: a translation rarely runs
    longer, and the cap bounds the work when an undertrained model never says
    ``</s>``.
    """
    if decoding not in DECODINGS:
        raise ValueError(f"decoding must be {' or '.join(map(repr, DECODINGS))}, got {decoding!r}.")
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
    out: list[list[int]] = [[] for _ in rows]
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        src = pad_ids([rows[i] for i in chunk]).to(device)
        limit = min(max_length, 2 * src.shape[1] + 10) + 1  # + 1 for </s>
        if decoding == "greedy":
            hyps = greedy_decode(net, src, limit)
        else:
            hyps = beam_decode(net, src, limit, beam_size=beam_size)
        for i, hyp in zip(chunk, hyps):
            out[i] = hyp
    return out
