"""Figure data read off fitted models for the report (not saved in metrics.json)."""

from __future__ import annotations

import logging

import numpy as np

__all__ = ["neural_extras", "token_names"]

logger = logging.getLogger(__name__)


def token_names(pipe, kind, n_tokens):
    """Names of the tokens the final estimator reads: features after the phases, or steps."""
    if kind == "sequence":
        return [f"t{i}" for i in range(n_tokens)]
    reducer = pipe.named_steps.get("reduce")
    if reducer is not None and getattr(reducer, "method", "none") != "none":
        prefix = "LD" if reducer.method == "lda" else "PC"
        return [f"{prefix}{i + 1}" for i in range(n_tokens)]
    try:
        names = [str(n) for n in pipe[: [s for s, _ in pipe.steps].index("reduce")].get_feature_names_out()]
    except (AttributeError, ValueError, TypeError):
        names = []
    return names if len(names) == n_tokens else [f"x{i}" for i in range(n_tokens)]


def neural_extras(models, neural_names, X_example, kind):
    """Training histories of neural models, and the Transformer's attention and positions.

    Parameters
    ----------
    models : dict
        Model name -> fitted Pipeline.
    neural_names : iterable of str
        Names of the torch models among them.
    X_example : rows or series
        One raw example (first row of the test split) for the attention maps.
    kind : {"table", "sequence"}

    Returns
    -------
    dict with ``histories`` and, when a Transformer ran, ``attention`` and ``positional_encoding``.
    """
    from .models.neural import sinusoidal_positional_encoding

    extras = {"histories": {}}
    for name in neural_names:
        estimator = models[name][-1]
        extras["histories"][name] = {
            "history": list(getattr(estimator, "history_", [])),
            "best_epoch": getattr(estimator, "best_epoch_", None),
        }
        if not hasattr(estimator, "attention_maps"):
            continue
        transformed = models[name][:-1].transform(X_example)
        maps = estimator.attention_maps(transformed)[0]  # (layers, heads, T, T)
        n_tokens = maps.shape[-1]
        with_cls = getattr(estimator, "pooling", None) == "cls"
        names = token_names(models[name], kind, n_tokens - int(with_cls))
        extras["attention"] = {name: {"maps": maps, "tokens": (["[CLS]"] if with_cls else []) + names}}
        extras["positional_encoding"] = sinusoidal_positional_encoding(n_tokens, estimator.d_model).numpy()
    if not extras["histories"]:
        del extras["histories"]
    return extras
