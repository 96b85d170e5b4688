"""Neural classifiers (MLP, CNN, ResNet, MiniRocket, RNN, LSTM, GRU, Transformer) and their shared blocks.

Estimators follow the scikit-learn API. The layers (positional encoding, multi-head
attention, encoder and decoder layers) and the training :class:`Engine` are public so
that other models, such as an encoder-decoder translator, can reuse them.
"""

from ._base import NeuralClassifierBase
from ._cnn import CNNClassifier, ResNetClassifier
from ._conv import FCNNet, ResNetNet
from ._engine import Engine
from ._estimators import GRUClassifier, LSTMClassifier, RNNClassifier, TorchMLPClassifier
from ._layers import (
    DecoderLayer,
    EncoderLayer,
    MultiHeadAttention,
    PositionalEncoding,
    sinusoidal_positional_encoding,
)
from ._modules import MLP, FeatureTokenizer, RecurrentNet, TransformerNet
from ._patches import PatchEmbedding
from ._peephole import PeepholeLSTM
from ._random_kernels import RandomKernelFeatures, minirocket_kernels
from ._rocket import RocketClassifier
from ._runtime import resolve_device, torch_threads
from ._scaling import InputScaler
from ._transformer import TransformerClassifier

__all__ = [
    "CNNClassifier",
    "FCNNet",
    "InputScaler",
    "PatchEmbedding",
    "ResNetClassifier",
    "ResNetNet",
    "DecoderLayer",
    "EncoderLayer",
    "Engine",
    "FeatureTokenizer",
    "GRUClassifier",
    "LSTMClassifier",
    "MLP",
    "MultiHeadAttention",
    "NeuralClassifierBase",
    "PeepholeLSTM",
    "PositionalEncoding",
    "RNNClassifier",
    "RandomKernelFeatures",
    "RocketClassifier",
    "RecurrentNet",
    "TorchMLPClassifier",
    "TransformerClassifier",
    "TransformerNet",
    "resolve_device",
    "sinusoidal_positional_encoding",
    "minirocket_kernels",
    "torch_threads",
]
