"""The whole run record, its format version, and reading and writing ``metrics.json``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from ._part import Part, part, parts
from ._types import DatasetInfo, ModelRecord, Phases, RunInfo, SelectionInfo

__all__ = ["FORMAT_VERSION", "RECORD_FILE", "RunRecord", "load_record"]

#: The version of the record's layout, written as ``format_version``; raise it
#: (and add an upgrade below) whenever a key changes meaning or place.
FORMAT_VERSION = 1
#: The run folder's file of the record.
RECORD_FILE = "metrics.json"
# Files written before the record had a version carry no ``format_version``.
_UNVERSIONED = 0


def _from_unversioned(data):
    """Version 0 -> 1: the layout is the same; only the version is new."""
    return {"format_version": 1, **data}


# Version n -> the function that turns a version-n object into a version n+1 one.
_UPGRADES = {0: _from_unversioned}


@dataclass(eq=False, repr=False)  # equality and repr: see Part
class RunRecord(Part):
    """What a run found, as ``metrics.json`` holds it: the run, the data, the phases, selection, every model.

    Read it by attribute (``record.models["rf"].test.roc_auc``); it also reads
    as the parsed JSON does (``record["models"]["rf"]["test"]["roc_auc"]``).

    Attributes
    ----------
    format_version : int
        The layout's version, :data:`FORMAT_VERSION` for a record made by this code.
    run : RunInfo
    dataset : DatasetInfo
    phases : Phases
    selection : SelectionInfo
    models : dict of str to ModelRecord
    best_model : str
        The model cross-validation picked (possibly ``ensemble``).
    notes : list of str
        The warnings the run gave.

    Examples
    --------
    >>> from pipeline.record import ModelRecord, Scores, Threshold
    >>> record = RunRecord(models={"rf": ModelRecord(threshold=Threshold(0.5, "default"),
    ...                                              test=Scores(roc_auc=0.91))}, best_model="rf")
    >>> record.models["rf"].test.roc_auc, record["models"]["rf"]["threshold"]["source"]
    (0.91, 'default')
    >>> RunRecord.from_json(record.to_json()) == record
    True
    >>> RunRecord.from_dict({"best_model": "rf", "models": {}}).format_version  # an old file
    1
    """

    format_version: int = FORMAT_VERSION
    run: RunInfo | None = part(RunInfo)
    dataset: DatasetInfo | None = part(DatasetInfo)
    phases: Phases | None = part(Phases)
    selection: SelectionInfo | None = part(SelectionInfo)
    models: dict[str, ModelRecord] | None = parts(ModelRecord)
    best_model: str | None = None
    notes: list | None = None

    @classmethod
    def from_dict(cls, data, *, where=None):
        """The record of a parsed ``metrics.json``, upgraded from an older format version.

        Parameters
        ----------
        data : mapping
        where : str, optional
            The file it came from, for messages.

        Raises
        ------
        DataError
            When the version is newer than this code reads, or not a version at all.
        """
        if data is None or isinstance(data, cls):
            return data
        where = where or "The run record"
        if isinstance(data, dict):
            data = _upgraded(data, where)
        try:
            return super().from_dict(data)
        except DataError as err:
            raise DataError(f"In {where}, {err}") from None

    def to_json(self):
        """The record as the text of ``metrics.json``."""
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text, *, where=None):
        """The record of a ``metrics.json`` text (see :meth:`from_dict`)."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise DataError(f"{where or 'The run record'} is not valid JSON ({err}); "
                            "rerun the run to write it again.") from None
        if not isinstance(data, dict):
            raise DataError(f"{where or 'The run record'} must hold a JSON object, but holds "
                            f"{type(data).__name__}; rerun the run to write it again.")
        return cls.from_dict(data, where=where)

    def save(self, folder):
        """Write the record to ``folder/metrics.json``; returns the path."""
        path = Path(folder) / RECORD_FILE
        path.write_text(self.to_json(), encoding="utf-8")
        return path


def _upgraded(data, where):
    version = data.get("format_version", _UNVERSIONED)
    if isinstance(version, bool) or not isinstance(version, int) or version < _UNVERSIONED:
        raise DataError(f"{where} has format_version {version!r}, which is not a version number; "
                        "rerun the run to write the record again.")
    if version > FORMAT_VERSION:
        raise DataError(
            f"{where} has format_version {version}, but this dmflow reads versions up to "
            f"{FORMAT_VERSION}: a newer dmflow wrote it. Upgrade dmflow (pip install -U dmflow) "
            "to read it, or rerun the run with this version."
        )
    while version < FORMAT_VERSION:
        data, version = _UPGRADES[version](data), version + 1
    return data


def load_record(folder):
    """Read a run folder's ``metrics.json`` (or that file itself) into a :class:`RunRecord`.

    Files written before the record had a version load too, upgraded.

    Raises
    ------
    DataError
        Naming the folder or file: no record there, not JSON, or a newer version.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "metrics.json").write_text('{"best_model": "rf", "models": {}}')
    >>> load_record(folder).best_model
    'rf'
    """
    path = Path(folder)
    if path.is_dir():
        path = path / RECORD_FILE
    if not path.is_file():
        raise DataError(
            f"{str(folder)!r} holds no {RECORD_FILE}, so it is not a finished run folder. "
            "Pass a folder that `dmflow run` printed."
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise DataError(f"{str(path)!r} is not valid JSON ({err}); rerun the run to rewrite it.") from None
    return RunRecord.from_json(text, where=repr(str(path)))
