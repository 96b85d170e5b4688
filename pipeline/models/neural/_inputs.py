"""Recognise and convert the inputs sequence models take: tables, 3-D arrays, ragged lists.

- a 2-D table (n_samples, n_features): handled by scikit-learn's ``validate_data``;
- a 3-D array (n_samples, n_steps, n_channels): equal-length sequences, no mask;
- a list of sequences of shape (n_steps_i, n_channels) or (n_steps_i,): padded with
  zeros to the longest one, with the true lengths kept for masks and packing.

A list of equal-length 1-D lists stays a table, following scikit-learn's convention;
pass univariate sequences of equal length as an array of shape (n, n_steps, 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["SequenceData", "is_sequence_input", "to_sequence_data"]


@dataclass
class SequenceData:
    """Padded steps (n, T, C) float32 and lengths (n,) int64, or None when all are full."""

    X: np.ndarray
    lengths: np.ndarray | None

    @property
    def n_channels(self) -> int:
        return self.X.shape[2]


def is_sequence_input(X) -> bool:
    """True for 3-D arrays and lists of 2-D or ragged 1-D sequences; False for tables."""
    if sp.issparse(X) or hasattr(X, "iloc"):  # sparse matrices and DataFrames are tables
        return False
    if not isinstance(X, (list, tuple)) and hasattr(X, "__array__"):  # arrays, tensors
        ndim = getattr(X, "ndim", None)
        return (np.asarray(X).ndim if ndim is None else ndim) == 3
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return False
    try:
        ndims = {np.ndim(s) for s in X}
    except (TypeError, ValueError):
        return False
    if ndims == {2}:
        return True
    if ndims == {1}:
        return len({len(s) for s in X}) > 1  # ragged: sequences; equal: a table
    return False


def _as_float_steps(seq, index: int, owner: str) -> np.ndarray:
    try:
        steps = np.asarray(seq, dtype=np.float32)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"{owner}: sequence {index} cannot be read as numbers ({err}). "
            "Encode text or categories as numbers before fitting."
        ) from err
    if steps.ndim == 1:
        steps = steps[:, None]  # univariate: one channel
    if steps.ndim != 2 or steps.shape[0] == 0:
        raise ValueError(
            f"{owner}: sequence {index} has shape {steps.shape}; each sequence must have "
            "shape (n_steps, n_channels) or (n_steps,) with at least one step."
        )
    return steps


def to_sequence_data(X, owner: str, n_channels: int | None = None) -> SequenceData:
    """Convert a 3-D array or a list of sequences into padded float32 steps and lengths.

    ``n_channels`` (the fitted value) makes a mismatch an error that names both counts.
    """
    if isinstance(X, (list, tuple)):
        seqs = [_as_float_steps(s, i, owner) for i, s in enumerate(X)]
        channels = {s.shape[1] for s in seqs}
        if len(channels) != 1:
            raise ValueError(
                f"{owner}: all sequences need the same number of channels, got "
                f"{sorted(channels)}. Pad or select channels so they agree."
            )
        lengths = np.array([len(s) for s in seqs], dtype=np.int64)
        padded = np.zeros((len(seqs), lengths.max(), seqs[0].shape[1]), dtype=np.float32)
        for i, s in enumerate(seqs):
            padded[i, : len(s)] = s
        data = SequenceData(padded, lengths)
    else:
        try:
            arr = np.asarray(X, dtype=np.float32)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{owner}: the 3-D input cannot be read as numbers ({err}).") from err
        if arr.shape[0] == 0 or arr.shape[1] == 0:
            raise ValueError(
                f"{owner}: got a 3-D array of shape {arr.shape}; it needs at least one "
                "sample and one step."
            )
        data = SequenceData(np.ascontiguousarray(arr), None)
    if not np.isfinite(data.X).all():
        raise ValueError(
            f"{owner}: the sequences contain NaN or infinity. Impute or drop those steps first."
        )
    if n_channels is not None and data.n_channels != n_channels:
        raise ValueError(
            f"{owner}: X has {data.n_channels} channels per step, but the model was "
            f"fitted with {n_channels}."
        )
    return data
