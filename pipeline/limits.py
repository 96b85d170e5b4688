"""Caps on what a data file may hold, checked while it is read, in bounded memory.

A few MB of gzip can expand to gigabytes, and a single line of a CSV is held
whole by the parser: both exhausted memory before any check ran. Every data file
``run`` and ``predict`` read goes through :func:`open_limited` (CSV/TSV, plain or
compressed) or :func:`check_parquet`, which stop at the first limit passed with a
:class:`~pipeline.errors.DataError` (exit 65) naming the limit, the value seen and
the setting that raises it. The limits are the fields of :class:`InputLimits`;
:class:`~pipeline.flow.config.RunConfig` inherits them, so each is a config key and a
flag of ``run`` and ``predict``.
"""

from __future__ import annotations

import bz2
import contextlib
import dataclasses
import gzip
import io
import lzma
import zipfile
from pathlib import Path

from .errors import ConfigError, DataError

__all__ = ["COMPRESSED", "InputLimits", "check_columns", "check_parquet", "name_some", "open_limited"]

_MB = 1 << 20


# A small file may expand many times (a column of empty cells) and harms nothing;
# the ratio is judged only once this much has been read, which also bounds what a
# bomb costs before it is stopped.
_RATIO_FROM_BYTES = 16 * _MB

#: Compressed data files read by suffix, and how each is opened from the raw file.
COMPRESSED = {
    ".gz": lambda raw: gzip.GzipFile(fileobj=raw),
    ".bz2": bz2.BZ2File,
    ".xz": lzma.LZMAFile,
    ".zip": lambda raw: _zip_member(zipfile.ZipFile(raw)),
}


def _limit(default, help, *, number=int, at_least=1):
    # The metadata keys are those of pipeline.flow.config.key, so RunConfig reads these
    # fields as its own config keys (validated, documented, and given flags alike).
    return dataclasses.field(default=number(default), metadata={
        "help": help, "choices": None, "metavar": "N", "at_least": at_least, "above": None, "below": None})


@dataclasses.dataclass
class InputLimits:
    """How large a data file may be; each field is a config key and a flag (``--max-columns``).

    The defaults let through any table a laptop can model and stop what would
    exhaust its memory: a compression bomb, one endless line, or a header of
    hundreds of thousands of columns.

    Examples
    --------
    >>> InputLimits().max_columns
    20000
    >>> InputLimits(max_columns=0).validate()
    Traceback (most recent call last):
    ...
    pipeline.errors.ConfigError: `max_columns` must be at least 1, got 0.
    """

    max_decompressed_bytes: int = _limit(
        2048 * _MB, f"Most bytes a compressed data file ({', '.join(COMPRESSED)} or Parquet) may expand to.")
    max_compression_ratio: float = _limit(
        100, "Most times a compressed data file may expand its size (checked past "
        f"{_RATIO_FROM_BYTES // _MB} MB read); the bundled Adult table expands 8.9 times, a compression bomb "
        "hundreds of times.",
        number=float)
    max_line_bytes: int = _limit(16 * _MB, "Longest line, in bytes, of a CSV/TSV data file.")
    max_columns: int = _limit(20_000, "Most columns of a data file, read from its header before any row.")

    def validate(self):
        """Check every limit is a positive number; return ``self`` or raise :class:`ConfigError`."""
        for spec in dataclasses.fields(InputLimits):
            value = getattr(self, spec.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"`{spec.name}` must be a number, got {value!r}.")
            if value < spec.metadata["at_least"]:
                raise ConfigError(f"`{spec.name}` must be at least {spec.metadata['at_least']}, got {value}.")
        return self



def _zip_member(archive):
    names = [info.filename for info in archive.infolist() if not info.is_dir()]
    if len(names) != 1:
        raise DataError(f"A zipped data file must hold exactly one file; this one holds {len(names)}: "
                        f"{name_some(names)}. Zip the table alone.")
    return archive.open(names[0])


def _raise_over(path, what, seen, name, limit):
    limit = f"{limit:,}" if isinstance(limit, int) else f"{limit:,g}"
    raise DataError(
        f"Data file {str(path)!r} {what} ({seen}), over the limit {name} = {limit}; reading stopped. "
        f"If the file is genuine, raise it with --{name.replace('_', '-')} or the config key `{name}`."
    )


class _LimitedRaw(io.RawIOBase):
    """The file's bytes (decompressed), counted as they are read, stopped at the first limit passed."""

    def __init__(self, path, limits):
        super().__init__()
        self.path, self.limits = Path(path), limits
        self.raw = open(path, "rb")  # noqa: SIM115 - closed in close()
        opener = COMPRESSED.get(self.path.suffix.lower())
        try:
            self.stream = self.raw if opener is None else opener(self.raw)
        except BaseException:
            self.raw.close()
            raise
        self.compressed = opener is not None
        self.n_read = 0
        self.line_bytes = 0  # bytes since the last line break

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.stream.read(len(buffer))
        self._check(data)
        buffer[:len(data)] = data
        return len(data)

    def _check(self, data):
        self.n_read += len(data)
        limits = self.limits
        first = data.find(b"\n")
        if first < 0:
            self.line_bytes += len(data)
            longest = self.line_bytes
        else:
            longest = self.line_bytes + first  # the line begun in earlier blocks
            if len(data) > limits.max_line_bytes:  # only then can a line inside this block be too long
                longest = max(longest, *map(len, data[first + 1:].split(b"\n")))
            self.line_bytes = len(data) - data.rfind(b"\n") - 1
        if longest > limits.max_line_bytes:
            _raise_over(self.path, "has a line too long",
                        f"past {limits.max_line_bytes:,} bytes without a line break", "max_line_bytes",
                        limits.max_line_bytes)
        if not self.compressed:
            return
        if self.n_read > limits.max_decompressed_bytes:
            _raise_over(self.path, "expands to more bytes than allowed",
                        f"past {self.n_read / _MB:,.0f} MB", "max_decompressed_bytes",
                        limits.max_decompressed_bytes)
        packed = max(self.raw.tell(), 1)
        ratio = self.n_read / packed
        if self.n_read >= _RATIO_FROM_BYTES and ratio > limits.max_compression_ratio:
            _raise_over(self.path, "expands too many times its compressed size, as a compression bomb does",
                        f"{self.n_read / _MB:,.0f} MB from {packed / _MB:,.2f} MB: {ratio:,.0f} times",
                        "max_compression_ratio", limits.max_compression_ratio)

    def close(self):
        if not self.closed:
            with contextlib.suppress(Exception):
                self.stream.close()
            self.raw.close()
        super().close()


def open_limited(path, limits=None):
    """Open a CSV/TSV data file (plain or compressed) as a binary stream that enforces ``limits``.

    Parameters
    ----------
    path : str or path-like
        Compressed when its suffix is one of :data:`COMPRESSED`.
    limits : InputLimits, optional
        Default :class:`InputLimits`'s defaults; any object with its fields works
        (a :class:`~pipeline.flow.config.RunConfig`).

    Returns
    -------
    io.BufferedReader
        Reading past a limit raises :class:`~pipeline.errors.DataError`.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "rows.csv.gz"
    >>> _ = path.write_bytes(gzip.compress(b"a,b\\n" + b"x" * 100 + b"\\n"))
    >>> with open_limited(path, InputLimits(max_line_bytes=50)) as stream:
    ...     stream.read()
    Traceback (most recent call last):
    ...
    pipeline.errors.DataError: Data file '...rows.csv.gz' has a line too long (past 50 bytes without ...
    """
    return io.BufferedReader(_LimitedRaw(path, limits or InputLimits()))


def check_columns(n_columns, path, limits=None):
    """Refuse a table of more than ``limits.max_columns`` columns, before its rows are read."""
    limit = (limits or InputLimits()).max_columns
    if n_columns > limit:
        _raise_over(path, "has more columns than allowed", f"{n_columns:,} columns in its header",
                    "max_columns", limit)


def check_parquet(path, limits=None):
    """Check a Parquet file's columns and decompressed size from its metadata, before reading it."""
    import pyarrow.parquet as pq

    limits = limits or InputLimits()
    metadata = pq.read_metadata(path)
    check_columns(metadata.num_columns, path, limits)
    expanded = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    if expanded > limits.max_decompressed_bytes:
        _raise_over(path, "expands to more bytes than allowed", f"{expanded / _MB:,.0f} MB",
                    "max_decompressed_bytes", limits.max_decompressed_bytes)
    ratio = expanded / max(Path(path).stat().st_size, 1)
    if expanded >= _RATIO_FROM_BYTES and ratio > limits.max_compression_ratio:
        _raise_over(path, "expands too many times its compressed size, as a compression bomb does",
                    f"{ratio:,.0f} times", "max_compression_ratio", limits.max_compression_ratio)


#: Names a message lists before "... (N in all)".
SHOWN_NAMES = 10


def name_some(names, shown=SHOWN_NAMES):
    """Join the first ``shown`` names for a message, and say how many there are in all.

    Examples
    --------
    >>> name_some(["a", "b"])
    'a, b'
    >>> name_some([f"c{i}" for i in range(100_000)], shown=3)
    'c0, c1, c2, ... (100,000 in all)'
    """
    names = [str(name) for name in names]
    if len(names) <= shown:
        return ", ".join(names)
    return ", ".join(names[:shown]) + f", ... ({len(names):,} in all)"
