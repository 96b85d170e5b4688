"""The report's figure functions, named here and imported where a figure is drawn.

The figures of a run's report are drawn on its worker processes when it has them
(:class:`~._html._FigureMaker`); the process writing the page then needs only
their SVG text, not matplotlib, whose import cost it half a second.
"""

from __future__ import annotations

import importlib

__all__ = ["draw"]


class FigureFunction:
    """A function of :mod:`pipeline.reporting.figures`, imported when first called.

    Pickled by name, so a worker imports the figures module itself.

    Examples
    --------
    >>> FigureFunction("roc_figure")
    FigureFunction('roc_figure')
    """

    def __init__(self, name):
        self.name = name

    def __call__(self, *args, **kwargs):
        figures = importlib.import_module("pipeline.reporting.figures")
        return getattr(figures, self.name)(*args, **kwargs)

    def __repr__(self):
        return f"FigureFunction({self.name!r})"


class _Figures:
    """Attribute access gives a :class:`FigureFunction` of that name."""

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return FigureFunction(name)


#: ``draw.roc_figure(...)`` draws as ``figures.roc_figure(...)`` would.
draw = _Figures()
