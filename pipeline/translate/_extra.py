"""The translator's optional packages: the ``translate`` extra, and the message when it is missing.

The classification flow never imports them, so ``pip install dmflow`` leaves them
out; the translator's commands and public names check for them first and say how
to install them instead of failing deep inside an import.
"""

from __future__ import annotations

from importlib import import_module

from ..errors import ConfigError

__all__ = ["EXTRA", "PACKAGES", "missing_message", "missing_packages", "require_packages"]

#: The extra that installs the translator's packages: ``pip install 'dmflow[translate]'``.
EXTRA = "translate"
#: The packages of :data:`EXTRA` (the same list as in pyproject.toml), by import name.
PACKAGES = ("tokenizers", "sacrebleu")


def missing_packages():
    """The names of :data:`PACKAGES` that cannot be imported, in their order.

    Examples
    --------
    >>> missing_packages()
    []
    """
    missing = []
    for name in PACKAGES:
        try:
            import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def missing_message(missing):
    """What is missing and the install command that adds it."""
    them = "it" if len(missing) == 1 else "them"
    return (f"The translator needs {' and '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} "
            f"not installed. Install {them} with pip install 'dmflow[{EXTRA}]'.")


def require_packages():
    """Raise :class:`~pipeline.errors.ConfigError` naming the extra when a package is missing.

    Raises
    ------
    ConfigError
        Naming the missing packages and ``pip install 'dmflow[translate]'``; the
        command line exits with code 78 before anything is written.
    """
    missing = missing_packages()
    if missing:
        raise ConfigError(missing_message(missing))
