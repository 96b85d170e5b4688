"""Neural estimators and the building blocks they share (layers, training engine)."""

from ._engine import Engine, resolve_device, torch_threads
from ._layers import (
    DecoderLayer,
    EncoderLayer,
    MultiHeadAttention,
    PositionalEncoding,
    sinusoidal_positional_encoding,
)

__all__ = [
    "DecoderLayer",
    "Engine",
    "EncoderLayer",
    "MultiHeadAttention",
    "PositionalEncoding",
    "resolve_device",
    "sinusoidal_positional_encoding",
    "torch_threads",
]
