"""Versions of the packages a run depends on, for reports and model manifests."""

import platform
from importlib import metadata

__all__ = ["package_versions"]

_PACKAGES = ("numpy", "pandas", "scikit-learn", "imbalanced-learn", "torch", "joblib", "matplotlib")


def package_versions(extra=()):
    """Return ``{package: version}`` for Python, dmflow and the packages a run uses.

    Parameters
    ----------
    extra : sequence of str, default=()
        Further distributions to report (``None`` when not installed).

    Examples
    --------
    >>> sorted(package_versions())[:3]
    ['dmflow', 'imbalanced-learn', 'joblib']
    >>> package_versions(["no-such-package-here"])["no-such-package-here"] is None
    True
    """
    from . import __version__  # also right in a source checkout that was never installed

    versions = {"python": platform.python_version(), "dmflow": __version__}
    for name in (*_PACKAGES, *extra):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions
