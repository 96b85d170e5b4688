"""The run record: what a run found, typed and versioned, written as ``metrics.json``.

:class:`RunRecord` holds the run (:class:`RunInfo`), the data
(:class:`DatasetInfo`), the phases (:class:`Phases`), how selection ran
(:class:`SelectionInfo`) and every model (:class:`ModelRecord`, with its
:class:`CrossValidation`, :class:`Threshold`, :class:`Scores`, :class:`Curves`,
:class:`Importance` and :class:`Activation`). The stages
of a run build it; the report, the comparison page, re-rendering and MLflow
tracking read it. ``to_json`` / ``from_json`` round-trip it exactly, and
:func:`load_record` reads a run folder's file, upgrading one written before the
record had a ``format_version``.

Examples
--------
>>> from pipeline.record import FORMAT_VERSION, RunRecord, Scores
>>> record = RunRecord.from_dict({"models": {"rf": {"test": {"roc_auc": 0.9}}}, "best_model": "rf"})
>>> record.format_version == FORMAT_VERSION, isinstance(record.models["rf"].test, Scores)
(True, True)
"""

from ._part import Part
from ._run import FORMAT_VERSION, RECORD_FILE, RunRecord, load_record
from ._types import (
    Activation,
    CrossValidation,
    Curves,
    DatasetInfo,
    DataSource,
    Importance,
    ModelRecord,
    Phase,
    Phases,
    Reduction,
    RunInfo,
    Scores,
    SelectionInfo,
    Skipped,
    SplitCounts,
    Threshold,
    Trial,
)

__all__ = ["FORMAT_VERSION", "RECORD_FILE", "Activation", "CrossValidation", "Curves", "DataSource",
           "DatasetInfo", "Importance", "ModelRecord", "Part", "Phase", "Phases", "Reduction", "RunInfo",
           "RunRecord", "Scores", "SelectionInfo", "Skipped", "SplitCounts", "Threshold", "Trial",
           "load_record"]
