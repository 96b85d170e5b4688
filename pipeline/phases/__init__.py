"""Phases of the flow before the models: outliers, prepare, balance, reduce, split.

Every fitted step learns from the training rows only; the samplers (outlier removal,
SMOTE) act while fitting an :class:`imblearn.pipeline.Pipeline` and never at predict.
"""

from ._balance import Balancer
from ._outliers import ZScoreClipper, ZScoreOutlierRemover
from ._prepare import make_prepare, prepare_summary
from ._reduce import Reducer
from ._split import train_val_test_split
from ._steps import build_phase_steps, phase_report

__all__ = [
    "Balancer",
    "Reducer",
    "ZScoreClipper",
    "ZScoreOutlierRemover",
    "build_phase_steps",
    "make_prepare",
    "phase_report",
    "prepare_summary",
    "train_val_test_split",
]
