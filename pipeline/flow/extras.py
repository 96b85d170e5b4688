"""Figure data read off fitted models for the report (not saved in metrics.json)."""

from __future__ import annotations

import logging

import numpy as np

__all__ = ["lda_projection", "neural_extras", "token_names"]

logger = logging.getLogger(__name__)

_LDA_POINTS = 3000  # rows drawn in the LDA projection figure


def lda_projection(models, best, X, y, seed, kind):
    """Rows projected by the first model (the best first) whose reduction is LDA; None if none is.

    Parameters
    ----------
    models : dict
        Model name -> fitted Pipeline.
    best : str
        Tried first.
    X, y : the rows the models were fitted on
    seed : int
        Draws the rows shown.
    kind : a kind of :data:`pipeline.kinds.KINDS`
    """
    order = [best] + [name for name in models if name != best]
    for name in order:
        pipe = models[name]
        if getattr(pipe.named_steps.get("reduce"), "method", None) != "lda":
            continue
        at = [step for step, _ in pipe.steps].index("reduce")
        rng = np.random.default_rng(seed)
        rows = np.sort(rng.choice(len(y), size=min(_LDA_POINTS, len(y)), replace=False))
        values = pipe[: at + 1].transform(kind.take(X, rows))
        return {"values": np.asarray(values), "labels": np.asarray(y)[rows], "model": name}
    return None


def token_names(pipe, kind, n_tokens):
    """Names of the tokens the final estimator reads: features after the phases, or steps."""
    if not kind.named_columns:
        return kind.token_names(n_tokens)
    reducer = pipe.named_steps.get("reduce")
    if reducer is not None and getattr(reducer, "method", "none") != "none":
        prefix = "LD" if reducer.method == "lda" else "PC"
        return [f"{prefix}{i + 1}" for i in range(n_tokens)]
    try:
        names = [str(n) for n in pipe[: [s for s, _ in pipe.steps].index("reduce")].get_feature_names_out()]
    except (AttributeError, ValueError, TypeError):
        names = []
    return names if len(names) == n_tokens else kind.token_names(n_tokens)


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
    kind : a kind of :data:`pipeline.kinds.KINDS`

    Returns
    -------
    dict with ``histories`` and, when a Transformer ran, ``attention`` and ``positional_encoding``.
    """
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
        # imported here: a run without a Transformer need not import torch for the report
        from ..nn import sinusoidal_positional_encoding

        extras["positional_encoding"] = sinusoidal_positional_encoding(n_tokens, estimator.d_model).numpy()
    if not extras["histories"]:
        del extras["histories"]
    return extras
