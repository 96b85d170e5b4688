"""The torch core both applications build on: training engine, runtime and layers.

:class:`Engine` trains any :class:`torch.nn.Module` (batches, Adam, learning-rate
schedule, early stopping with best-weights restore, seeded, one history entry per
epoch); :func:`resolve_device`, :func:`torch_threads` and :func:`torch_seed` decide
where and how torch runs; the layers (positional encoding, multi-head attention,
feed-forward, encoder layer) are plain modules with no knowledge of training or of
scikit-learn. The classifiers of :mod:`pipeline.models.neural` and the translator of
:mod:`pipeline.translate` both import these public names, and this package imports
neither of them.
"""

from ..lazy import lazy_exports

# Imported on first use: see :mod:`pipeline.lazy`.
_EXPORTS = {
    "ACTIVATIONS": "_layers",
    "EncoderLayer": "_layers",
    "Engine": "_engine",
    "FeedForward": "_layers",
    "MultiHeadAttention": "_layers",
    "PositionalEncoding": "_layers",
    "resolve_device": "_runtime",
    "sinusoidal_positional_encoding": "_layers",
    "torch_seed": "_runtime",
    "torch_threads": "_runtime",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
