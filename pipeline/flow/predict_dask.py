"""Batch scoring of a partitioned dataset on a Dask cluster (``dmflow predict --backend dask``).

The input is a folder or a glob of Parquet, CSV or TSV files, one partition each.
Every partition is one ``dask.dataframe`` task: a worker loads the model folder
once, reads its file a chunk of :data:`~pipeline.predict.CHUNK_ROWS` rows at a
time with the same checks as local ``predict``, and returns the predictions, so a
worker holds one file's predictions and one chunk of its rows, never the dataset.
The predictions are written as Parquet, one file per input partition in the same
order, into a staging folder renamed to the output folder only once every
partition is done.

The workers read the data, the model folder and the staging folder by path: on a
cluster of several machines these must be on a file system every worker sees.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import logging
import os
import shutil
import uuid
from pathlib import Path

import pandas as pd

from ..errors import ConfigError, DataError
from ..predict import check_keep, predicted_chunks, summarised_warnings

__all__ = ["PARTITION_SUFFIXES", "check_flags", "partition_files", "predict_partitions"]

logger = logging.getLogger(__name__)

#: Files of a folder read as partitions (compressed CSV/TSV too, as local predict reads them).
PARTITION_SUFFIXES = (".parquet", ".csv", ".tsv", ".csv.gz", ".tsv.gz")

# Rows scored in this process first: the output's columns and types, and a bad
# model or missing column reported before the cluster is busy.
_PROBE_ROWS = 100


def partition_files(data):
    """The partition files of ``data``: a folder's data files, or the files a glob matches, sorted.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("b.csv", "a.parquet", "notes.txt"):
    ...     (folder / name).touch()
    >>> [p.name for p in partition_files(folder)], [p.name for p in partition_files(f"{folder}/*.csv")]
    (['a.parquet', 'b.csv'], ['b.csv'])
    """
    source = Path(data)
    if source.is_dir():
        files = sorted(p for p in source.iterdir() if p.is_file() and _is_partition(p))
    else:
        files = sorted(Path(p) for p in glob.glob(str(data)) if Path(p).is_file())
    if not files:
        raise DataError(
            f"No partition files in {str(data)!r}: pass a folder holding "
            f"{', '.join(PARTITION_SUFFIXES)} files, or a glob such as 'rows/*.parquet'.")
    return files


def _is_partition(path):
    return path.name.lower().endswith(PARTITION_SUFFIXES) and not path.name.startswith(".")


def _load(model_dir):
    """The one place the model folder is opened: a :class:`~pipeline.persistence.FittedModel`."""
    from ..persistence import load_model

    return load_model(model_dir)


# Each worker process opens the model once, whatever the number of its partitions.
_worker_model = functools.lru_cache(maxsize=1)(_load)


def _score_file(path, model_dir, keep, chunk_rows=None, limits=None):
    """The predictions of one partition file, read a chunk at a time; errors name the file.

    Its warnings are those of local ``predict``: given once for the file, not per
    chunk, and a kept column is not called unused.
    """
    model = _worker_model(model_dir)
    try:
        with summarised_warnings(keep):
            parts = list(predicted_chunks(model, path, keep, chunk_rows, limits))
    except DataError as err:
        raise DataError(f"Partition {str(path)!r}: {err}") from None
    return pd.concat(parts, ignore_index=True)


def predict_partitions(model_dir, data, out, *, keep=(), scheduler=None, n_jobs=None, chunk_rows=None,
                       limits=None):
    """Score every partition of ``data`` on a Dask cluster; write Parquet partitions to ``out``.

    Parameters
    ----------
    model_dir : str or path-like
        A run's model folder.
    data : str or path-like
        A folder of partition files, or a glob (see :func:`partition_files`).
    out : str or path-like
        The output folder; must not exist yet. It appears complete or not at all.
    keep : sequence of str, default=()
        Input columns copied into the output, before the predictions.
    scheduler : str, optional
        A Dask scheduler's address; default: a local cluster of ``n_jobs`` workers.
    n_jobs : int, optional
        Workers of the local cluster; default: ``RunConfig.n_jobs``, as for a run.
    chunk_rows : int, optional
        Rows read at a time on a worker; default :data:`~pipeline.predict.CHUNK_ROWS`.
    limits : InputLimits, optional
        Caps on each partition file, checked as a worker reads it, as local
        ``predict`` checks its file; default :class:`~pipeline.limits.InputLimits`'s defaults.

    Returns
    -------
    n_rows : int
        Rows predicted.

    Raises
    ------
    DataError
        No partition files, a bad file or row (named with its file), a file over
        an input limit, a missing column, or an output folder that already exists.
    """
    import dask.dataframe as dd

    from ..selection import cluster
    from .config import RunConfig

    files, out, keep = partition_files(data), Path(out), list(keep)
    if out.exists():
        raise DataError(f"Output folder {str(out)!r} already exists. Remove it, or pass another --out.")
    model_dir = str(Path(model_dir).resolve())
    model = _load(model_dir)
    check_keep(model, keep)
    with summarised_warnings(keep, report=False):  # the worker scoring this file gives them
        meta = next(predicted_chunks(model, files[0], keep, _PROBE_ROWS, limits))
    frame = dd.from_map(_score_file, [str(p) for p in files], model_dir=model_dir, keep=keep,
                        chunk_rows=chunk_rows, limits=limits, meta=meta.iloc[:0], label="score")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{uuid.uuid4().hex[:8]}"
    n_jobs = RunConfig.n_jobs if n_jobs is None else n_jobs
    with _removed_on_error(staging), cluster("dask", n_jobs, scheduler) as client:
        logger.info("Scoring %d partition(s) on %d Dask worker(s).", len(files),
                    len(client.scheduler_info().get("workers", {})))
        write = frame.to_parquet(staging, write_index=False, compute=False,
                                 name_function=lambda i: f"part-{i:05d}.parquet")
        client.compute(write).result()
        n_rows = _rows_written(staging)
        os.rename(staging, out)  # fails, rather than merge, if the folder appeared meanwhile
    return n_rows


@contextlib.contextmanager
def _removed_on_error(staging):
    try:
        yield
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _rows_written(folder):
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(p).metadata.num_rows for p in sorted(Path(folder).glob("*.parquet")))


def check_flags(backend, scheduler, out):
    """Refuse ``predict`` flags that do not go together, naming the fix."""
    if scheduler is not None and backend != "dask":
        raise ConfigError(f"--scheduler {scheduler!r} is used by --backend dask only; add --backend dask.")
    if backend == "dask" and out is None:
        raise ConfigError("--backend dask writes a folder of Parquet files: pass it as --out FOLDER.")
