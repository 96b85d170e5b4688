"""Model folders: named files plus a manifest of their SHA-256 digests.

Every model folder of the package, whichever application wrote it, is
written by :func:`write_folder` and read by :func:`read_folder`: the files go
into a hidden staging folder beside the destination, which is renamed into place
when complete, and reading checks the manifest's digest of every file, and
refuses files it does not list, before the caller parses any of them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from ..errors import DataError

__all__ = ["FORMAT_VERSION", "LOADER", "MANIFEST", "SIGNATURE", "ModelFileError", "read_folder",
           "write_folder"]

#: Version of the manifest layout (``format_version`` in ``manifest.json``).
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
#: A signed folder's signature: added after saving, so the one file the manifest does not list.
SIGNATURE = "model.sig"
#: Manifest key naming how to load a folder of another format than a classifier's
#: (a function, a command): the application that writes such folders sets it, so that
#: the classifier's loader can point there without knowing the application.
LOADER = "load_with"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class ModelFileError(DataError):
    """A model folder is missing, incomplete, altered, untrusted or of another format."""


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def write_folder(folder, files, manifest, *, allow_empty=False):
    """Write ``files`` (name -> bytes) and their manifest into the new folder ``folder``.

    Parameters
    ----------
    folder : str or path-like
        Must not exist yet (or, with ``allow_empty``, may be an empty folder).
    files : dict of str to bytes
    manifest : dict
        JSON-ready facts stored beside ``format_version`` and the ``files`` digests.
    allow_empty : bool, default=False

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, os
    >>> folder = write_folder(os.path.join(tempfile.mkdtemp(), "m"), {"a.txt": b"hi"}, {"format": "demo"})
    >>> manifest, files = read_folder(folder)
    >>> manifest["format"], files
    ('demo', {'a.txt': b'hi'})
    """
    folder = Path(folder)
    if folder.exists() and not (allow_empty and folder.is_dir() and not any(folder.iterdir())):
        raise FileExistsError(
            f"Model folder {str(folder)!r} exists already and is not empty; choose a new path "
            "(saving never overwrites a model)."
        )
    for name in files:
        _check_name(name, folder)
    content = {"format_version": FORMAT_VERSION, **manifest,
               "files": {name: _sha256(data) for name, data in sorted(files.items())}}
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        (staging / MANIFEST).write_text(json.dumps(content, indent=2), encoding="utf-8")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes it private; a model is shared like any folder
        if folder.exists():
            folder.rmdir()  # the empty folder allowed above; rmdir refuses one filled meanwhile
        # os.rename (unlike shutil.move) refuses to replace a non-empty folder made
        # meanwhile by someone else.
        os.rename(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def _check_name(name, folder):
    if not isinstance(name, str) or not _SAFE_NAME.match(name) or name == MANIFEST:
        raise ModelFileError(
            f"The manifest of model {str(folder)!r} lists {name!r}, which is not a plain file name."
        )


def _refuse_links(folder):
    """Refuse symbolic links inside the folder: the digests must be of the folder's own files."""
    links = sorted(p.name for p in folder.iterdir() if p.is_symlink())
    if links:
        raise ModelFileError(
            f"Model {str(folder)!r} holds symbolic link(s): {', '.join(links)}. A model folder is "
            "read only from its own files; copy the real files in (cp -L) instead of linking them."
        )


def _read_own_file(path):
    """The bytes of ``path``, refusing a symbolic link put there after the folder was listed."""
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(handle, "rb") as stream:
        return stream.read()


def _load_manifest(folder):
    manifest_path = folder / MANIFEST
    if not folder.is_dir() or not manifest_path.is_file():
        raise ModelFileError(
            f"{str(folder)!r} holds no {MANIFEST}; it is not a dmflow model folder. "
            "Pass the model/ folder inside a run folder, or a folder written by save."
        )
    _refuse_links(folder)
    try:
        manifest = json.loads(_read_own_file(manifest_path).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelFileError(
            f"The manifest of model {str(folder)!r} is unreadable ({err}). "
            "Use an untouched copy of the model folder."
        ) from None
    if not isinstance(manifest, dict):
        raise ModelFileError(
            f"The manifest of model {str(folder)!r} is not a JSON object; the folder is damaged."
        )
    return manifest


def read_folder(folder, *, upgrade=None):
    """Return ``(manifest, {file name: bytes})`` of a model folder after checking every digest.

    Parameters
    ----------
    folder : str or path-like
    upgrade : callable, optional
        ``upgrade(manifest, folder) -> manifest``: reads a manifest of an earlier
        layout as the current one, before its format version is checked. An
        application whose folders once had another manifest passes its own; it
        returns any other manifest unchanged.

    Raises
    ------
    ModelFileError
        The folder holds no manifest, is of another format version, lists a missing
        file, holds an unlisted one, or a file's digest does not match.
    """
    folder = Path(folder)
    manifest = _load_manifest(folder)
    if upgrade is not None:
        manifest = upgrade(manifest, folder)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"Model {str(folder)!r} has format version {manifest.get('format_version')!r}; "
            f"this dmflow reads version {FORMAT_VERSION}. Re-run the training with this version."
        )
    listed = manifest.get("files")
    if not isinstance(listed, dict) or not listed:
        raise ModelFileError(f"The manifest of model {str(folder)!r} lists no files; the folder is damaged.")
    for name in listed:
        _check_name(name, folder)
    extra = sorted(p.name for p in folder.iterdir() if p.name not in (MANIFEST, SIGNATURE, *listed))
    if extra:
        raise ModelFileError(
            f"Model {str(folder)!r} holds file(s) its manifest does not list: {', '.join(extra)}. "
            "Someone added them after saving; use an untouched copy of the model folder."
        )
    files = {}
    for name, expected in listed.items():
        path = folder / name
        if not path.is_file():
            raise ModelFileError(f"Model {str(folder)!r} is incomplete: {name} is missing.")
        try:
            data = _read_own_file(path)
        except OSError as err:  # ELOOP: a link swapped in since the folder was listed
            raise ModelFileError(f"Model file {name} in {str(folder)!r} cannot be read as the "
                                 f"folder's own file ({err.strerror}).") from None
        if _sha256(data) != expected:
            raise ModelFileError(
                f"Model file {name} in {str(folder)!r} does not match its recorded SHA-256: "
                "it was altered or truncated. Use an untouched copy of the model folder."
            )
        files[name] = data
    return manifest, files
