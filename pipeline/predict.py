"""Predictions for raw rows from a saved model, checked against its manifest.

:func:`predict_file` reads a CSV/TSV/Parquet file in chunks of rows and writes the
predictions as it goes, so memory stays bounded whatever the file's size.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd

from .datasets import _check_shape, _raise_text_in_numeric, load_table
from .errors import DataError

__all__ = ["model_input", "predict_file", "predict_frame", "read_chunks", "write_predictions"]

logger = logging.getLogger(__name__)

_SHOWN_VALUES = 5  # unseen categories named per column in a warning
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
    needed = numeric + categorical
    columns = [str(c) for c in frame.columns]
    missing = [c for c in needed if c not in columns]
    if missing:
        raise DataError(
            f"The data lacks column(s) the model was trained on: {', '.join(missing)}. "
            "Add them (empty cells are fine: they are imputed)."
        )
    target = metadata.get("target")
    extra = [c for c in columns if c not in needed and c != target]
    if extra:
        logger.warning("Ignoring column(s) the model does not use: %s.", ", ".join(extra))
    X = frame.rename(columns=str)[needed].copy()
    for column in numeric:
        if not pd.api.types.is_numeric_dtype(X[column]):
            if X[column].isna().all():
                X[column] = X[column].astype("float64")
                continue
            _raise_text_in_numeric(X[column], column)
            X[column] = pd.to_numeric(X[column])
    _warn_unseen_categories(estimator, X, categorical)
    return X


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
        values = X[column].dropna().astype(str)
        unseen = values[~values.isin(known[column])]
        if len(unseen):
            names = ", ".join(repr(v) for v in unseen.unique()[:_SHOWN_VALUES])
            more = " ..." if unseen.nunique() > _SHOWN_VALUES else ""
            logger.warning(
                "Column %r: %d row(s) hold categories unseen in training (%s%s); they are encoded "
                "as unknown, which the model answers from its other columns.",
                column, len(unseen), names, more,
            )


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


def write_predictions(output, path):
    """Write predictions as CSV, atomically: the file appears complete or not at all.

    Parameters
    ----------
    output : pandas.DataFrame
        From :func:`predict_frame`.
    path : str or path-like
        The CSV to write; its folder is created when missing. An existing file
        is replaced only once the new one is complete.

    Returns
    -------
    pathlib.Path
    """
    with _output_stream(path) as stream:
        output.to_csv(stream, index=False)
    return Path(path)


def read_chunks(path, chunk_rows=None):
    """Yield the rows of a CSV, TSV (optionally gzip-compressed) or Parquet file in chunks.

    The same files and checks as :func:`pipeline.datasets.load_table`, read a
    chunk at a time: each chunk is a DataFrame whose index counts data rows from
    0 across the whole file, so an error can name the row.

    Parameters
    ----------
    path : str or path-like
    chunk_rows : int, optional
        Rows per chunk; default :data:`CHUNK_ROWS`.

    Yields
    ------
    pandas.DataFrame

    Raises
    ------
    DataError
        As :func:`~pipeline.datasets.load_table` does for a bad file.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> pd.DataFrame({"a": range(5)}).to_csv(f"{folder}/rows.csv", index=False)
    >>> [chunk.index.tolist() for chunk in read_chunks(f"{folder}/rows.csv", chunk_rows=2)]
    [[0, 1], [2, 3], [4]]
    """
    path = Path(path)
    chunk_rows = chunk_rows or CHUNK_ROWS
    if not path.is_file():
        load_table(path, min_columns=1)  # raises the error for a missing file or a folder
    suffixes = "".join(path.suffixes[-2:]).lower()
    if suffixes.endswith(".parquet"):
        chunks = _parquet_chunks(path, chunk_rows)
    else:
        chunks = _csv_chunks(path, "\t" if ".tsv" in suffixes else ",", chunk_rows)
    first = True
    while True:
        try:
            chunk = next(chunks)
        except StopIteration:
            if first:  # a file without rows
                load_table(path, min_columns=1)
            return
        except UnicodeDecodeError as err:
            raise DataError(
                f"Data file {str(path)!r} is not UTF-8 text (byte {err.start}). "
                "Re-save it as UTF-8, for example with iconv -f latin1 -t utf-8."
            ) from None
        except pd.errors.EmptyDataError:
            raise DataError(
                f"Data file {str(path)!r} is empty. Pass a file with a header row and data rows.") from None
        except (pd.errors.ParserError, OSError, ValueError, EOFError) as err:
            first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise DataError(
                f"Data file {str(path)!r} could not be parsed as a table: {first_line}.") from None
        if first:
            _check_shape(chunk, path, 1)
            first = False
        yield chunk


def _csv_chunks(path, sep, chunk_rows):
    with pd.read_csv(path, sep=sep, encoding="utf-8", chunksize=chunk_rows, low_memory=False) as reader:
        yield from reader


def _parquet_chunks(path, chunk_rows):
    import pyarrow.parquet as pq

    source = pq.ParquetFile(path)  # a bad file raises here; read_chunks words it
    start = 0
    for batch in source.iter_batches(batch_size=chunk_rows):
        chunk = batch.to_pandas()
        chunk.index = pd.RangeIndex(start, start + len(chunk))
        start += len(chunk)
        yield chunk


class _OncePerColumn(logging.Filter):
    """Let each warning about a column through once, not once per chunk."""

    def __init__(self):
        super().__init__()
        self.seen = set()

    def filter(self, record):
        key = (record.msg, record.args[0] if record.args else None)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


@contextlib.contextmanager
def _once_per_column():
    once = _OncePerColumn()
    logger.addFilter(once)
    try:
        yield
    finally:
        logger.removeFilter(once)


def _kept_columns(chunk, keep):
    missing = [column for column in keep if column not in map(str, chunk.columns)]
    if missing:
        raise DataError(
            f"--keep names column(s) the data does not have: {', '.join(map(repr, missing))}. "
            f"Its columns: {', '.join(map(str, chunk.columns))}."
        )
    return chunk.rename(columns=str)[list(keep)]


def predict_file(estimator, manifest, data, out=None, *, keep=(), chunk_rows=None):
    """Predict every row of a data file, a chunk at a time, and write the predictions.

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

    Returns
    -------
    n_rows : int
        Rows predicted.

    Raises
    ------
    DataError
        A bad file, a bad row (named by its position in the file), or a ``keep``
        column the data does not have.
    """
    keep = list(keep)
    clash = sorted({"prediction", *(f"proba_{c}" for c in estimator.classes_)} & set(keep))
    if clash:
        raise DataError(f"--keep column(s) {', '.join(map(repr, clash))} clash with the output's own "
                        "columns; rename them in the data first.")
    with _once_per_column(), _output_stream(out) as stream:
        n_rows = 0
        for chunk in read_chunks(data, chunk_rows):
            output = predict_frame(estimator, manifest, chunk)
            if keep:
                output = pd.concat([_kept_columns(chunk, keep), output], axis=1)
            output.to_csv(stream, index=False, header=n_rows == 0)
            n_rows += len(output)
    return n_rows


@contextlib.contextmanager
def _output_stream(out):
    if out is None:
        yield sys.stdout
        return
    path = _output_path(out)
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
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
