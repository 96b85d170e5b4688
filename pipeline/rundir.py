"""Run folders that appear only when complete.

A run writes into a hidden staging folder beside its destination and renames it
into place at the end, so an interrupted or failed run never leaves a folder
that looks finished, and an existing run folder is never overwritten.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

__all__ = ["default_stem", "run_folder"]


def _unique_destination(root, stem):
    candidate = root / stem
    counter = 2
    while candidate.exists():
        candidate = root / f"{stem}-{counter}"
        counter += 1
    return candidate


@contextmanager
def run_folder(root, stem, *, log_name="run.log", logger_name="pipeline"):
    """Yield a staging folder; on success rename it to a new folder under ``root``.

    While the block runs, records of the ``logger_name`` logger are also written
    to ``log_name`` inside the folder. On any exception (including
    ``KeyboardInterrupt``) the staging folder is removed and the exception
    propagates.

    Parameters
    ----------
    root : str or path-like
        Parent folder, created when missing.
    stem : str
        Base name of the final folder; ``-2``, ``-3``... is appended when taken.

    Yields
    ------
    holder
        Write the run's files into ``holder.staging``; after the block,
        ``holder.path`` is the final folder.

    Examples
    --------
    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> with run_folder(root, "demo") as holder:
    ...     _ = (holder.staging / "a.txt").write_text("hi")
    >>> holder.path.name, sorted(p.name for p in holder.path.iterdir())
    ('demo', ['a.txt', 'run.log'])
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    holder = _Holder(Path(tempfile.mkdtemp(prefix=f".{stem}.partial-", dir=root)))
    handler = logging.FileHandler(holder.staging / log_name, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.DEBUG)
    target_logger = logging.getLogger(logger_name)
    previous_level = target_logger.level
    if target_logger.getEffectiveLevel() > logging.INFO:
        target_logger.setLevel(logging.INFO)
    target_logger.addHandler(handler)
    try:
        yield holder
        target_logger.removeHandler(handler)
        handler.close()
        # mkdtemp makes the staging folder private (0700); a finished run is
        # shared like any folder the user creates.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(holder.staging, 0o777 & ~umask)
        destination = _unique_destination(root, stem)
        # os.rename refuses to replace a non-empty folder, so a concurrent run
        # that took the same name in between is never overwritten.
        os.rename(holder.staging, destination)
        holder.path = destination
    except BaseException:
        target_logger.removeHandler(handler)
        handler.close()
        shutil.rmtree(holder.staging, ignore_errors=True)
        raise
    finally:
        target_logger.setLevel(previous_level)


class _Holder:
    def __init__(self, staging):
        self.staging = staging
        self.path = None


def default_stem(data_name, seed, *, application=None):
    """Folder name for a run: time stamp, [application,] dataset, seed.

    Examples
    --------
    >>> default_stem("my data.csv", 3)[15:]
    '-my_data_csv-seed3'
    >>> default_stem("pairs", 0, application="translate")[15:]
    '-translate-pairs-seed0'
    """
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in data_name)[:40] or "data"
    return "-".join([stamp, *([application] if application else []), safe, f"seed{seed}"])
