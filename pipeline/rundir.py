"""Run folders that appear only when complete.

A run writes into a hidden staging folder beside its destination and renames it
into place at the end, so an interrupted or failed run never leaves a folder
that looks finished, and an existing run folder is never overwritten.

A staging folder's name carries its owner: the process id and the process's
start time (see :func:`owner_tag`). A process killed outright (``kill -9``, the
out-of-memory killer) cannot remove what it was writing; the next run in the same
folder removes every staging folder whose owner is gone, and says so.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import psutil

__all__ = ["default_stem", "owner_tag", "remove_orphans", "run_folder"]

logger = logging.getLogger(__name__)

# The owner part of a temporary name: pid and start time in centiseconds since the
# epoch. The start time tells a reused pid from the process that made the name.
_OWNER = re.compile(r"[.-]p(?P<pid>\d+)s(?P<start>\d+)-")
#: Staging folders of runs, in their parent folder.
STAGING_GLOB = ".*.partial-p*"
# A rename onto a name taken in the meantime: a run folder (non-empty) or a file.
_TAKEN = (errno.EEXIST, errno.ENOTEMPTY)


def _start_time(process):
    return round(process.create_time() * 100)


def owner_tag():
    """This process's mark in temporary names: ``p<pid>s<start time>-``.

    Examples
    --------
    >>> import os
    >>> owner_tag().startswith(f"p{os.getpid()}s")
    True
    """
    return f"p{os.getpid()}s{_start_time(psutil.Process())}-"


def _owner_gone(name):
    """True when ``name`` carries an owner tag whose process no longer runs."""
    match = _OWNER.search(name)
    if match is None:
        return False  # not ours to judge
    try:
        started = _start_time(psutil.Process(int(match["pid"])))
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:  # another user's process we may not inspect: leave it
        return False
    # create_time is rounded from clock ticks: allow one centisecond either way.
    return abs(started - int(match["start"])) > 1


def remove_orphans(folder, pattern):
    """Remove the entries of ``folder`` matching ``pattern`` whose owning process is gone.

    Parameters
    ----------
    folder : path-like
    pattern : str
        A glob; entries without an owner tag (see :func:`owner_tag`) are kept.

    Returns
    -------
    list of pathlib.Path
        What was removed; each is also logged.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / ".out.csv.p999999999s1-x.partial").write_text("left by a killed run")
    >>> _ = (folder / f".out.csv.{owner_tag()}y.partial").write_text("still being written")
    >>> [p.name for p in remove_orphans(folder, ".out.csv.p*.partial")]
    ['.out.csv.p999999999s1-x.partial']
    """
    removed = []
    for path in sorted(Path(folder).glob(pattern)):
        if not _owner_gone(path.name):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        logger.warning("Removed %s, left behind by a process that was killed (pid %s).",
                       path, _OWNER.search(path.name)["pid"])
        removed.append(path)
    return removed


def _unique_destination(root, stem):
    candidate = root / stem
    counter = 2
    while candidate.exists():
        candidate = root / f"{stem}-{counter}"
        counter += 1
    return candidate


def _rename_to_free_name(staging, root, stem):
    """Rename ``staging`` to the first free ``stem``, ``stem-2``...; return the new path.

    Checking a name and renaming onto it are two steps: a run finishing between
    them takes the name, and the rename fails (a run folder is never empty). The
    finished folder then moves on to the next free name instead of being lost.
    """
    while True:
        destination = _unique_destination(root, stem)
        try:
            os.rename(staging, destination)
        except OSError as err:
            if err.errno not in _TAKEN:
                raise
            logger.info("%s was taken while this run finished; trying the next name.", destination.name)
            continue
        return destination


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

    Staging folders in ``root`` left by killed runs (their process is gone) are
    removed first.

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
    remove_orphans(root, STAGING_GLOB)
    holder = _Holder(Path(tempfile.mkdtemp(prefix=f".{stem}.partial-{owner_tag()}", dir=root)))
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
        # os.rename refuses to replace a non-empty folder, so a concurrent run
        # that took the same name in between is never overwritten.
        holder.path = _rename_to_free_name(holder.staging, root, stem)
    except BaseException as err:
        target_logger.removeHandler(handler)
        handler.close()
        shutil.rmtree(holder.staging, ignore_errors=True)
        if isinstance(err, OSError) and err.filename is None:
            err.filename = str(root)  # a full disk names no file: name where the run was writing
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
