"""Evaluation: confusion-matrix rates, F1, ROC/AUC, curves, decision threshold, importance, CAMs.

This package assesses fitted models; choosing them is :mod:`pipeline.selection`'s part.
"""

from ..lazy import lazy_exports

# Imported on first use: see :mod:`pipeline.lazy`.
_EXPORTS = {
    "DEFAULT_THRESHOLD": "_decision",
    "article_proba": "_protocol",
    "article_test_split": "_protocol",
    "binary_curves": "_curves",
    "check_threshold": "_decision",
    "choose_threshold": "_decision",
    "class_activation_examples": "_activation",
    "classification_metrics": "_metrics",
    "column_importance": "_importance",
    "decide": "_decision",
    "diagnose_models": "_diagnostics",
    "f1_optimal_threshold": "_curves",
    "model_diagnostics": "_diagnostics",
    "rates_table": "_metrics",
    "refitted_steps": "_protocol",
    "threshold_table": "_curves",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
