"""A folder of files guarded by a SHA-256 manifest (no pickle anywhere).

Writing puts every file into the folder and then ``manifest.json`` listing each
file's digest; reading refuses a folder whose files are missing, extra to the
manifest's list, or changed, before any of them is parsed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..errors import DataError

__all__ = ["write_bundle", "read_bundle", "MANIFEST", "BundleError"]

MANIFEST = "manifest.json"
_FORMAT = "dmflow-translator"
_VERSION = 1


class BundleError(DataError):
    """A saved model folder is incomplete, altered or not a model folder."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_bundle(folder, files: dict[str, bytes]) -> Path:
    """Write ``files`` (name -> bytes) and their manifest into the new folder ``folder``."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(
            f"Model folder {str(folder)!r} already exists and is not empty; pass a new "
            "folder (saving never overwrites a model)."
        )
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    manifest = {
        "format": _FORMAT,
        "version": _VERSION,
        "files": {name: {"sha256": _sha256(data), "bytes": len(data)} for name, data in files.items()},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    return folder


def read_bundle(folder) -> dict[str, bytes]:
    """Return name -> bytes of every file listed in ``folder``'s manifest, verified."""
    folder = Path(folder)
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise BundleError(
            f"{str(folder)!r} holds no {MANIFEST}; it is not a saved translator. Pass the "
            "'model' folder inside a run folder, or a folder written by save()."
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        entries = manifest["files"]
        fmt = manifest["format"]
    except (ValueError, KeyError, TypeError) as err:
        raise BundleError(f"{manifest_path} is not a valid manifest ({err}); save the model again.") from err
    if fmt != _FORMAT or manifest.get("version") != _VERSION:
        raise BundleError(
            f"{manifest_path} describes format {fmt!r} version {manifest.get('version')!r}, "
            f"but this code reads {_FORMAT!r} version {_VERSION}."
        )
    files = {}
    for name, entry in entries.items():
        if Path(name).name != name:
            raise BundleError(f"{manifest_path} lists {name!r}, which is not a plain file name.")
        path = folder / name
        if not path.is_file():
            raise BundleError(f"Model file {str(path)!r} listed in the manifest is missing.")
        data = path.read_bytes()
        if _sha256(data) != entry.get("sha256"):
            raise BundleError(
                f"Model file {str(path)!r} does not match its SHA-256 in {MANIFEST}: it was "
                "changed or damaged after saving. Restore it or save the model again."
            )
        files[name] = data
    return files
