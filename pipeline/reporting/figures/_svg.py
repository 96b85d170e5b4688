"""How every report figure is styled and turned into an inline SVG string."""

from __future__ import annotations

import io
import math
import re

import matplotlib as mpl

__all__ = ["FIGURE_STYLE", "short_label", "tick_positions", "to_svg", "unit_axes"]


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



def tick_positions(n, max_ticks=24):
    step = max(1, math.ceil(n / max_ticks))
    return list(range(0, n, step))


def unit_axes(ax):
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_aspect("equal")

