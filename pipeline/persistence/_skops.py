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

:func:`renamed_types` lets a skops file saved before one of this package's
classes moved name the class where it lives now.
"""

from __future__ import annotations

import importlib.util
import io
import json
import pkgutil
import sys
import zipfile

__all__ = ["import_skops_io", "renamed_types"]

_ADAPTERS = "sklearn.externals.array_api_compat"
# The member of a skops zip that names every stored object's type.
_SCHEMA = "schema.json"


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


def _rename(node, renamed):
    """Rename, in place, the types of ``node`` and its children; True if any was renamed."""
    if isinstance(node, list):
        children, changed = node, False
    elif isinstance(node, dict):
        new = renamed.get(f"{node.get('__module__')}.{node.get('__class__')}")
        if new is not None:
            node["__module__"], node["__class__"] = new.rsplit(".", 1)
        children, changed = list(node.values()), new is not None
    else:
        return False
    for child in children:
        changed = _rename(child, renamed) or changed  # every child is visited
    return changed


def renamed_types(data, renamed):
    """Return skops ``data`` with every type stored under an old name given its new one.

    skops stores each object's type as a module path and imports it from there when
    loading, so a class that moved to another module could not be found in a file
    saved before the move. The rename happens on the bytes in memory, after the
    folder's digests were checked; the file on disk is left as it is.

    Parameters
    ----------
    data : bytes
        A skops file.
    renamed : dict of str to str
        Old ``module.Class`` -> new ``module.Class``.

    Returns
    -------
    bytes
        ``data`` itself when it names no old type, else a copy naming the new ones.

    Examples
    --------
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> skops_io = import_skops_io()
    >>> data = skops_io.dumps(FunctionTransformer(func=len))
    >>> renamed_types(data, {"json.dumps": "json.loads"}) is data
    True
    >>> data = renamed_types(data, {"builtins.len": "math.sqrt"})
    >>> skops_io.loads(data, trusted=["math.sqrt"]).func.__name__
    'sqrt'
    """
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        text = source.read(_SCHEMA).decode("utf-8")
        # Parsing a large forest's schema takes a tenth of its load time: only a
        # schema that mentions an old module at all is parsed.
        if not any(json.dumps(old.rsplit(".", 1)[0]) in text for old in renamed):
            return data
        schema = json.loads(text)
        if not _rename(schema, renamed):
            return data
        copy = io.BytesIO()
        with zipfile.ZipFile(copy, "w") as target:
            for info in source.infolist():  # the same members, in order, each compressed as before
                content = json.dumps(schema) if info.filename == _SCHEMA else source.read(info)
                target.writestr(info, content)
    return copy.getvalue()
