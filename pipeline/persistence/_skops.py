"""Importing :mod:`skops.io` without the array libraries it never needs (torch, dask, CuPy).

On import, skops lists scikit-learn's estimators with
:func:`sklearn.utils.all_estimators`, which walks scikit-learn with
:func:`pkgutil.walk_packages`. That walk imports every *package* it passes, the
vendored ``sklearn.externals.array_api_compat.torch`` (and ``.dask``, ``.cupy``)
among them, although ``all_estimators`` then skips ``externals``; and those
packages import torch, dask.array or CuPy. Under ``python -X importtime``, torch
imported this way was the largest part of a cold ``load_model`` of a logistic
regression. While skops is imported,
the adapters of array libraries not yet loaded are marked unavailable, so the walk
skips them; once it is done the marks are removed, and array-API code that later
wants one imports it as usual.
"""

from __future__ import annotations

import importlib.util
import pkgutil
import sys

__all__ = ["import_skops_io"]

_ADAPTERS = "sklearn.externals.array_api_compat"


def _unloaded_adapters():
    """The array-library adapter packages of ``array_api_compat`` not imported yet."""
    spec = importlib.util.find_spec(_ADAPTERS)  # imports only sklearn and sklearn.externals
    if spec is None or not spec.submodule_search_locations:
        return []
    names = (f"{_ADAPTERS}.{info.name}" for info in pkgutil.iter_modules(spec.submodule_search_locations)
             if info.ispkg and info.name != "common")
    return [name for name in names if name not in sys.modules]


def import_skops_io():
    """Return :mod:`skops.io`, imported without torch, dask.array or CuPy.

    Returns
    -------
    module

    Examples
    --------
    >>> import_skops_io().__name__
    'skops.io'
    """
    if "skops.io" in sys.modules:
        return sys.modules["skops.io"]
    blocked = _unloaded_adapters()
    for name in blocked:
        sys.modules[name] = None  # an import of it raises ImportError, which the walk skips
    try:
        import skops.io
    finally:
        for name in blocked:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]
    return skops.io
