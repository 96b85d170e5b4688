"""Exceptions users can catch, each mapped to a command-line exit code.

Both derive from :class:`ValueError`, which callers already catch for bad input.
"""

__all__ = ["ConfigError", "DataError"]


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
