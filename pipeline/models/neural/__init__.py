"""Neural classifiers (MLP, CNN, ResNet, MiniRocket, RNN, LSTM, GRU, Transformer) and their shared blocks.

Estimators follow the scikit-learn API. The layers (positional encoding, multi-head
attention, encoder and decoder layers) and the training :class:`Engine` are public so
that other models, such as an encoder-decoder translator, can reuse them.
"""

from ...lazy import lazy_exports

# Imported on first use: see :mod:`pipeline.lazy`.
_EXPORTS = {
    "CNNClassifier": "_cnn",
    "DecoderLayer": "_layers",
    "EncoderLayer": "_layers",
    "Engine": "_engine",
    "FCNNet": "_conv",
    "FeatureTokenizer": "_modules",
    "GRUClassifier": "_estimators",
    "InputScaler": "_scaling",
    "LSTMClassifier": "_estimators",
    "MLP": "_modules",
    "MultiHeadAttention": "_layers",
    "NeuralClassifierBase": "_base",
    "PatchEmbedding": "_patches",
    "PeepholeLSTM": "_peephole",
    "PositionalEncoding": "_layers",
    "RNNClassifier": "_estimators",
    "RandomKernelFeatures": "_random_kernels",
    "RecurrentNet": "_modules",
    "ResNetClassifier": "_cnn",
    "ResNetNet": "_conv",
    "RocketClassifier": "_rocket",
    "TorchMLPClassifier": "_estimators",
    "TransformerClassifier": "_transformer",
    "TransformerNet": "_modules",
    "minirocket_kernels": "_random_kernels",
    "resolve_device": "_runtime",
    "sinusoidal_positional_encoding": "_layers",
    "torch_threads": "_runtime",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
