"""Evaluation: confusion-matrix rates, F1, ROC/AUC, curves, decision threshold, importance, CAMs."""

from ._activation import class_activation_examples
from ._backends import BACKENDS
from ._curves import binary_curves, f1_optimal_threshold, threshold_table
from ._decision import DEFAULT_THRESHOLD, choose_threshold, decide
from ._diagnostics import model_diagnostics
from ._importance import column_importance
from ._metrics import classification_metrics, rates_table
from ._scoring import METRIC_LABELS

__all__ = ["BACKENDS", "DEFAULT_THRESHOLD", "METRIC_LABELS", "binary_curves", "choose_threshold",
           "class_activation_examples", "classification_metrics", "column_importance", "decide",
           "f1_optimal_threshold", "model_diagnostics", "rates_table", "threshold_table"]
