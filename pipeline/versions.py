"""Versions of the packages a run depends on, for reports and model manifests."""

import platform
from importlib import metadata

__all__ = ["package_versions"]

_PACKAGES = ("dmflow", "numpy", "pandas", "scikit-learn", "imbalanced-learn", "torch", "joblib", "matplotlib")


def package_versions():
    """Return ``{package: version}`` for Python and the packages a run uses.

    Examples
    --------
    >>> sorted(package_versions())[:3]
    ['dmflow', 'imbalanced-learn', 'joblib']
    """
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions
