"""Report figures, each drawn with matplotlib and returned as an inline SVG string.

Figures are built from :class:`matplotlib.figure.Figure` directly rather than
through ``pyplot``: nothing is registered in pyplot's global figure list, so
nothing needs closing, no GUI backend is ever chosen, and the figure is freed
as soon as the function returns. Saving as SVG uses matplotlib's own SVG
canvas, whatever the default backend is.

Every function takes ``salt``: matplotlib derives the ids of clip paths and
markers from it, so a fixed salt gives byte-identical output, and a distinct
salt per figure keeps ids unique when several SVGs share one HTML page.
Text (labels, class names, tokens) is written as SVG ``<text>`` whose content
matplotlib escapes, and mathtext is off, so a ``$`` in a label is just a dollar.
"""

from __future__ import annotations

import io
import math
import re

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

__all__ = [
    "FIGURE_STYLE",
    "attention_figure",
    "calibration_figure",
    "class_activation_figure",
    "class_counts_figure",
    "confusion_matrix_figure",
    "cv_spread_figure",
    "importance_figure",
    "positional_encoding_figure",
    "precision_recall_figure",
    "projection_figure",
    "roc_figure",
    "short_label",
    "threshold_figure",
    "to_svg",
    "training_curves_figure",
]

#: The matplotlib settings of every report figure (use with ``mpl.rc_context``).
FIGURE_STYLE = {
    "svg.fonttype": "none",  # real <text>: small files, selectable, escaped by matplotlib
    "text.parse_math": False,  # labels are data, not TeX
    "text.usetex": False,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
}
_MAX_LABEL = 24
_XML_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.S)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
# matplotlib names every group after its artist ("figure_1", "axes_1", ...), the same
# in every figure; nothing refers to them, and inlined they would repeat ids in the page.
_GROUP_ID = re.compile(r'<g id="[^"]*"')


def short_label(text, limit=_MAX_LABEL):
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut.

    Examples
    --------
    >>> short_label("abcdef", 4)
    'abc\u2026'
    """
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def to_svg(fig, salt):
    """Serialise ``fig`` as an ``<svg>`` element ready to inline in HTML.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    salt : str
        Seeds the ids matplotlib writes: fixed for identical output, distinct per
        figure on one page.

    Returns
    -------
    svg : str
    """
    buffer = io.BytesIO()
    with mpl.rc_context({"svg.hashsalt": str(salt), "svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue().decode("utf-8")
    svg = _XML_PROLOGUE.sub("", svg, count=1)  # no XML declaration or DOCTYPE inside HTML
    svg = _METADATA.sub("", svg, count=1)
    return _GROUP_ID.sub("<g", svg).strip()



def _tick_positions(n, max_ticks=24):
    step = max(1, math.ceil(n / max_ticks))
    return list(range(0, n, step))


def confusion_matrix_figure(matrix, labels, *, title="", salt="dmflow"):
    """Heat map of a confusion matrix, counts written in the cells (``ConfusionMatrixDisplay``).

    Parameters
    ----------
    matrix : array-like of shape (K, K)
        Counts, rows = true class, columns = predicted class.
    labels : sequence of str
        Class names in row/column order.
    title : str, default=""
        Axes title.
    salt : str, default="dmflow"
        Seed of the SVG element ids.

    Returns
    -------
    svg : str

    Examples
    --------
    >>> confusion_matrix_figure([[5, 1], [2, 7]], ["no", "yes"]).startswith("<svg")
    True
    """
    from sklearn.metrics import ConfusionMatrixDisplay

    cm = np.asarray(matrix, dtype=np.int64)
    k = cm.shape[0]
    side = min(6.0, 2.2 + 0.45 * k)
    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(side + 0.8, side), layout="constrained")
        ax = fig.add_subplot()
        display = ConfusionMatrixDisplay(cm, display_labels=[short_label(label, 14) for label in labels])
        display.plot(ax=ax, cmap="Blues", values_format=",d", colorbar=True,
                     xticks_rotation=45 if k > 3 else "horizontal")
        ax.set_xlabel("Predicted class")
        ax.set_ylabel("True class")
        ax.set_title(title)
        ax.spines[:].set_visible(False)
        return to_svg(fig, salt)


def roc_figure(curves, *, title="", salt="dmflow"):
    """ROC curves overlaid on one axes (``RocCurveDisplay``), with the chance diagonal.

    Parameters
    ----------
    curves : mapping of str to mapping
        ``{legend name: {"fpr": [...], "tpr": [...], "auc": float or None}}``.
    title : str, default=""
    salt : str, default="dmflow"

    Returns
    -------
    svg : str

    Examples
    --------
    >>> svg = roc_figure({"forest": {"fpr": [0, 0.2, 1], "tpr": [0, 0.7, 1], "auc": 0.75}})
    >>> "forest (AUC = 0.75)" in svg
    True
    """
    from sklearn.metrics import RocCurveDisplay

    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(5.2, 4.4), layout="constrained")
        ax = fig.add_subplot()
        for i, (name, curve) in enumerate(curves.items()):
            display = RocCurveDisplay(fpr=np.asarray(curve["fpr"], dtype=float),
                                      tpr=np.asarray(curve["tpr"], dtype=float),
                                      roc_auc=curve.get("auc"), name=short_label(name, 40))
            display.plot(ax=ax, plot_chance_level=i == 0, curve_kwargs={"linewidth": 1.6},
                         chance_level_kw={"color": "0.6", "linewidth": 1, "label": "chance"})
        _unit_axes(ax)
        ax.set_xlabel("False positive rate")
        ax.set_ylabel("True positive rate")
        ax.set_title(title)
        ax.legend(loc="lower right", fontsize=8)
        return to_svg(fig, salt)


def _unit_axes(ax):
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_aspect("equal")


def class_counts_figure(before, after, *, title="", salt="dmflow"):
    """Grouped bars of class counts before and after balancing.

    Parameters
    ----------
    before, after : mapping of str to int
        Training rows per class before and after oversampling.
    title : str, default=""
    salt : str, default="dmflow"

    Returns
    -------
    svg : str

    Examples
    --------
    >>> class_counts_figure({"no": 80, "yes": 20}, {"no": 80, "yes": 80}).count("<svg")
    1
    """
    labels = list(dict.fromkeys([*before, *after]))
    x = np.arange(len(labels))
    width = 0.38
    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(max(4.0, 1.0 + 0.9 * len(labels)), 3.4), layout="constrained")
        ax = fig.add_subplot()
        for offset, counts, name, colour in (
            (-width / 2, before, "before", "#9aa5b1"),
            (width / 2, after, "after", "#2f6f9f"),
        ):
            bars = ax.bar(x + offset, [int(counts.get(label, 0)) for label in labels],
                          width, label=name, color=colour)
            ax.bar_label(bars, fmt="{:,.0f}", fontsize=7, padding=2)
        ax.set_xticks(x, [short_label(label, 16) for label in labels],
                      rotation=30 if len(labels) > 4 else 0)
        ax.set_ylabel("Training rows")
        ax.set_title(title)
        ax.margins(y=0.12)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))  # outside: never hides a bar
        return to_svg(fig, salt)


def projection_figure(values, labels, *, title="", salt="dmflow"):
    """Training rows after a projection (LDA), coloured by class.

    One component: overlaid per-class histograms. Two or more: a scatter of
    the first two components (points rasterised, so a large training set
    does not turn into megabytes of SVG).

    Parameters
    ----------
    values : array-like of shape (n_rows, n_components) or (n_rows,)
    labels : array-like of shape (n_rows,)
    title : str, default=""
    salt : str, default="dmflow"

    Returns
    -------
    svg : str

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> projection_figure(rng.normal(size=(20, 1)), ["a", "b"] * 10).startswith("<svg")
    True
    """
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    labels = np.asarray([str(label) for label in labels])
    classes = sorted(set(labels.tolist()))
    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(5.6, 3.8), layout="constrained")
        ax = fig.add_subplot()
        if values.shape[1] == 1:
            bins = np.histogram_bin_edges(values[:, 0], bins=30)
            for label in classes:
                ax.hist(values[labels == label, 0], bins=bins, alpha=0.55, density=True,
                        label=short_label(label))
            ax.set_xlabel("Component 1")
            ax.set_ylabel("Density")
        else:
            for label in classes:
                rows = values[labels == label]
                ax.scatter(rows[:, 0], rows[:, 1], s=6, alpha=0.6, linewidths=0,
                           label=short_label(label), rasterized=True)
            ax.set_xlabel("Component 1")
            ax.set_ylabel("Component 2")
        ax.set_title(title)
        ax.legend(title="class", fontsize=8, markerscale=2)
        return to_svg(fig, salt)


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
    rows, cols = _tick_positions(n_rows), _tick_positions(n_cols)
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



def precision_recall_figure(curve, *, name="", prevalence=None, title="", salt="dmflow"):
    """Precision against recall (``PrecisionRecallDisplay``), with the chance level.

    Parameters
    ----------
    curve : mapping
        ``{"precision": [...], "recall": [...], "average_precision": float}``.
    name : str, default=""
        Legend name of the curve.
    prevalence : float or None, default=None
        Share of positive rows: the precision of a random guess, drawn as a line.
    title : str, default=""
    salt : str, default="dmflow"

    Returns
    -------
    svg : str

    Examples
    --------
    >>> curve = {"precision": [0.5, 0.8, 1.0], "recall": [1.0, 0.6, 0.0], "average_precision": 0.81}
    >>> "rf (AP = 0.81)" in precision_recall_figure(curve, name="rf", prevalence=0.5)
    True
    """
    from sklearn.metrics import PrecisionRecallDisplay

    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(4.4, 3.9), layout="constrained")
        ax = fig.add_subplot()
        display = PrecisionRecallDisplay(
            precision=np.asarray(curve["precision"], dtype=float),
            recall=np.asarray(curve["recall"], dtype=float),
            average_precision=curve.get("average_precision"), name=short_label(name, 40) or None,
            prevalence_pos_label=prevalence,
        )
        display.plot(ax=ax, plot_chance_level=prevalence is not None, curve_kwargs={"linewidth": 1.6},
                     chance_level_kw={"color": "0.6", "linewidth": 1,
                                      "label": f"chance (AP = {prevalence or 0:.2f})"})
        _unit_axes(ax)
        ax.set_xlabel("Recall (true positive rate)")
        ax.set_ylabel("Precision")
        ax.set_title(title)
        ax.legend(loc="lower left", fontsize=8)
        return to_svg(fig, salt)


def calibration_figure(calibration, *, name="", title="", salt="dmflow"):
    """Observed share of positives per probability bin (``CalibrationDisplay``).

    Parameters
    ----------
    calibration : mapping
        ``{"prob_pred": [...], "prob_true": [...], "count": [...]}``: mean
        predicted probability, share of positive rows and rows per bin.
    name : str, default=""
    title : str, default=""
    salt : str, default="dmflow"

    Returns
    -------
    svg : str

    Examples
    --------
    >>> cal = {"prob_pred": [0.1, 0.5, 0.9], "prob_true": [0.2, 0.5, 0.8], "count": [5, 3, 4]}
    >>> "Perfectly calibrated" in calibration_figure(cal, name="rf")
    True
    """
    from sklearn.calibration import CalibrationDisplay

    prob_pred = np.asarray(calibration["prob_pred"], dtype=float)
    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(4.4, 3.9), layout="constrained")
        ax = fig.add_subplot()
        display = CalibrationDisplay(np.asarray(calibration["prob_true"], dtype=float), prob_pred,
                                     y_prob=prob_pred, estimator_name=short_label(name, 40) or None)
        display.plot(ax=ax, ref_line=True, linewidth=1.6, markersize=4)
        for x, y, count in zip(prob_pred, calibration["prob_true"], calibration.get("count", [])):
            ax.annotate(f"{int(count):,}", (x, y), textcoords="offset points", xytext=(0, 6),
                        ha="center", fontsize=6, color="0.35")
        _unit_axes(ax)
        ax.set_title(title)
        ax.legend(loc="upper left", fontsize=8)
        return to_svg(fig, salt)


_THRESHOLD_LINES = (("tpr", "TPR (recall)", "#2f6f9f"), ("fpr", "FPR", "#c0392b"),
                    ("precision", "precision", "#2f855a"), ("f1", "F1", "#b7791f"))


def threshold_figure(table, *, chosen=None, title="", salt="dmflow"):
    """TPR, FPR, precision and F1 against the decision threshold.

    Parameters
    ----------
    table : mapping
        ``threshold`` and, for each threshold, ``tpr``, ``fpr``, ``precision`` and
        ``f1`` (``None`` where undefined).
    chosen : float or None, default=None
        The threshold the model predicts at, marked with a vertical line.
    title : str, default=""
    salt : str, default="dmflow"

    Returns
    -------
    svg : str

    Examples
    --------
    >>> table = {"threshold": [0, 0.5, 1], "tpr": [1, 0.6, 0], "fpr": [1, 0.2, 0],
    ...          "precision": [0.3, 0.6, None], "f1": [0.46, 0.6, None]}
    >>> "threshold 0.50" in threshold_figure(table, chosen=0.5)
    True
    """
    thresholds = np.asarray(table["threshold"], dtype=float)
    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(4.8, 3.9), layout="constrained")
        ax = fig.add_subplot()
        for key, label, colour in _THRESHOLD_LINES:
            values = np.array([np.nan if v is None else v for v in table[key]], dtype=float)
            ax.plot(thresholds, values, linewidth=1.5, color=colour, label=label)
        if chosen is not None:
            ax.axvline(chosen, color="0.3", linestyle=":", linewidth=1.2,
                       label=f"threshold {chosen:.2f}")
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.01, 1.01)
        ax.set_xlabel("Threshold on the positive class's probability")
        ax.set_ylabel("Rate")
        ax.set_title(title)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
        return to_svg(fig, salt)


_MAX_IMPORTANCE_BARS = 20


def importance_figure(columns, *, scoring="roc_auc", title="", salt="dmflow"):
    """Horizontal bars: mean drop in score when a column is shuffled, +/- its std.

    Parameters
    ----------
    columns : sequence of mapping
        ``{"column", "mean", "std"}``, most important first; the first 20 are drawn.
    scoring : str, default="roc_auc"
        Name of the score whose drop is shown.
    title : str, default=""
    salt : str, default="dmflow"

    Returns
    -------
    svg : str

    Examples
    --------
    >>> cols = [{"column": "age", "mean": 0.1, "std": 0.01}, {"column": "x", "mean": 0.0, "std": 0.0}]
    >>> "Drop in roc_auc" in importance_figure(cols)
    True
    """
    shown = list(columns)[:_MAX_IMPORTANCE_BARS][::-1]  # barh draws bottom-up
    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(4.8, 1.0 + 0.24 * max(len(shown), 3)), layout="constrained")
        ax = fig.add_subplot()
        y = np.arange(len(shown))
        ax.barh(y, [c["mean"] for c in shown], xerr=[c["std"] for c in shown],
                color="#2f6f9f", error_kw={"ecolor": "0.35", "capsize": 2, "linewidth": 1})
        ax.set_yticks(y, [short_label(c["column"], 28) for c in shown])
        ax.axvline(0, color="0.6", linewidth=0.8)
        ax.set_xlabel(f"Drop in {scoring} when the column is shuffled")
        ax.set_title(title)
        return to_svg(fig, salt)


def cv_spread_figure(fold_scores, *, metric="score", title="", salt="dmflow"):
    """Each model's fold scores as points over a box, models sorted as given.

    Parameters
    ----------
    fold_scores : mapping of str to list of float
        Model name -> its score on each cross-validation fold (``None`` skipped).
    metric : str, default="score"
        The axis label.
    title : str, default=""
    salt : str, default="dmflow"

    Returns
    -------
    svg : str

    Examples
    --------
    >>> cv_spread_figure({"rf": [0.8, 0.82, 0.79], "logreg": [0.75, 0.8, 0.77]}).count("<svg")
    1
    """
    names = list(fold_scores)
    values = [[float(v) for v in fold_scores[name] if v is not None] for name in names]
    with mpl.rc_context(FIGURE_STYLE):
        fig = Figure(figsize=(5.6, 0.9 + 0.45 * len(names)), layout="constrained")
        ax = fig.add_subplot()
        positions = np.arange(len(names))[::-1]
        ax.boxplot([v or [np.nan] for v in values], positions=positions, orientation="horizontal",
                   widths=0.5, showfliers=False, medianprops={"color": "#2f6f9f"})
        for y, points in zip(positions, values):
            ax.plot(points, np.full(len(points), y), "o", color="#c0392b", markersize=3.5, alpha=0.8)
        ax.set_yticks(positions, [short_label(name) for name in names])
        ax.set_xlabel(short_label(metric, 40))
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
