"""Save and load a fitted :class:`TransformerSeq2Seq` without pickle.

A translator's model folder is a model folder of the package
(:mod:`pipeline.persistence`): ``translator.safetensors`` (the network's CPU
state dict) and ``translator.json`` (constructor parameters and fitted facts),
written by the same torch-module saver as the classifiers', plus
``source_vocab.json`` and ``target_vocab.json`` (tokenizer definitions), all
listed with their SHA-256 in ``manifest.json``; loading verifies every digest
before parsing anything. Folders written before the manifest was shared
(``weights.safetensors``, ``params.json``) still load.
"""

from __future__ import annotations

from sklearn.utils.validation import check_is_fitted

from ..persistence import (
    FORMAT_VERSION,
    LOADER,
    ModelFileError,
    module_files,
    read_folder,
    rebuild_module,
    write_folder,
)
from ..versions import package_versions
from ._estimator import TransformerSeq2Seq
from ._extra import PACKAGES
from ._vocab import SubwordVocab

__all__ = ["load_translator", "save_translator"]

_FORMAT = "translator"
# Named in the manifest, so that the classifier's loader can send a translator folder here.
_LOADER = "pipeline.translate.load_translator or dmflow translate"
# The manifest before model folders shared one: the same digests, stored as
# {"sha256": ..., "bytes": ...} under this format and version.
_LEGACY_FORMAT = ("dmflow-translator", 1)
_LAYOUT = {"spec": "translator.json", "weights": "translator.safetensors",
           "source_vocab": "source_vocab.json", "target_vocab": "target_vocab.json"}
# The file names of the earlier layout, whose spec file held the same three keys.
_LEGACY_LAYOUT = {"spec": "params.json", "weights": "weights.safetensors",
                  "source_vocab": "source_vocab.json", "target_vocab": "target_vocab.json"}
_FITTED = ("history_", "best_epoch_", "n_train_pairs_", "n_valid_pairs_", "n_skipped_pairs_")
_PACKAGES = (*PACKAGES, "safetensors")


def save_translator(model, model_dir):
    """Write ``model`` into the new (or empty) folder ``model_dir``; return its path.

    Parameters
    ----------
    model : TransformerSeq2Seq
        A fitted translator.
    model_dir : str or path-like
        A folder that does not exist yet, or an empty one.

    Returns
    -------
    folder : pathlib.Path
        The written model folder.

    Examples
    --------
    >>> import os, tempfile
    >>> model = TransformerSeq2Seq(d_model=8, n_heads=2, n_layers=1, dim_feedforward=8,
    ...     max_epochs=1, validation_fraction=0, early_stopping=False, random_state=0)
    >>> model = model.fit(["a b", "b a"], ["x y", "y x"])
    >>> folder = save_translator(model, os.path.join(tempfile.mkdtemp(), "model"))
    >>> sorted(p.name for p in folder.iterdir())
    ['manifest.json', 'source_vocab.json', 'target_vocab.json', 'translator.json', 'translator.safetensors']
    >>> load_translator(folder).predict(["a b"]) == model.predict(["a b"])
    True
    """
    check_is_fitted(model, "module_")
    stem = _LAYOUT["spec"].rsplit(".", 1)[0]
    files = module_files(model, stem, fitted={name: getattr(model, name) for name in _FITTED})
    files[_LAYOUT["source_vocab"]] = model.source_vocab_.to_json().encode("utf-8")
    files[_LAYOUT["target_vocab"]] = model.target_vocab_.to_json().encode("utf-8")
    manifest = {"format": _FORMAT, LOADER: _LOADER, "versions": package_versions(_PACKAGES),
                "layout": _LAYOUT}
    return write_folder(model_dir, files, manifest, allow_empty=True)


def load_translator(model_dir):
    """Rebuild a fitted translator from a folder written by :func:`save_translator`.

    Raises
    ------
    ModelFileError
        The folder fails a digest check, is not a translator, or cannot be parsed.
    """
    manifest, files = read_folder(model_dir, upgrade=_upgrade_legacy)
    if manifest.get("format") != _FORMAT:
        raise ModelFileError(
            f"Model folder {str(model_dir)!r} holds a {manifest.get('format')!r} model, not a "
            "translator. Pass the model folder of a translate-train run."
        )
    layout = _LEGACY_LAYOUT if (manifest.get("layout") or {}).get("legacy") else manifest.get("layout") or {}
    missing = [role for role in _LAYOUT if layout.get(role) not in files]
    if missing:
        raise ModelFileError(
            f"Model folder {str(model_dir)!r} lacks the {', '.join(missing)} file(s) in its manifest; "
            "it was not written by save_translator. Save the model again."
        )
    try:
        vocabs = {f"{role}_": SubwordVocab.from_json(files[layout[role]].decode("utf-8"))
                  for role in ("source_vocab", "target_vocab")}
        return rebuild_module(files[layout["spec"]], files[layout["weights"]],
                              {TransformerSeq2Seq.__name__: TransformerSeq2Seq}, fitted=vocabs)
    except (ValueError, KeyError, TypeError, RuntimeError) as err:
        raise ModelFileError(
            f"Model folder {str(model_dir)!r} passed its checksums but could not be read "
            f"({type(err).__name__}: {err}). It may come from another version; save it again."
        ) from err


def _upgrade_legacy(manifest, folder):
    """Read a manifest of the earlier translator layout as the shared one; others pass unchanged."""
    legacy = (manifest.get("format"), manifest.get("version")) == _LEGACY_FORMAT
    if not legacy or "format_version" in manifest:
        return manifest
    entries = manifest.get("files")
    if not isinstance(entries, dict) or not all(isinstance(e, dict) for e in entries.values()):
        raise ModelFileError(f"The manifest of model {str(folder)!r} lists no files; the folder is damaged.")
    return {"format_version": FORMAT_VERSION, "format": _FORMAT, "layout": {"legacy": True},
            "files": {name: entry.get("sha256") for name, entry in entries.items()}}
