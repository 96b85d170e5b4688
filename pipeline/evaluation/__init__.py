"""Evaluation: confusion-matrix rates, F1, ROC/AUC."""

from ._metrics import classification_metrics, rates_table

__all__ = ["classification_metrics", "rates_table"]
