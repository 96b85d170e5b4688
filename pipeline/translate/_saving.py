"""Save and load a fitted :class:`TransformerSeq2Seq` without pickle.

A model folder holds ``weights.safetensors`` (the network's CPU state dict),
``params.json`` (constructor parameters and fitted facts), ``source_vocab.json``
and ``target_vocab.json`` (tokenizer definitions), and ``manifest.json`` with the
SHA-256 of each; loading verifies every digest before parsing anything.
"""

from __future__ import annotations

import json

import safetensors.torch
from sklearn.utils.validation import check_is_fitted

from ._bundle import BundleError, read_bundle, write_bundle
from ._vocab import SubwordVocab

__all__ = ["save_translator", "load_translator"]

_WEIGHTS, _PARAMS, _SRC, _TGT = "weights.safetensors", "params.json", "source_vocab.json", "target_vocab.json"
_FITTED = ("history_", "best_epoch_", "n_train_pairs_", "n_valid_pairs_", "n_skipped_pairs_")


def save_translator(model, model_dir):
    """Write ``model`` into the new (or empty) folder ``model_dir``; return its path.

    Examples
    --------
    >>> import tempfile, os
    >>> from pipeline.translate import TransformerSeq2Seq
    >>> model = TransformerSeq2Seq(d_model=8, n_heads=2, n_layers=1, dim_feedforward=8,
    ...     max_epochs=1, validation_fraction=0, early_stopping=False, random_state=0)
    >>> model = model.fit(["a b", "b a"], ["x y", "y x"])
    >>> folder = save_translator(model, os.path.join(tempfile.mkdtemp(), "model"))
    >>> sorted(p.name for p in folder.iterdir())
    ['manifest.json', 'params.json', 'source_vocab.json', 'target_vocab.json', 'weights.safetensors']
    >>> load_translator(folder).predict(["a b"]) == model.predict(["a b"])
    True
    """
    check_is_fitted(model, "module_")
    state = {k: v.detach().cpu().contiguous() for k, v in model.module_.state_dict().items()}
    params = {
        "class": type(model).__name__,
        "params": model.get_params(deep=False),
        "fitted": {name: getattr(model, name) for name in _FITTED},
    }
    files = {
        _WEIGHTS: safetensors.torch.save(state),
        _PARAMS: json.dumps(params, indent=2, sort_keys=True).encode("utf-8"),
        _SRC: model.source_vocab_.to_json().encode("utf-8"),
        _TGT: model.target_vocab_.to_json().encode("utf-8"),
    }
    return write_bundle(model_dir, files)


def load_translator(model_dir):
    """Rebuild a fitted translator from a folder written by :func:`save_translator`."""
    from ._estimator import TransformerSeq2Seq

    files = read_bundle(model_dir)
    missing = [name for name in (_WEIGHTS, _PARAMS, _SRC, _TGT) if name not in files]
    if missing:
        raise BundleError(
            f"Model folder {str(model_dir)!r} lacks {', '.join(missing)} in its manifest; "
            "it was not written by save(). Save the model again."
        )
    try:
        params = json.loads(files[_PARAMS].decode("utf-8"))
        model = TransformerSeq2Seq(**params["params"])
        model.source_vocab_ = SubwordVocab.from_json(files[_SRC].decode("utf-8"))
        model.target_vocab_ = SubwordVocab.from_json(files[_TGT].decode("utf-8"))
        for name, value in params["fitted"].items():
            setattr(model, name, value)
        state = safetensors.torch.load(files[_WEIGHTS])
        module = model._build_module()
        module.load_state_dict(state)
    except (ValueError, KeyError, TypeError, RuntimeError) as err:
        raise BundleError(
            f"Model folder {str(model_dir)!r} passed its checksums but could not be read "
            f"({type(err).__name__}: {err}). It may come from another version; save it again."
        ) from err
    model.module_ = module.eval()
    return model
