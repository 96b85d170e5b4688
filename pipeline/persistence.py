"""Saving and loading a fitted model as a folder with a manifest of file hashes.

The folder holds ``manifest.json`` (format version, package versions, classes,
feature names and roles, and the SHA-256 of every other file) beside the
serialised estimator. Loading checks every hash before anything is
deserialised, so a truncated or altered file is refused with a clear error.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import joblib

from .errors import DataError
from .versions import package_versions

__all__ = ["FORMAT_VERSION", "ModelFileError", "load_model", "save_model"]

FORMAT_VERSION = 1
_ESTIMATOR_FILE = "estimator.joblib"


class ModelFileError(DataError):
    """A model folder is missing, incomplete, altered or of another format."""


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save_model(estimator, folder, *, metadata=None):
    """Write a fitted estimator into a new folder, atomically.

    Parameters
    ----------
    estimator : fitted estimator
    folder : str or path-like
        Must not exist yet.
    metadata : dict, optional
        Extra JSON-serialisable facts for the manifest (feature roles, target).

    Returns
    -------
    pathlib.Path
        The folder.
    """
    folder = Path(folder)
    if folder.exists():
        raise FileExistsError(f"Model folder {str(folder)!r} exists already; choose a new path.")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        joblib.dump(estimator, staging / _ESTIMATOR_FILE)
        manifest = {
            "format_version": FORMAT_VERSION,
            "versions": package_versions(),
            "classes": [str(c) for c in getattr(estimator, "classes_", [])],
            "feature_names": [str(c) for c in getattr(estimator, "feature_names_in_", [])],
            "metadata": metadata or {},
            "files": {_ESTIMATOR_FILE: _sha256(staging / _ESTIMATOR_FILE)},
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def read_manifest(folder):
    """Return a model folder's manifest after checking every file's hash."""
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise ModelFileError(
            f"{str(folder)!r} is not a dmflow model folder (no manifest.json). "
            "Pass the model/ folder inside a run folder."
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelFileError(f"The manifest of model {str(folder)!r} is unreadable ({err}).") from None
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"Model {str(folder)!r} has format version {manifest.get('format_version')!r}; "
            f"this dmflow reads version {FORMAT_VERSION}. Re-run the training with this version."
        )
    for name, expected in manifest.get("files", {}).items():
        path = folder / name
        if not path.is_file():
            raise ModelFileError(f"Model {str(folder)!r} is incomplete: {name} is missing.")
        if _sha256(path) != expected:
            raise ModelFileError(
                f"Model file {name} in {str(folder)!r} does not match its recorded SHA-256: "
                "it was altered or truncated. Use an untouched copy of the model folder."
            )
    return manifest


def load_model(folder):
    """Load a model folder written by :func:`save_model`.

    Returns
    -------
    estimator, manifest : fitted estimator and its manifest dict
    """
    manifest = read_manifest(folder)
    if _ESTIMATOR_FILE not in manifest.get("files", {}):
        raise ModelFileError(f"Model {str(folder)!r} lists no {_ESTIMATOR_FILE} in its manifest.")
    return joblib.load(Path(folder) / _ESTIMATOR_FILE), manifest
