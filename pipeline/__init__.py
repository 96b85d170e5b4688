"""dmflow: a six-phase data-mining flow from a labelled table to a chosen model and a report.

The importable package is ``pipeline``; the distribution and command are ``dmflow``.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
