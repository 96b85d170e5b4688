"""Versions of the packages a run depends on, for reports and model manifests."""

import platform
from importlib import metadata

__all__ = ["package_versions"]

_PACKAGES = ("numpy", "pandas", "scikit-learn", "imbalanced-learn", "torch", "joblib", "matplotlib")


def package_versions():
    """Return ``{package: version}`` for Python, dmflow and the packages a run uses.

    Examples
    --------
    >>> sorted(package_versions())[:3]
    ['dmflow', 'imbalanced-learn', 'joblib']
    """
    from . import __version__  # also right in a source checkout that was never installed

    versions = {"python": platform.python_version(), "dmflow": __version__}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions
