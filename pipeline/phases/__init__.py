"""Phases of the flow before the models: outliers, prepare, balance, reduce, split.

The searchable ones (outliers, balance, reduce) are declared once in :data:`PHASES`.
Tables get per-column steps (:func:`build_phase_steps`); series of shape
(n_series, n_steps, n_channels) get per-channel ones (:func:`build_sequence_steps`).

Every fitted step learns from the training rows only; the samplers (outlier removal,
SMOTE) act while fitting an :class:`imblearn.pipeline.Pipeline` and never at predict.
"""

from ._balance import BALANCE_METHODS, Balancer
from ._dates import DATE_PARTS, DateParts, parse_dates
from ._outliers import OUTLIER_METHODS, ZScoreClipper, ZScoreOutlierRemover
from ._prepare import make_prepare, prepare_summary
from ._reduce import REDUCE_METHODS, Reducer
from ._sequence import (
    SEQUENCE_BALANCE_METHODS,
    Flatten,
    SequenceBalancer,
    SequenceScaler,
    as_series,
    build_sequence_steps,
    sequence_phase_report,
)
from ._split import train_val_test_split
from ._steps import build_phase_steps, phase_report
from ._table import PHASE_NAMES, PHASES, Phase, phase_named

__all__ = [
    "BALANCE_METHODS",
    "Balancer",
    "DATE_PARTS",
    "DateParts",
    "Flatten",
    "OUTLIER_METHODS",
    "PHASES",
    "PHASE_NAMES",
    "Phase",
    "REDUCE_METHODS",
    "SEQUENCE_BALANCE_METHODS",
    "Reducer",
    "SequenceBalancer",
    "SequenceScaler",
    "ZScoreClipper",
    "ZScoreOutlierRemover",
    "as_series",
    "build_phase_steps",
    "build_sequence_steps",
    "make_prepare",
    "parse_dates",
    "phase_named",
    "phase_report",
    "prepare_summary",
    "sequence_phase_report",
    "train_val_test_split",
]
