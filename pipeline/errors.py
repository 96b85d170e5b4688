"""Exceptions users can catch, each mapped to a command-line exit code.

Both derive from :class:`ValueError`, which callers already catch for bad input.
Failures of the machine rather than of the data or of dmflow (a full disk, a
worker killed for memory) are recognised by :func:`environment_fault`.
"""

import errno

__all__ = ["EXIT_IOERR", "EXIT_TEMPFAIL", "ConfigError", "DataError", "environment_fault"]

#: ``EX_IOERR``: the machine refused a read or write (disk full, read-only, no access).
EXIT_IOERR = 74
#: ``EX_TEMPFAIL``: a worker process was killed; the same run may pass with less memory in use.
EXIT_TEMPFAIL = 75

# errno -> what it means and what to do; every other OSError stays a bug.
_STORAGE_FIXES = {
    errno.ENOSPC: "the disk is full. Free space there, or write elsewhere (--out; TMPDIR for "
                  "temporary files)",
    errno.EDQUOT: "the disk quota is used up. Free space there, or write elsewhere (--out; TMPDIR "
                  "for temporary files)",
    errno.EROFS: "the file system is read-only. Pass a writable folder (--out)",
    errno.EACCES: "permission was denied. Pass a folder you may write (--out), or change its "
                  "permissions",
    errno.EMFILE: "this process has too many open files. Raise the limit (ulimit -n) or run fewer "
                  "jobs (--n-jobs 1)",
}
# joblib/loky and Dask name a worker the operating system killed these ways.
_KILLED_WORKER = {"TerminatedWorkerError", "BrokenProcessPool", "KilledWorker"}


class DataError(ValueError):
    """The data cannot be used as given: the message names the file, column or row.

    The command line exits with code 65 (``EX_DATAERR``) on this error.
    """

    exit_code = 65


class ConfigError(ValueError):
    """A run setting is unknown, of the wrong type or out of range.

    The command line exits with code 78 (``EX_CONFIG``) on this error.
    """

    exit_code = 78


def _chain(err):
    """``err`` and the exceptions it was raised from, outermost first."""
    seen = []
    while err is not None and err not in seen:
        seen.append(err)
        err = err.__cause__ or err.__context__
    return seen


def environment_fault(err):
    """The exit code and message for a failure of the machine, or None for anything else.

    Parameters
    ----------
    err : BaseException

    Returns
    -------
    (int, str) or None
        :data:`EXIT_IOERR` for a full disk or quota, a read-only file system, a
        denied access or too many open files (the message names the path and the
        fix); :data:`EXIT_TEMPFAIL` for a worker process killed by the operating
        system; None when ``err`` is neither.

    Examples
    --------
    >>> import errno, os
    >>> code, message = environment_fault(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "runs/x"))
    >>> print(code, message)
    74 No space left on device at 'runs/x': the disk is full. Free space there, or write elsewhere
    (--out; TMPDIR for temporary files).
    >>> environment_fault(ValueError("bad")) is None
    True
    """
    for cause in _chain(err):
        if {cls.__name__ for cls in type(cause).__mro__} & _KILLED_WORKER:
            return EXIT_TEMPFAIL, (
                f"A worker process was killed by the operating system ({type(cause).__name__}), most "
                "likely for lack of memory. Rerun with fewer jobs (--n-jobs 1), on a smaller sample "
                "of the rows, or with fewer models."
            )
        if isinstance(cause, OSError) and cause.errno in _STORAGE_FIXES:
            where = "" if cause.filename is None else f" at {str(cause.filename)!r}"
            reason = cause.strerror or errno.errorcode[cause.errno]
            return EXIT_IOERR, f"{reason}{where}: {_STORAGE_FIXES[cause.errno]}."
    return None
