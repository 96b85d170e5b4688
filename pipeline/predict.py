"""Predictions for raw rows from a saved model, checked against its manifest.

:func:`predict_file` reads a CSV/TSV/Parquet file in chunks of rows and writes the
predictions as it goes, so memory stays bounded whatever the file's size.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from .datasets import data_row, load_table_chunks, raise_text_in_numeric
from .errors import DataError
from .limits import name_some
from .rundir import owner_tag, remove_orphans

__all__ = ["model_input", "predict_file", "predict_frame", "read_chunks", "write_predictions"]

logger = logging.getLogger(__name__)

_SHOWN_VALUES = 5  # unseen categories named per column in a warning
SHOWN_ROWS = 5  #: rows named per column in the unseen-category warning
# Rows read, predicted and written at a time. At 31 columns a chunk and its
# prepared copies take tens of MB, and the per-chunk overhead of the model's
# steps is negligible next to their work on this many rows.
CHUNK_ROWS = 50_000


def predict_frame(estimator, manifest, frame):
    """Predict class and class probabilities for each row of ``frame``.

    Parameters
    ----------
    estimator : FittedModel
        What :func:`~pipeline.persistence.load_model` returns, or
        ``FittedModel(pipeline, manifest).fit()``: the pipeline with the manifest
        facts it predicts by (target, data kind, feature roles, threshold).
    manifest : None
        Unused: the model holds its manifest. (Earlier versions took a fitted
        pipeline and its manifest here.)
    frame : pandas.DataFrame
        Raw rows; may hold the target column (ignored), extra columns (ignored,
        with a warning), missing values, infinite values and unseen categories
        (with a warning).

    Returns
    -------
    pandas.DataFrame
        ``prediction`` (at the model's threshold) and one ``proba_<class>`` column
        per class, one row per input row, with the input's index.

    Raises
    ------
    DataError
        A feature column the model needs is missing, a numeric column holds text,
        or sequence rows do not have the model's number of steps.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from pipeline.persistence import FittedModel
    >>> X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0]})
    >>> fitted = LogisticRegression().fit(X, ["n", "n", "y", "y"])
    >>> manifest = {"metadata": {"target": "t", "roles": {"numeric": ["a"], "categorical": []}}}
    >>> rows = pd.DataFrame({"a": [3.0, 0.0], "t": ["y", "n"]})
    >>> predict_frame(FittedModel(fitted, manifest).fit(), None, rows)["prediction"].tolist()
    ['y', 'n']
    """
    # Duck-typed, not isinstance: the model module imports this one for model_input.
    if not (hasattr(estimator, "manifest_") and hasattr(estimator, "decide")):
        raise TypeError(
            f"predict_frame takes the model load_model returns; got {type(estimator).__name__}. "
            "Wrap a fitted pipeline as pipeline.persistence.FittedModel(pipeline, manifest).fit()."
        )
    model = estimator
    proba = model.predict_proba(frame)
    output = pd.DataFrame({"prediction": model.decide(proba)}, index=frame.index)
    for j, label in enumerate(model.classes_):
        output[f"proba_{label}"] = proba[:, j]
    return output


def model_input(estimator, manifest, frame):
    """Raw rows as a fitted pipeline's input: its columns, in its order, values checked.

    Parameters
    ----------
    estimator : fitted Pipeline
    manifest : dict
        As for :func:`predict_frame`.
    frame : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame or ndarray
        A table's feature columns, or a sequence kind's 3-D array of series.
    """
    metadata = manifest.get("metadata", {})
    if metadata.get("kind") == "sequence":
        return _sequence_input(frame, metadata)
    return _table_input(estimator, frame, metadata)


def _table_input(estimator, frame, metadata):
    roles = metadata.get("roles") or {}
    numeric, categorical = list(roles.get("numeric", [])), list(roles.get("categorical", []))
    needed = numeric + categorical + list(roles.get("dates", []))
    if not all(isinstance(c, str) for c in frame.columns):
        frame = frame.rename(columns=str)
    columns = list(frame.columns)
    missing = [c for c in needed if c not in columns]
    if missing:
        raise DataError(
            f"The data lacks column(s) the model was trained on: {name_some(missing)}. "
            "Add them (empty cells are fine: they are imputed)."
        )
    target = metadata.get("target")
    extra = [c for c in columns if c not in needed and c != target]
    if extra:
        logger.warning("Ignoring column(s) the model does not use: %s.", name_some(extra),
                       extra={"ignored": extra})
    # A selection, not a copy: the pipeline only reads it, and a column that needs
    # converting is replaced through assign, which leaves the caller's frame alone.
    X = frame if columns == needed else frame[needed]
    dtypes = X.dtypes  # once: a column looked up per check costs more than the check
    for column in numeric:
        if not pd.api.types.is_numeric_dtype(dtypes[column]):
            X = X.assign(**{column: _as_numbers(X[column], column)})
    _warn_unseen_categories(estimator, X, categorical)
    return X


def _as_numbers(values, column):
    if values.isna().all():
        return values.astype("float64")
    raise_text_in_numeric(values, column)
    return pd.to_numeric(values)


def _training_categories(estimator):
    """Column -> set of category strings seen in fit, when the model's steps show them."""
    steps = getattr(estimator, "named_steps", {})
    prepare = steps.get("prepare") if hasattr(steps, "get") else None
    found = {}
    for _, transformer, columns in getattr(prepare, "transformers_", []):
        encoder = None
        for step in getattr(transformer, "steps", [(None, transformer)]):
            if hasattr(step[1], "categories_"):
                encoder = step[1]
        if encoder is None or isinstance(columns, slice):
            continue
        for column, categories in zip(columns, encoder.categories_):
            found[str(column)] = {str(c) for c in categories}
    return found


def _warn_unseen_categories(estimator, X, categorical):
    known = _training_categories(estimator)
    for column in categorical:
        if column not in known:
            continue
        # The distinct values first: a handful even in a large chunk, so the check
        # costs little on one row (a warm single prediction) and on 50,000.
        values = X[column]
        unseen = [v for v in values.unique() if not pd.isna(v) and str(v) not in known[column]]
        if unseen:
            rows = X.index[values.isin(unseen).to_numpy()]
            found = _Unseen(column, len(rows), [str(v) for v in unseen[:_SHOWN_VALUES + 1]],
                            [data_row(label) for label in rows[:SHOWN_ROWS + 1]])
            logger.warning("%s", found, extra={"unseen": found})


def _some(items, shown):
    return ", ".join(items[:shown]) + (", ..." if len(items) > shown else "")


@dataclasses.dataclass
class _Unseen:
    """Rows of one column holding categories unseen in training, merged over chunks.

    ``values`` and ``rows`` keep one more than are shown, so the message knows
    whether to add "...".
    """

    column: str
    count: int
    values: list
    rows: list

    def merge(self, other):
        self.count += other.count
        self.values += [v for v in other.values if v not in self.values]
        self.values = self.values[:_SHOWN_VALUES + 1]
        self.rows = (self.rows + other.rows)[:SHOWN_ROWS + 1]

    def __str__(self):
        values = _some(list(map(repr, self.values)), _SHOWN_VALUES)
        rows = _some(list(map(str, self.rows)), SHOWN_ROWS)
        return (f"Column {self.column!r}: {self.count} row(s) hold categories unseen in training ({values}; "
                f"rows {rows}); they are encoded as unknown, which the model answers from its other columns.")


def _sequence_input(frame, metadata):
    from .sequences import frame_to_series

    target = metadata.get("target")
    X = frame.drop(columns=[c for c in frame.columns if str(c) == target])
    shape = (metadata.get("roles") or {}).get("sequence", {})
    n_steps, n_channels = shape.get("n_steps"), shape.get("n_channels", metadata.get("channels", 1))
    expected = None if n_steps is None else int(n_steps) * int(n_channels)
    if expected is not None and X.shape[1] != expected:
        raise DataError(
            f"The data has {X.shape[1]} value column(s), but the model reads series of {n_steps} steps x "
            f"{n_channels} channel(s) ({expected} columns). Pass one row per series with those columns "
            f"(and optionally the target {target!r})."
        )
    return frame_to_series(X, channels=int(n_channels))


def write_predictions(output, path, *, defuse_formulas=True):
    """Write predictions as CSV, atomically: the file appears complete or not at all.

    Parameters
    ----------
    output : pandas.DataFrame
        From :func:`predict_frame`.
    path : str or path-like
        The CSV to write; its folder is created when missing. An existing file
        is replaced only once the new one is complete.
    defuse_formulas : bool, default=True
        Prefix ``'`` to every text cell and header a spreadsheet would run as a
        formula (see :func:`write_csv_rows`).

    Returns
    -------
    pathlib.Path
    """
    with _output_stream(path) as stream:
        write_csv_rows(output, stream, defuse_formulas=defuse_formulas)
    return Path(path)


# OWASP's CSV-injection list also names tab and carriage return, which defusedcsv
# (3.0) leaves as they are; those two get their ``'`` here.
_UNGUARDED_STARTS = ("\t", "\r")
#: First characters that make a spreadsheet read a text cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", *_UNGUARDED_STARTS)
# defusedcsv also guards cells starting with these (DDE and some locales' formulas);
# a chunk holding one goes through its writer too, so every chunk is written alike.
_ALSO_GUARDED = ("|", "%")


def write_csv_rows(output, stream, *, header=True, defuse_formulas=True):
    """Write a frame's rows as CSV to an open text stream, formulas defused by default.

    With ``defuse_formulas``, every text cell and header starting with one of
    :data:`FORMULA_STARTS` (``= + - @``, a tab or a carriage return) gets a leading ``'``, so that a
    spreadsheet shows it as text instead of running it (CSV injection). The
    escaping is defusedcsv's; numbers, including negative ones, stay numbers, and
    so does text that is a plain number such as ``-1``.

    Parameters
    ----------
    output : pandas.DataFrame
    stream : text stream
    header : bool, default=True
        Write the column names first.
    defuse_formulas : bool, default=True
        False writes every cell as it is, as :meth:`pandas.DataFrame.to_csv` does.

    Examples
    --------
    >>> import io
    >>> stream = io.StringIO()
    >>> rows = pd.DataFrame({"id": ["=1+2", "-1", "a"], "proba_yes": [-0.5, 0.25, 1.0]})
    >>> write_csv_rows(rows, stream)
    >>> stream.getvalue().splitlines()
    ['id,proba_yes', "'=1+2,-0.5", '-1,0.25', 'a,1.0']
    """
    if not defuse_formulas:
        output.to_csv(stream, index=False, header=header)
        return
    # RFC 4180's line ending, unlike pandas' "\n": with it a cell holding a lone carriage
    # return is quoted, instead of splitting its row in two.
    if not _starts_a_formula(output, header):
        # Nothing to defuse: pandas writes the same text about 1.5x as fast as the
        # Python-level writer (a chunk of 50,000 rows x 4 columns, median of 9 on a
        # loaded 2-core machine: 0.31 s, the writer 0.52 s).
        output.to_csv(stream, index=False, header=header, lineterminator="\r\n")
        return
    from defusedcsv import csv as defused_csv

    writer = defused_csv.writer(stream, lineterminator="\r\n")
    if header:
        writer.writerow(_guard_text(output.columns.astype(str).to_numpy(dtype=object),
                                    np.zeros(output.shape[1], dtype=bool)))
    columns = [_cells(output.iloc[:, j]) for j in range(output.shape[1])]
    writer.writerows(zip(*columns))


def _starts_a_formula(output, header):
    """Whether any text cell (or, with ``header``, column name) starts with a formula character."""
    starts = FORMULA_STARTS + _ALSO_GUARDED
    if header and output.columns.astype(str).str.startswith(starts).any():
        return True
    for j in range(output.shape[1]):
        column = output.iloc[:, j]
        if not pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_object_dtype(column.dtype):
            if column.dropna().astype(str).str.startswith(starts).any():
                return True
    return False


def _cells(column):
    """A column's cells for the CSV writer: numbers as numpy scalars (written as pandas
    writes them), text guarded, a missing cell as None (an empty cell)."""
    missing = column.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_object_dtype(column.dtype):
        # numpy scalars keep their own width (a float32 is written with float32 digits);
        # a nullable integer column gives Python ints, not floats
        values = column.to_numpy() if isinstance(column.dtype, np.dtype) else column.to_numpy(dtype=object)
        return [None if gap else value for value, gap in zip(values, missing)] if missing.any() else values
    return _guard_text(column.to_numpy(dtype=object), missing)


def _guard_text(values, missing):
    cells = []
    for value, gap in zip(values, missing):
        if gap:
            cells.append(None)
        elif isinstance(value, str) and value.startswith(_UNGUARDED_STARTS):
            cells.append("'" + value)
        else:
            cells.append(value)  # defusedcsv's writer guards the rest and leaves numbers alone
    return cells


def read_chunks(path, chunk_rows=None, limits=None):
    """Yield the rows of a CSV, TSV (optionally compressed) or Parquet file in chunks.

    :func:`pipeline.datasets.load_table_chunks` with this module's chunk size:
    the same files, checks and messages as :func:`pipeline.datasets.load_table`.

    Parameters
    ----------
    path : str or path-like
    chunk_rows : int, optional
        Rows per chunk; default :data:`CHUNK_ROWS`.
    limits : InputLimits, optional
        Caps on the columns, line length and decompressed size, checked as the
        file is read; default :class:`~pipeline.limits.InputLimits`'s defaults.

    Yields
    ------
    pandas.DataFrame
        Indexed by data row from 0 across the whole file.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> pd.DataFrame({"a": range(5)}).to_csv(f"{folder}/rows.csv", index=False)
    >>> [chunk.index.tolist() for chunk in read_chunks(f"{folder}/rows.csv", chunk_rows=2)]
    [[0, 1], [2, 3], [4]]
    """
    return load_table_chunks(path, chunk_rows or CHUNK_ROWS, limits=limits)


class _ChunkWarnings(logging.Filter):
    """Hold back the warnings of every chunk, and summarise them once at the end.

    A file is predicted a chunk at a time, and each chunk would repeat the
    ignored columns and name only its own unseen categories; this counts the
    unseen categories of every chunk, and drops the columns kept in the output
    from the ignored ones.
    """

    def __init__(self, keep):
        super().__init__()
        self.keep = set(keep)
        self.ignored = None
        self.unseen = {}

    def filter(self, record):
        if hasattr(record, "unseen"):
            found = record.unseen
            if found.column in self.unseen:
                self.unseen[found.column].merge(found)
            else:
                self.unseen[found.column] = dataclasses.replace(found, values=list(found.values),
                                                                rows=list(found.rows))
            return False
        if hasattr(record, "ignored"):
            self.ignored = record.ignored  # the same columns in every chunk
            return False
        return True

    def report(self):
        ignored = [c for c in self.ignored or () if c not in self.keep]
        if ignored:
            logger.warning("Ignoring column(s) the model does not use: %s.", name_some(ignored))
        for found in self.unseen.values():
            logger.warning("%s", found)


@contextlib.contextmanager
def summarised_warnings(keep, report=True):
    """Hold back the row warnings of the chunks predicted inside; give them once at the end.

    Columns in ``keep`` are not called unused. With ``report=False`` the warnings
    are dropped (rows predicted only to learn the output's shape).
    """
    summary = _ChunkWarnings(keep)
    logger.addFilter(summary)
    try:
        yield
    finally:
        logger.removeFilter(summary)
    if report:
        summary.report()  # only once every chunk is predicted: an error ends the run without it


def kept_columns(chunk, keep):
    missing = [column for column in keep if column not in map(str, chunk.columns)]
    if missing:
        raise DataError(
            f"--keep names column(s) the data does not have: {name_some(map(repr, missing))}. "
            f"Its columns: {name_some(chunk.columns)}."
        )
    return chunk.rename(columns=str)[list(keep)]


def check_keep(estimator, keep):
    """Refuse ``keep`` columns named like the output's own columns."""
    clash = sorted({"prediction", *(f"proba_{c}" for c in estimator.classes_)} & set(keep))
    if clash:
        raise DataError(f"--keep column(s) {', '.join(map(repr, clash))} clash with the output's own "
                        "columns; rename them in the data first.")


def predict_file(estimator, manifest, data, out=None, *, keep=(), chunk_rows=None, defuse_formulas=True,
                 limits=None):
    """Predict every row of a data file, a chunk at a time, and write the predictions.

    Warnings about the rows (columns the model does not use, categories unseen in
    training) are gathered over every chunk and logged once, after the last one:
    per column, the count of rows and the first values and rows (numbered from 1,
    the header not counted). Columns in ``keep`` are not called unused.

    Parameters
    ----------
    estimator : FittedModel
        As for :func:`predict_frame`.
    manifest : None
        As for :func:`predict_frame`.
    data : str or path-like
        CSV/TSV/Parquet rows to score.
    out : str or path-like, optional
        The CSV to write. It appears only complete: the rows go to a temporary file
        beside it, renamed into place once every chunk is predicted, so a bad row
        in a late chunk leaves no partial file. None writes to standard output.
    keep : sequence of str, default=()
        Input columns (an identifier, for example) copied into the output, before
        the predictions.
    chunk_rows : int, optional
        Rows per chunk; default :data:`CHUNK_ROWS`.
    defuse_formulas : bool, default=True
        Prefix ``'`` to text cells and headers that a spreadsheet would run as
        formulas (see :func:`write_csv_rows`).
    limits : InputLimits, optional
        Caps on the input file (see :func:`read_chunks`).

    Returns
    -------
    n_rows : int
        Rows predicted.

    Raises
    ------
    DataError
        A bad file, a bad row (named by its position in the file), or a ``keep``
        column the data does not have.
    FileExistsError
        ``out`` is ``data`` itself (the same path, a link to it, or a hard link):
        nothing is read or written.
    """
    _refuse_writing_over_input(data, out)
    keep = list(keep)
    check_keep(estimator, keep)
    with summarised_warnings(keep), _output_stream(out) as stream:
        n_rows = 0
        for output in predicted_chunks(estimator, data, keep, chunk_rows, limits):
            write_csv_rows(output, stream, header=n_rows == 0, defuse_formulas=defuse_formulas)
            n_rows += len(output)
    return n_rows


def predicted_chunks(model, data, keep=(), chunk_rows=None, limits=None):
    """Yield the predictions of ``data`` a chunk at a time, the ``keep`` columns first.

    The one loop behind local and partitioned scoring (``predict_file`` and
    :mod:`pipeline.flow.predict_dask`).
    """
    for chunk in read_chunks(data, chunk_rows, limits):
        output = predict_frame(model, None, chunk)
        yield pd.concat([kept_columns(chunk, keep), output], axis=1) if keep else output


def _refuse_writing_over_input(data, out):
    """Refuse an output that is the input file: it would be replaced by its own predictions."""
    if out is None or not Path(out).exists() or not Path(data).exists():
        return
    data, out = Path(data), Path(out)
    if data.resolve() == out.resolve() or os.path.samefile(data, out):
        raise FileExistsError(
            f"--out {str(out)!r} is the input file --data {str(data)!r} (the same file under another name "
            "or link), and writing it would replace the rows being read. Pass another --out path."
        )


@contextlib.contextmanager
def _output_stream(out):
    if out is None:
        yield sys.stdout
        return
    path = _output_path(out)
    remove_orphans(path.parent, f".{path.name}.p*.partial")  # left by a killed predict
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}.{owner_tag()}", suffix=".partial",
                                       dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            yield stream
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise


def _output_path(out):
    path = Path(out)
    if path.is_dir():
        raise IsADirectoryError(f"Predictions path {str(path)!r} is a folder; pass a file name such as "
                                f"{str(path / 'predictions.csv')!r}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
