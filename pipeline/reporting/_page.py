"""What every HTML page of the package shares: the Jinja environment and the atomic writer.

The run report and the translator's report are rendered by environments made
here (autoescaping every value, failing on a missing key) and written by
:func:`write_text_atomic`, so a reader never sees half a page.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import jinja2
import numpy as np

__all__ = ["compact_json", "format_number", "report_environment", "template_environment", "write_text_atomic"]


def template_environment(package):
    """A Jinja environment reading the ``templates`` folder of ``package``.

    Parameters
    ----------
    package : str
        Dotted name of the package holding a ``templates`` folder.

    Returns
    -------
    jinja2.Environment
        Autoescaping every value whatever the template's file name, and raising on
        an undefined name instead of printing a blank.

    Examples
    --------
    >>> env = template_environment("pipeline.reporting")
    >>> env.from_string("{{ x }}").render(x="<b>")
    '&lt;b&gt;'
    """
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def write_text_atomic(path, text):
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename.

    The file appears complete or not at all, and a failure leaves any previous
    file in place. Missing parent folders are created; the file gets the usual
    permissions of a new file (``mkstemp`` alone would make it private).

    Examples
    --------
    >>> import tempfile, os
    >>> path = write_text_atomic(os.path.join(tempfile.mkdtemp(), "a", "page.html"), "<p>hi</p>")
    >>> path.read_text()
    '<p>hi</p>'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o666 & ~umask)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return path


def compact_json(value):
    """One-line JSON of a report value (parameters, configs), keys sorted, unicode kept.

    Examples
    --------
    >>> compact_json({"b": (1, 2), "a": "é"})
    '{"a": "é", "b": [1, 2]}'
    """
    return json.dumps(value, indent=None, sort_keys=True, default=str, ensure_ascii=False)


def settings_text(params):
    """Parameters as ``name=value`` pairs, sorted, for a table cell a reader scans.

    Examples
    --------
    >>> settings_text({"model__max_depth": 3, "balance": "smote"})
    'balance=smote, model__max_depth=3'
    """
    return ", ".join(f"{key}={value}" for key, value in sorted(params.items()))


def format_number(value, digits=4):
    """Jinja filter: a number for a table cell; undefined values show as a dash.

    Examples
    --------
    >>> format_number(1234), format_number(0.123456), format_number(None)
    ('1,234', '0.1235', '—')
    """
    if value is None:
        return "\u2014"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return "\u2014"
        return f"{float(value):.{digits}f}"
    return str(value)


def report_environment():
    """The Jinja environment of the report templates, with the ``num`` filter."""
    env = template_environment("pipeline.reporting")
    env.filters["num"] = format_number
    return env
