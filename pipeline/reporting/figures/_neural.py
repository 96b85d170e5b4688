"""Figures of neural models: training curves, attention maps, positional encodings, class activation maps."""

from __future__ import annotations

import math

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ._svg import FIGURE_STYLE, short_label, tick_positions, to_svg

__all__ = [
    "attention_figure",
    "class_activation_figure",
    "positional_encoding_figure",
    "training_curves_figure",
]


def training_curves_figure(history, best_epoch=None, *, title="", salt="dmflow"):
    """Loss per epoch (training and validation) and the validation metric.

    Parameters
    ----------
    history : sequence of mapping
        One entry per epoch: ``epoch``, ``train_loss``, and optionally
        ``valid_loss`` and ``valid_metric`` (``None`` when not measured).
    best_epoch : int or None, default=None
        Epoch kept by early stopping, marked with a vertical line.
    title : str, default=""
    salt : str, default="dmflow"

    Returns
    -------
    svg : str

    Examples
    --------
    >>> hist = [{"epoch": e, "train_loss": 1 / e, "valid_loss": 1.2 / e, "valid_metric": 0.5}
    ...         for e in (1, 2, 3)]
    >>> "best epoch 2" in training_curves_figure(hist, best_epoch=2)
    True
    """
    def series(key):
        points = [(row["epoch"], row.get(key)) for row in history if row.get(key) is not None]
        return [p[0] for p in points], [float(p[1]) for p in points]

    metric_epochs, metric_values = series("valid_metric")
    n_panels = 2 if metric_values else 1
    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(3.6 * n_panels + 0.6, 3.2), layout="constrained")
        axes = fig.subplots(1, n_panels, squeeze=False)[0]
        for key, name in (("train_loss", "training loss"), ("valid_loss", "validation loss")):
            epochs, losses = series(key)
            if losses:
                axes[0].plot(epochs, losses, marker="o", markersize=2.5, label=name)
        axes[0].set_ylabel("Loss")
        if metric_values:
            axes[1].plot(metric_epochs, metric_values, marker="o", markersize=2.5,
                         color="#2f6f9f", label="validation metric")
            axes[1].set_ylabel("Validation metric")
        for ax in axes:
            if best_epoch is not None:
                ax.axvline(best_epoch, color="#c0392b", linestyle=":", linewidth=1.2,
                           label=f"best epoch {best_epoch}")
            ax.set_xlabel("Epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no epoch 2.5
            ax.legend(fontsize=8)
        fig.suptitle(title)
        return to_svg(fig, salt)


def attention_figure(maps, tokens, *, key_tokens=None, title="", salt="dmflow"):
    """Attention weights of one example: one heat map per head (columns) per layer (rows).

    Parameters
    ----------
    maps : array-like of shape (n_layers, n_heads, T_q, T_k)
        Row ``i`` of a map is how much query token ``i`` attends to each key.
    tokens : sequence of str of length T_q
        The query tokens (and the keys too, for self-attention).
    key_tokens : sequence of str of length T_k, default=None
        The key tokens when they differ from the queries (cross-attention).
    title : str, default=""
    salt : str, default="dmflow"

    Returns
    -------
    svg : str

    Examples
    --------
    >>> maps = np.full((1, 2, 3, 3), 1 / 3)
    >>> svg = attention_figure(maps, ["a", "b", "c"])
    >>> "layer 1, head 2" in svg
    True
    >>> cross = np.full((1, 1, 2, 3), 1 / 3)  # 2 queries attending to 3 keys
    >>> "Hallo" in attention_figure(cross, ["<s>", "Hallo"], key_tokens=["Hi", "!", "x"])
    True
    """
    maps = np.asarray(maps, dtype=float)
    key_tokens = tokens if key_tokens is None else key_tokens
    n_layers, n_heads, n_rows, n_cols = maps.shape
    panel = min(3.2, max(1.9, 0.16 * max(n_rows, n_cols)))
    rows, cols = tick_positions(n_rows), tick_positions(n_cols)
    vmax = float(maps.max()) if maps.size and maps.max() > 0 else 1.0
    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(panel * n_heads + 1.0, panel * n_layers + 0.4),
                     layout="constrained")
        # Shared axes: token names on the outer panels only, as in any small multiple;
        # repeating them on every panel is clutter (and most of the drawing time).
        axes = fig.subplots(n_layers, n_heads, squeeze=False, sharex=True, sharey=True)
        image = None
        for (layer, head), ax in np.ndenumerate(axes):
            image = ax.imshow(maps[layer, head], cmap="viridis", vmin=0, vmax=vmax,
                              interpolation="nearest", aspect="equal" if n_rows == n_cols else "auto")
            ax.set_title(f"layer {layer + 1}, head {head + 1}", fontsize=8)
            ax.spines[:].set_visible(False)
        axes[0, 0].set_xticks(cols, [short_label(key_tokens[i], 10) for i in cols])  # shared: every panel
        axes[0, 0].set_yticks(rows, [short_label(tokens[i], 10) for i in rows])
        for ax in axes.flat:
            ax.tick_params(labelsize=6)
            ax.tick_params(axis="x", labelrotation=90)
            ax.label_outer()
        axes[-1, 0].set_xlabel("key token")
        axes[-1, 0].set_ylabel("query token")
        fig.colorbar(image, ax=axes, shrink=0.6, label="attention weight")
        fig.suptitle(title)
        return to_svg(fig, salt)


def positional_encoding_figure(encoding, *, title="", salt="dmflow"):
    """Heat map of a positional encoding, positions down, dimensions across.

    Parameters
    ----------
    encoding : array-like of shape (T, d_model)
    title : str, default=""
    salt : str, default="dmflow"

    Returns
    -------
    svg : str

    Examples
    --------
    >>> positional_encoding_figure(np.sin(np.arange(32.0)).reshape(8, 4)).startswith("<svg")
    True
    """
    encoding = np.asarray(encoding, dtype=float)
    limit = float(np.abs(encoding).max()) if encoding.size else 1.0
    limit = limit if limit > 0 else 1.0
    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(6.4, 3.6), layout="constrained")
        ax = fig.add_subplot()
        image = ax.imshow(encoding, cmap="RdBu_r", vmin=-limit, vmax=limit,
                          aspect="auto", interpolation="nearest")
        fig.colorbar(image, ax=ax, label="value")
        ax.set_xlabel("Embedding dimension")
        ax.set_ylabel("Position")
        ax.set_title(title)
        return to_svg(fig, salt)


_MAX_VECTOR_STEPS = 1000  # longer series are drawn as an image: one path per step would swell the SVG


def _floats(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _activation_line(ax, values, activation, norm):
    """One series as a line whose segments take the colour of their mean activation."""
    from matplotlib.collections import LineCollection

    steps = np.arange(len(values))
    ax.plot(steps, values, color="0.8", linewidth=0.8)  # keeps steps of near-zero activation visible
    points = np.column_stack([steps, values])
    lines = LineCollection(np.stack([points[:-1], points[1:]], axis=1), cmap="coolwarm", norm=norm,
                           linewidths=1.8, rasterized=len(values) > _MAX_VECTOR_STEPS)
    lines.set_array((activation[:-1] + activation[1:]) / 2)
    ax.add_collection(lines)
    ax.autoscale_view()


def class_activation_figure(series, *, title="", salt="dmflow"):
    """Series drawn as lines coloured by their class activation map, one panel each.

    Parameters
    ----------
    series : sequence of mapping
        ``{"values", "activation", "true", "predicted"}`` per series: its values and
        one activation per step (``None`` where missing), its true and predicted class.
    title : str, default=""
    salt : str, default="dmflow"

    Returns
    -------
    svg : str

    Examples
    --------
    >>> found = {"values": [0, 1, 0, 2], "activation": [-1, 0, 1, 2], "true": "a", "predicted": "b"}
    >>> "true a, predicted b" in class_activation_figure([found])
    True
    """
    values = [_floats(found["values"]) for found in series]
    maps = [_floats(found["activation"]) for found in series]
    # Symmetric around 0 and shared by the panels: grey is a step that moved nothing.
    limit = max([float(np.nanmax(np.abs(m))) for m in maps if np.isfinite(m).any()] + [0.0]) or 1.0
    norm = mpl.colors.Normalize(-limit, limit)
    n_cols = min(2, len(series))
    n_rows = math.ceil(len(series) / n_cols)
    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(3.6 * n_cols + 1.0, 1.9 * n_rows + 0.6), layout="constrained")
        axes = fig.subplots(n_rows, n_cols, squeeze=False)
        for ax, found, line, activation in zip(axes.flat, series, values, maps):
            _activation_line(ax, line, activation, norm)
            true, predicted = short_label(found["true"], 16), short_label(found["predicted"], 16)
            ax.set_title(f"true {true}, predicted {predicted}", fontsize=8)
            ax.tick_params(labelsize=7)
        for ax in axes.flat[len(series):]:
            ax.set_visible(False)
        fig.colorbar(mpl.cm.ScalarMappable(norm, "coolwarm"), ax=axes, shrink=0.8,
                     label="activation toward the predicted class")
        fig.supxlabel("Step", fontsize=8)
        fig.suptitle(title)
        return to_svg(fig, salt)
