"""Neural classifiers (MLP, CNN, ResNet, MiniRocket, RNN, LSTM, GRU, Transformer) and their networks.

Estimators follow the scikit-learn API. They are trained by the engine, and built
from the layers, of the torch core :mod:`pipeline.nn`, which the translator shares.
"""

from ...lazy import lazy_exports

# Imported on first use: see :mod:`pipeline.lazy`.
_EXPORTS = {
    "CNNClassifier": "_cnn",
    "FCNNet": "_conv",
    "FeatureTokenizer": "_modules",
    "GRUClassifier": "_estimators",
    "InputScaler": "_scaling",
    "LSTMClassifier": "_estimators",
    "MLP": "_modules",
    "NeuralClassifierBase": "_base",
    "PatchEmbedding": "_patches",
    "PeepholeLSTM": "_peephole",
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
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
