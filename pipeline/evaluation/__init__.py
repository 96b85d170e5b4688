"""Evaluation: confusion-matrix rates, F1, ROC/AUC, curves, decision threshold, importance, CAMs."""

from ..lazy import lazy_exports

# Imported on first use: see :mod:`pipeline.lazy`.
_EXPORTS = {
    "BACKENDS": "_backends",
    "DEFAULT_THRESHOLD": "_decision",
    "METRIC_LABELS": "_scoring",
    "binary_curves": "_curves",
    "check_threshold": "_decision",
    "choose_threshold": "_decision",
    "class_activation_examples": "_activation",
    "classification_metrics": "_metrics",
    "cluster": "_backends",
    "column_importance": "_importance",
    "decide": "_decision",
    "diagnose_models": "_diagnostics",
    "f1_optimal_threshold": "_curves",
    "model_diagnostics": "_diagnostics",
    "rank_roc_auc": "_scoring",
    "rates_table": "_metrics",
    "start_workers": "_backends",
    "threshold_table": "_curves",
    "workers_die_with_parent": "_backends",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
