"""Public names of a package imported on first use (PEP 562).

torch, matplotlib and the translator each take seconds to import. A package that
re-exports its submodules' names eagerly makes every command pay for all of them
(``dmflow --help``, ``dmflow predict`` of a forest); with lazy exports a command
imports only what it touches.
"""

from __future__ import annotations

from importlib import import_module

__all__ = ["lazy_exports"]


def lazy_exports(package, exports):
    """Module-level ``__getattr__``, ``__dir__`` and ``__all__`` for a package.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : dict
        Public name -> submodule, relative to the package (``"_cnn"``).

    Returns
    -------
    getattr_, dir_ : callable
        Assign them to the package's ``__getattr__`` and ``__dir__``.
    all_ : list of str
        The sorted public names, for ``__all__``.

    Examples
    --------
    >>> getattr_, dir_, all_ = lazy_exports("json", {"JSONDecoder": "decoder"})
    >>> all_
    ['JSONDecoder']
    >>> getattr_("JSONDecoder").__module__
    'json.decoder'
    """

    def getattr_(name):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f".{exports[name]}", package), name)
        module = import_module(package)
        setattr(module, name, value)  # later look-ups skip this hook
        return value

    def dir_():
        return sorted(set(vars(import_module(package))) | set(exports))

    return getattr_, dir_, sorted(exports)
