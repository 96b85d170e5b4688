"""Bundled datasets, table loading and column-role inference.

Everything here raises :class:`~pipeline.errors.DataError` with a message that
names the file, column or row at fault, so the command line can say what to fix
instead of showing a traceback from inside pandas.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .columns import date_reason, identifier_reason, is_date_column, text_reason
from .errors import DataError
from .limits import COMPRESSED, check_columns, check_parquet, name_some, open_limited

__all__ = [
    "BUNDLED",
    "Roles",
    "bundled_path",
    "data_row",
    "file_sha256",
    "infer_roles",
    "load_table",
    "load_table_chunks",
    "split_target",
]

logger = logging.getLogger(__name__)

_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class _Bundled:
    relpath: str
    target: str
    positive: str | None
    description: str
    kind: str = "table"


#: Datasets shipped in the repository's ``data/`` folder, by short name.
BUNDLED = {
    "adult": _Bundled("adult/adult.csv.gz", "income", ">50K", "UCI Adult census income (48,842 rows)"),
    "ecg200": _Bundled("ecg200/ecg200.csv.gz", "label", "-1", "UCR ECG200 heartbeats (200 series x 96 steps)",
                        kind="sequence"),
}


def bundled_path(name):
    """Return the path of a bundled dataset.

    Parameters
    ----------
    name : str
        A key of :data:`BUNDLED`, such as ``"adult"``.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> bundled_path("adult").name
    'adult.csv.gz'
    """
    if name not in BUNDLED:
        raise DataError(f"Unknown bundled dataset {name!r}. Available: {', '.join(sorted(BUNDLED))}.")
    path = _DATA_DIR / BUNDLED[name].relpath
    if not path.is_file():
        raise DataError(
            f"The bundled dataset {name!r} is not at {path}: it ships with the source "
            "repository, not with a built wheel. Pass your own file with --data."
        )
    return path


def bundled_name(path):
    """Return the bundled dataset's name if ``path`` is one, else ``None``."""
    try:
        resolved = Path(path).resolve()
    except OSError:
        return None
    for name, entry in BUNDLED.items():
        if resolved == (_DATA_DIR / entry.relpath).resolve():
            return name
    return None


def file_sha256(path):
    """Return the hex SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_table(path, *, min_columns=2, limits=None):
    """Read a CSV, TSV (optionally compressed) or Parquet file into a frame.

    Parameters
    ----------
    path : str or path-like
        The file. ``.tsv`` / ``.tsv.gz`` are tab-separated; ``.parquet`` is read
        with pandas' Parquet reader; anything else is read as comma-separated,
        decompressed first when its suffix is one of
        :data:`~pipeline.limits.COMPRESSED`.
    min_columns : int, default=2
        Fewest columns accepted (features and a target for training).
    limits : InputLimits, optional
        Caps on the columns, line length and decompressed size, checked while
        reading (a :class:`~pipeline.flow.config.RunConfig` carries them); default
        :class:`~pipeline.limits.InputLimits`'s defaults.

    Returns
    -------
    pandas.DataFrame
        With at least one row and two columns, and unique column names.

    Raises
    ------
    DataError
        The file is missing, a folder, unreadable, not text, empty, over a limit,
        has duplicate column names, or holds a single column (often a wrong
        delimiter). A bad line is named as a data row (1-based, the header not
        counted) and as its line in the file.

    Examples
    --------
    >>> frame = load_table(bundled_path("adult"))
    >>> frame.shape
    (48842, 15)
    """
    path = _existing_file(path)
    try:
        if is_parquet(path):
            check_parquet(path, limits)
            frame = pd.read_parquet(path)
        else:
            frame = read_csv_limited(path, limits)
    except DataError:
        raise
    except _READ_FAILURES as err:
        raise _read_error(path, err) from None
    check_shape(frame, path, min_columns)
    return frame


def load_table_chunks(path, chunk_rows, *, min_columns=1, limits=None):
    """Yield the rows of the files :func:`load_table` reads, ``chunk_rows`` at a time.

    The same formats, checks and messages as :func:`load_table`, so memory stays
    bounded whatever the file's size: each chunk is a DataFrame whose index counts
    data rows from 0 across the whole file, so an error can name the row.

    Parameters
    ----------
    path : str or path-like
    chunk_rows : int
        Rows per chunk.
    min_columns : int, default=1
        Fewest columns accepted, checked on the first chunk.
    limits : InputLimits, optional
        As for :func:`load_table`, checked as the file is read.

    Yields
    ------
    pandas.DataFrame

    Raises
    ------
    DataError
        As :func:`load_table` does for a bad file; a bad line in a later chunk
        is raised when that chunk is read.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> pd.DataFrame({"a": range(5)}).to_csv(f"{folder}/rows.csv", index=False)
    >>> [chunk.index.tolist() for chunk in load_table_chunks(f"{folder}/rows.csv", 2)]
    [[0, 1], [2, 3], [4]]
    """
    path = _existing_file(path)
    chunks = _chunks(path, chunk_rows, limits)
    first = True
    while True:
        try:
            chunk = next(chunks)
        except StopIteration:
            if first:  # a file without rows: the whole-file reader words it
                load_table(path, min_columns=min_columns, limits=limits)
            return
        except DataError:
            raise
        except _READ_FAILURES as err:
            raise _read_error(path, err) from None
        if first:
            check_shape(chunk, path, min_columns)
            first = False
        yield chunk


def _chunks(path, chunk_rows, limits):
    """The file's chunks in its format, read lazily: every failure surfaces in the caller's next()."""
    if is_parquet(path):
        yield from _parquet_chunks(path, chunk_rows, limits)
    else:
        yield from read_csv_limited(path, limits, chunksize=chunk_rows)


def _parquet_chunks(path, chunk_rows, limits):
    import pyarrow.parquet as pq

    check_parquet(path, limits)  # a bad file raises here; load_table_chunks words it
    start = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
        chunk = batch.to_pandas()
        chunk.index = pd.RangeIndex(start, start + len(chunk))
        start += len(chunk)
        yield chunk


def _existing_file(path):
    path = Path(path)
    if not path.exists():
        raise DataError(f"Data file {str(path)!r} does not exist. Check the path passed as --data.")
    if path.is_dir():
        raise DataError(f"Data path {str(path)!r} is a folder; pass a CSV, TSV or Parquet file.")
    return path


# What pandas and pyarrow raise for a file they cannot read; _read_error words each.
_READ_FAILURES = (pd.errors.ParserError, OSError, ValueError, EOFError)


def _read_error(path, err):
    """The :class:`DataError` for a failure met while reading ``path``: what is wrong, and the fix."""
    if isinstance(err, UnicodeDecodeError):
        if _looks_binary(path):
            return DataError(
                f"Data file {str(path)!r} is binary, not a text table (it holds NUL bytes). "
                "Pass a CSV, TSV or Parquet file."
            )
        return DataError(
            f"Data file {str(path)!r} is not UTF-8 text "
            f"(byte {err.start}: {err.object[err.start:err.start + 1]!r}). "
            "Re-save it as UTF-8, for example with iconv -f latin1 -t utf-8."
        )
    if isinstance(err, pd.errors.EmptyDataError):
        return DataError(f"Data file {str(path)!r} is empty. Pass a file with a header row and data rows.")
    if isinstance(err, PermissionError):
        return DataError(f"Data file {str(path)!r} cannot be read (permission denied).")
    return parse_error(path, err)


def is_parquet(path):
    """Whether a data file is read as Parquet (by its suffix)."""
    return "".join(Path(path).suffixes[-2:]).lower().endswith(".parquet")


def read_csv_limited(path, limits=None, **options):
    """``pandas.read_csv`` of a CSV/TSV data file within ``limits``: its header is read first,
    so a table too wide is refused before any row is parsed.

    Parameters
    ----------
    path : str or path-like
        Tab-separated when its name holds ``.tsv``.
    limits : InputLimits, optional
    **options
        More :func:`pandas.read_csv` arguments, such as ``chunksize``.

    Returns
    -------
    pandas.DataFrame or an iterator of them (with ``chunksize``)
    """
    sep = "\t" if ".tsv" in "".join(Path(path).suffixes[-2:]).lower() else ","
    with open_limited(path, limits) as stream:
        header = pd.read_csv(stream, sep=sep, encoding="utf-8", nrows=0)
    check_columns(header.shape[1], path, limits)
    if "chunksize" in options:
        return _chunks_limited(path, limits, sep, options)
    with open_limited(path, limits) as stream:
        return pd.read_csv(stream, sep=sep, encoding="utf-8", low_memory=False, **options)


def _chunks_limited(path, limits, sep, options):
    with open_limited(path, limits) as stream, \
            pd.read_csv(stream, sep=sep, encoding="utf-8", low_memory=False, **options) as reader:
        yield from reader


_PANDAS_LINE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def parse_error(path, err):
    """A :class:`DataError` for a file pandas could not parse, its bad line named as a data row.

    pandas counts file lines from 1 with the header as line 1; messages here name
    data rows from 1, the header not counted, so line ``n`` is row ``n - 1``.

    Examples
    --------
    >>> err = ValueError("Error tokenizing data. C error: Expected 3 fields in line 42, saw 4")
    >>> print(parse_error("rows.csv", err))
    Data file 'rows.csv' could not be parsed as a table: row 41 (line 42 of the file) has 4 fields, ...
    """
    text = str(err).strip()
    bad = _PANDAS_LINE.search(text)
    if bad:
        expected, line, seen = map(int, bad.groups())
        return DataError(
            f"Data file {str(path)!r} could not be parsed as a table: row {line - 1} (line {line} of the "
            f"file) has {seen} fields, but the header has {expected}. Quote cells that hold the separator, "
            "or remove the extra cells."
        )
    first = text.splitlines()[0] if text else type(err).__name__
    return DataError(f"Data file {str(path)!r} could not be parsed as a table: {first}.")


def data_row(label):
    """How messages number a row: from 1, the header not counted (the frame's 0-based row + 1).

    A frame indexed by other labels than row positions has its label named instead.

    Examples
    --------
    >>> data_row(0), data_row("r7")
    (1, "'r7'")
    """
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool):
        return int(label) + 1
    return repr(label)


def _looks_binary(path):
    if path.suffix.lower() in COMPRESSED:
        return False  # compressed bytes are binary by nature; the reader decompressed them
    with open(path, "rb") as handle:
        return b"\0" in handle.read(8192)


def check_shape(frame, path, min_columns):
    """Refuse a freshly read table with duplicate column names, no rows or too few columns.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (or its first chunk) as read from ``path``.
    path : str or path-like
        The file, named in the message.
    min_columns : int
        Columns the table needs: 2 for training (features and a target), 1 to predict.

    Raises
    ------
    DataError
        Naming the file, what is wrong and how to fix it.
    """
    columns = [str(c) for c in frame.columns]
    duplicated = sorted({c.split(".")[0] for c in columns if _is_mangled_duplicate(c, columns)})
    if duplicated:
        raise DataError(
            f"Data file {str(path)!r} has duplicate column names: {name_some(map(repr, duplicated))}. "
            "Give every column a unique name."
        )
    if frame.shape[0] == 0:
        raise DataError(
            f"Data file {str(path)!r} has a header but no data rows. "
            "Pass the file with its rows, or check it was saved completely."
        )
    if frame.shape[1] < min_columns:
        raise DataError(
            f"Data file {str(path)!r} has a single column ({columns[0]!r}): a table needs "
            "features and a target. If it is separated by ';' or tabs, convert it to commas "
            "or name it .tsv."
        )


def _is_mangled_duplicate(name, columns):
    # pandas renames a repeated header "a" to "a.1", "a.2"; spot that pattern.
    base, dot, suffix = name.rpartition(".")
    return bool(dot) and suffix.isdigit() and base in columns


def split_target(frame, target):
    """Return ``(X, y)``: every column except ``target``, and ``target``.

    Rows whose target is missing are dropped with a warning in the log.

    Raises
    ------
    DataError
        The target column is absent (the message lists the columns and suggests
        the closest name), entirely missing, or holds a single class.
    """
    if target not in frame.columns:
        names = [str(c) for c in frame.columns]
        close = difflib.get_close_matches(str(target), names, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise DataError(
            f"Target column {target!r} is not in the data.{hint} Available columns: "
            f"{name_some(names)}. Pass one of them as --target, or set `target` in the config."
        )
    y = frame[target]
    missing = y.isna()
    if missing.all():
        raise DataError(
            f"Target column {target!r} has no values: every row is missing. Choose another target."
        )
    if missing.any():
        logger.warning("Dropping %d rows whose target %r is missing.", int(missing.sum()), target)
        frame = frame.loc[~missing]
        y = y.loc[~missing]
    classes = pd.unique(y)
    if len(classes) < 2:
        raise DataError(
            f"Target column {target!r} holds a single class ({classes[0]!r}); classification needs "
            "at least two. Check the target column or the rows selected."
        )
    if pd.api.types.is_float_dtype(y) and len(classes) > max(20, 0.05 * len(y)):
        raise DataError(
            f"Target column {target!r} looks continuous ({len(classes)} distinct float values); "
            "dmflow classifies. Bin it into classes first, or choose a categorical target."
        )
    return frame.drop(columns=[target]), y


@dataclass
class Roles:
    """Column roles of a feature table.

    Attributes
    ----------
    numeric : list of str
    categorical : list of str
    dropped : dict of str to str
        Columns left out, with the reason (for example all values missing).
    dates : list of str
        Date columns, turned into their parts inside the model.
    reasons : dict of str to str
        Why each kept column has its role.
    """

    numeric: list = field(default_factory=list)
    categorical: list = field(default_factory=list)
    dropped: dict = field(default_factory=dict)
    dates: list = field(default_factory=list)
    reasons: dict = field(default_factory=dict)

    def to_dict(self):
        return {
            "numeric": list(self.numeric),
            "categorical": list(self.categorical),
            "dates": list(self.dates),
            "dropped": dict(self.dropped),
            "reasons": dict(self.reasons),
        }


def _column_role(series, name, forced_cat, forced_num, ignored):
    """One column's role (``numeric``, ``categorical``, ``dates`` or ``dropped``) and the reason."""
    if name in ignored:
        return "dropped", "listed in `ignore`"
    if series.isna().all():
        return "dropped", "all values missing"
    if name in forced_cat:
        return "categorical", "listed in `categorical`"
    if name in forced_num or _is_numeric(series):
        if not _is_numeric(series):
            raise_text_in_numeric(series, name)
        why = None if name in forced_num else identifier_reason(series, name)
        if why:
            return "dropped", why
        _warn_odd_numbers(series, name)
        return "numeric", "listed in `numeric`" if name in forced_num else "numbers"
    if is_date_column(series):
        return "dates", date_reason()
    _check_mostly_numeric_text(series, name)
    if _looks_like_identifier(series):
        return "dropped", (f"identifier-like: {series.nunique()} distinct values "
                           f"in {int(series.notna().sum())} rows; list it under `categorical` to keep it")
    why = text_reason(series)
    if why:
        return "dropped", why
    return "categorical", f"categories ({series.nunique()} distinct values)"


def infer_roles(X, *, categorical=None, numeric=None, ignore=None):
    """Sort the feature columns into numeric, categorical and date ones, or leave them out.

    Categorical columns are those of object, string, category or bool dtype,
    plus any named in ``categorical``; numeric columns are the other ones.
    A text column whose values are nearly all numbers is an error naming the
    first offending row, since silently treating it as categorical would give
    every distinct number its own one-hot column. Left out, with a warning that
    says how to keep them (see :mod:`pipeline.columns`): columns in ``ignore``,
    columns with no values, integer identifiers, and text columns whose values
    are nearly all distinct (identifiers) or free text. Text columns of ISO dates
    become date columns. Constant columns and infinite values are kept with a
    warning. Columns named in ``categorical`` or ``numeric`` keep that role.

    Parameters
    ----------
    X : pandas.DataFrame
        Features, without the target.
    categorical, numeric : list of str, optional
        Columns forced into a role, overriding the dtype and the checks.
    ignore : list of str, optional
        Columns left out.

    Returns
    -------
    Roles

    Examples
    --------
    >>> frame = pd.DataFrame({"age": [30, 40], "city": ["Oslo", "Rome"], "ok": [True, False],
    ...                       "row_id": [1, 2], "day": ["2024-01-02", "2024-03-04"]})
    >>> roles = infer_roles(frame)
    >>> roles.numeric, roles.categorical, roles.dates, list(roles.dropped)
    (['age'], ['city', 'ok'], ['day'], ['row_id'])
    """
    forced_cat = set(categorical or ())
    forced_num = set(numeric or ())
    ignored = set(ignore or ())
    _check_named_columns(X, {"categorical": forced_cat, "numeric": forced_num, "ignore": ignored})
    both = forced_cat & forced_num
    if both:
        raise DataError(
            f"Column(s) {', '.join(sorted(both))} are listed as both numeric and categorical; pick one."
        )
    roles = Roles()
    for column in X.columns:
        series, name = X[column], str(column)
        role, reason = _column_role(series, name, forced_cat, forced_num, ignored)
        if role == "dropped":
            roles.dropped[name] = reason
            continue
        getattr(roles, role).append(name)
        roles.reasons[name] = reason
        if role != "dates" and series.nunique(dropna=True) == 1:
            value = series.dropna().iloc[0]
            logger.warning(
                "Column %r holds a single value (%r); it carries no information but is kept.",
                name, value.item() if isinstance(value, np.generic) else value,
            )
    if roles.dropped:
        logger.warning(
            "Leaving out columns: %s.", name_some(f"{c} ({why})" for c, why in roles.dropped.items())
        )
    if not roles.numeric and not roles.categorical and not roles.dates:
        raise DataError(
            "No usable feature columns: every column other than the target is empty or left out "
            f"({', '.join(f'{c}: {why}' for c, why in roles.dropped.items())})."
        )
    used = roles.numeric + roles.categorical + roles.dates
    if all(X[_original_name(X, name)].nunique(dropna=True) <= 1 for name in used):
        raise DataError(
            f"No feature column varies: {name_some(used)} each hold a single value, so there is "
            "nothing to learn from. Check that the right file and columns were loaded."
        )
    return roles


def _check_named_columns(X, named):
    """A column named in the config (``key`` -> names) but absent from the data is an error naming it."""
    columns = [str(c) for c in X.columns]
    for key, names in named.items():
        unknown = sorted(set(names) - set(columns))
        if unknown:
            hints = [difflib.get_close_matches(name, columns, n=1) for name in unknown]
            hint = "".join(f" Did you mean {close[0]!r} for {name!r}?" for name, close in zip(unknown, hints)
                           if close)
            raise DataError(
                f"Column(s) {', '.join(map(repr, unknown))} in `{key}` (--{key}) are not in the data.{hint} "
                f"Available columns: {name_some(columns)}."
            )


def _original_name(X, name):
    return next(c for c in X.columns if str(c) == name)


def _warn_odd_numbers(series, name):
    infinite = int(np.isinf(series.to_numpy(dtype="float64", na_value=np.nan)).sum())
    if infinite:
        logger.warning(
            "Column %r holds %d infinite value(s); they are treated as missing and imputed.", name, infinite
        )


# A text column whose values are (nearly) all distinct names rows rather than
# describing them: one-hot encoding it can only memorise the training rows.
_ID_MIN_ROWS, _ID_UNIQUE_SHARE = 50, 0.95


def _looks_like_identifier(series):
    present = int(series.notna().sum())
    return present >= _ID_MIN_ROWS and series.nunique(dropna=True) >= _ID_UNIQUE_SHARE * present


def _is_numeric(series):
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _check_mostly_numeric_text(series, name):
    values = series.dropna()
    parsed = pd.to_numeric(values, errors="coerce")
    n_numbers = int(parsed.notna().sum())
    if n_numbers >= 0.9 * len(values) and n_numbers < len(values):
        raise_text_in_numeric(series, name)


def raise_text_in_numeric(series, name):
    """Refuse a numeric column holding text cells, naming its first one; do nothing if it holds none.

    Parameters
    ----------
    series : pandas.Series
        The column's values.
    name : str
        The column's name, for the message.

    Raises
    ------
    DataError
        Naming the column, the first text cell's row and value, and the fix.
    """
    values = series.dropna()
    parsed = pd.to_numeric(values, errors="coerce")
    bad = parsed.isna()
    if not bad.any():
        return
    first = values.index[np.argmax(bad.to_numpy())]
    raise DataError(
        f"Column {name!r} is numeric but holds text: row {data_row(first)} has {values.loc[first]!r} "
        f"({int(bad.sum())} such cells in all). Fix or blank those cells, or list {name!r} under "
        "`categorical` in the config."
    )
