"""Figures of the translation report, each returned as an inline ``<svg>`` string.

Figures are built on :class:`matplotlib.figure.Figure` (no pyplot, so no global
state and no GUI backend). A fixed ``salt`` per figure makes the output
byte-identical between runs and keeps clip-path ids distinct when several SVGs
share a page. Tokens are drawn as SVG text, which matplotlib escapes, with
mathtext off so ``$`` in a sentence stays a dollar sign.
"""

from __future__ import annotations


import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from ..reporting._figures import _to_svg  # one serialiser for every inline SVG

__all__ = ["attention_svg", "length_histogram_svg", "training_curves_svg"]

_STYLE = {
    "svg.fonttype": "none",
    "text.parse_math": False,
    "text.usetex": False,
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
}
def _label(token: str, limit: int = 12) -> str:
    token = str(token).replace("\u2581", "\u00b7")  # show the subword word-start mark as a dot
    return token if len(token) <= limit else token[: limit - 1] + "\u2026"


def length_histogram_svg(source_lengths, target_lengths, *, unit="subword tokens", salt="lengths") -> str:
    """Side-by-side histograms of sentence lengths for the two languages.

    Examples
    --------
    >>> length_histogram_svg([3, 4, 4], [4, 5, 6]).startswith("<svg")
    True
    """
    with mpl.rc_context(_STYLE):
        fig = Figure(figsize=(7.0, 2.6), layout="constrained")
        axes = fig.subplots(1, 2, sharey=True)
        for ax, values, name in zip(axes, (source_lengths, target_lengths), ("Source", "Target")):
            values = np.asarray(values, dtype=int)
            bins = np.arange(0, max(int(values.max(initial=0)), 1) + 2) - 0.5
            ax.hist(values, bins=bins, color="#2f6f9f")
            ax.set_title(f"{name} (mean {values.mean() if values.size else 0:.1f})")
            ax.set_xlabel(f"Length in {unit}")
        axes[0].set_ylabel("Sentence pairs")
        return _to_svg(fig, salt)


def training_curves_svg(history, best_epoch=None, *, salt="curves") -> str:
    """Training and validation loss per epoch, with the kept epoch marked.

    Examples
    --------
    >>> hist = [{"epoch": 1, "train_loss": 2.0, "valid_loss": 2.2},
    ...         {"epoch": 2, "train_loss": 1.5, "valid_loss": None}]
    >>> "kept epoch 1" in training_curves_svg(hist, best_epoch=1)
    True
    """
    with mpl.rc_context(_STYLE):
        fig = Figure(figsize=(5.0, 2.8), layout="constrained")
        ax = fig.subplots()
        for key, name in (("train_loss", "training loss"), ("valid_loss", "validation loss")):
            points = [(h["epoch"], h[key]) for h in history if h.get(key) is not None]
            if points:
                ax.plot(*zip(*points), marker="o", markersize=3, label=name)
        if best_epoch:
            ax.axvline(best_epoch, color="#c0392b", linestyle=":", label=f"kept epoch {best_epoch}")
        ax.set_xlabel("Epoch")
        ax.set_ylabel("Cross-entropy per token")
        ax.legend()
        return _to_svg(fig, salt)


def attention_svg(maps, row_tokens, col_tokens, *, title="", salt="attention") -> str:
    """One heat map per layer (rows) and head (columns), tokens on both axes.

    Parameters
    ----------
    maps : array-like of shape (n_layers, n_heads, T_q, T_k)
        Row ``i`` of a map: how much query ``i`` attends to each key.
    row_tokens : sequence of str of length T_q
        Query tokens (y axis).
    col_tokens : sequence of str of length T_k
        Key tokens (x axis).

    Examples
    --------
    >>> maps = np.full((1, 2, 2, 3), 1 / 3)
    >>> svg = attention_svg(maps, ["<s>", "Hallo"], ["Hi", "!", "x"])
    >>> "head 2" in svg and "Hallo" in svg
    True
    """
    maps = np.asarray(maps, dtype=float)
    n_layers, n_heads, n_rows, n_cols = maps.shape
    side = min(2.6, max(1.3, 0.13 * max(n_rows, n_cols) + 0.5))
    with mpl.rc_context(_STYLE):
        margin = 0.09 * max(len(_label(t)) for t in [*row_tokens, *col_tokens, "x"]) + 0.3  # inches
        width, height = side * n_heads + margin + 0.2, side * n_layers + margin + 0.5
        fig = Figure(figsize=(width, height))
        # Fixed margins instead of a layout engine, which re-measures every label.
        fig.subplots_adjust(left=margin / width, right=1 - 0.2 / width, bottom=margin / height,
                            top=1 - 0.5 / height, wspace=0.15, hspace=0.25)
        # Shared axes: tokens are labelled once per row and column of panels, not in
        # every panel (matplotlib lays out each tick label; that dominated the time).
        axes = fig.subplots(n_layers, n_heads, squeeze=False, sharex=True, sharey=True)
        axes[0, 0].set_xticks(range(n_cols), [_label(t) for t in col_tokens], rotation=90, fontsize=6)
        axes[0, 0].set_yticks(range(n_rows), [_label(t) for t in row_tokens], fontsize=6)
        for layer in range(n_layers):
            for head in range(n_heads):
                ax = axes[layer, head]
                ax.imshow(maps[layer, head], cmap="viridis", vmin=0.0, vmax=1.0,
                          interpolation="nearest", aspect="auto")
                ax.set_title(f"layer {layer + 1}, head {head + 1}")
                ax.label_outer()
        if title:
            fig.suptitle(title)
        return _to_svg(fig, salt)
