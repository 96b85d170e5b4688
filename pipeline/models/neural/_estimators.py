"""scikit-learn classifiers around the MLP and the recurrent modules.

Each class lists its parameters, stores them in ``__init__`` and adds only
``_make_module``; validation, training and prediction live in
:class:`~pipeline.models.neural._base.NeuralClassifierBase`.
"""

from __future__ import annotations

from numbers import Integral

from sklearn.utils._param_validation import Interval

from ._base import NeuralClassifierBase
from ._modules import MLP, RecurrentNet

__all__ = ["GRUClassifier", "LSTMClassifier", "RNNClassifier", "TorchMLPClassifier"]


class TorchMLPClassifier(NeuralClassifierBase):
    """Multi-layer perceptron classifier (ReLU) trained with Adam in PyTorch.

    Two classes: one sigmoid output and binary cross-entropy; more: softmax and
    cross-entropy. Takes 2-D tables only.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(64, 64)
        Width of each hidden layer.
    dropout : float, default=0.0
        Dropout after each hidden layer.
    max_epochs : int, default=20
        Passes over the training data (fewer with early stopping).
    batch_size : int, default=128
        Rows per training batch.
    lr : float, default=1e-3
        Adam learning rate.
    weight_decay : float, default=0.0
        Adam L2 penalty.
    early_stopping : bool, default=False
        Stop when the validation loss stops improving and keep the best epoch's
        weights. The validation data is ``X_val, y_val`` passed to ``fit``, else a
        stratified ``validation_fraction`` of the training rows.
    validation_fraction : float, default=0.1
        Share of training rows held out for early stopping when no ``X_val`` is given.
    patience : int, default=5
        Epochs without improvement before stopping.
    grad_clip : float or None, default=None
        Maximum gradient norm; None does not clip.
    device : str, default="auto"
        "auto" trains on CUDA when available, else on the CPU. The fitted module is
        always stored on the CPU.
    amp : bool, default=False
        Mixed precision on CUDA (ignored on the CPU).
    n_threads : int or None, default=1
        Torch threads inside fit and predict (restored afterwards); one is fastest for
        small models on few cores. None keeps torch's setting.
    random_state : int, RandomState instance or None, default=None
        Seeds weights, shuffling and dropout; an int gives identical results on CPU.
    verbose : bool or int, default=False
        Progress bar over epochs and per-epoch log lines.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels seen in ``fit``.
    n_features_in_ : int
        Number of features.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` was a DataFrame with string column names.
    input_kind_ : str
        Always "table".
    module_ : torch.nn.Module
        The trained network, on the CPU.
    history_ : list of dict
        Per epoch: ``epoch``, ``train_loss``, ``valid_loss``, ``valid_metric``
        (validation accuracy); ``None`` without validation data.
    best_epoch_ : int
        Epoch whose weights ``module_`` holds.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The same model in NumPy.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(40, 3))
    >>> y = np.where(X[:, 0] > 0, "yes", "no")
    >>> clf = TorchMLPClassifier((8,), max_epochs=2, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape, clf.predict_proba(X[:3]).shape
    ((3,), (3, 2))
    """

    _parameter_constraints: dict = {
        **NeuralClassifierBase._parameter_constraints,
        "hidden_layer_sizes": [tuple, list],
    }
    _accepts_sequences = False

    def __init__(
        self, hidden_layer_sizes=(64, 64), *, dropout=0.0, max_epochs=20, batch_size=128,
        lr=1e-3, weight_decay=0.0, early_stopping=False, validation_fraction=0.1, patience=5,
        grad_clip=None, device="auto", amp=False, n_threads=1, random_state=None, verbose=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.grad_clip = grad_clip
        self.device = device
        self.amp = amp
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self) -> None:
        sizes = self.hidden_layer_sizes
        if not all(isinstance(s, Integral) and s >= 1 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes must hold positive integers, got {sizes!r}. "
                "For example hidden_layer_sizes=(64, 64)."
            )

    def _make_module(self, input_kind, n_inputs, n_outputs):
        return MLP(n_inputs, tuple(int(s) for s in self.hidden_layer_sizes), n_outputs, self.dropout)


class _RecurrentClassifier(NeuralClassifierBase):
    """Shared parameters and module of RNNClassifier, LSTMClassifier and GRUClassifier."""

    _cell = ""
    _parameter_constraints: dict = {
        **NeuralClassifierBase._parameter_constraints,
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
    }

    def _make_module(self, input_kind, n_inputs, n_outputs):
        return RecurrentNet(
            self._cell, input_kind, n_inputs, n_outputs, hidden_size=self.hidden_size,
            num_layers=self.num_layers, bidirectional=self.bidirectional, dropout=self.dropout,
            peephole=getattr(self, "peephole", False),
        )


class RNNClassifier(_RecurrentClassifier):
    """Simple (Elman, tanh) recurrent network classifier.

    Inputs: a 2-D table (each feature becomes one step: its value times a learned
    per-feature embedding plus a per-feature embedding), a 3-D array (n_samples,
    n_steps, n_channels), or a list of variable-length sequences of shape
    (n_steps_i, n_channels) or (n_steps_i,), which are padded and packed so padding
    never changes a prediction. Class scores come from the last hidden state (both
    directions when bidirectional).

    Parameters
    ----------
    hidden_size : int, default=64
        Units per direction and layer (also the token width for tables).
    num_layers : int, default=1
        Stacked recurrent layers.
    bidirectional : bool, default=False
        Also read each sequence backwards.
    dropout : float, default=0.0
        Dropout between recurrent layers and before the output layer.
    max_epochs, batch_size, lr, weight_decay, early_stopping, validation_fraction, \
patience, device, amp, n_threads, random_state, verbose
        As in :class:`TorchMLPClassifier`.
    grad_clip : float or None, default=1.0
        Maximum gradient norm; recurrent nets clip by default against exploding
        gradients.

    Attributes
    ----------
    classes_, module_, history_, best_epoch_, feature_names_in_
        As in :class:`TorchMLPClassifier`.
    n_features_in_ : int
        Features of a table, or channels per step of sequences.
    input_kind_ : {"table", "sequence"}
        The kind of input seen in ``fit``; ``predict`` expects the same.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.normal(size=(n, 2)) for n in rng.integers(3, 9, size=40)]
    >>> y = np.array([int(s[:, 0].sum() > 0) for s in X])
    >>> clf = RNNClassifier(8, max_epochs=2, random_state=0).fit(X, y)
    >>> clf.input_kind_, clf.predict_proba(X[:5]).shape
    ('sequence', (5, 2))
    """

    _cell = "rnn"

    def __init__(
        self, hidden_size=64, *, num_layers=1, bidirectional=False, dropout=0.0, max_epochs=20,
        batch_size=128, lr=1e-3, weight_decay=0.0, early_stopping=False, validation_fraction=0.1,
        patience=5, grad_clip=1.0, device="auto", amp=False, n_threads=1, random_state=None,
        verbose=False,
    ):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.grad_clip = grad_clip
        self.device = device
        self.amp = amp
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose


class GRUClassifier(RNNClassifier):
    """Gated recurrent unit (GRU) classifier.

    Same inputs, parameters and attributes as :class:`RNNClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(40, 6, 2))  # (samples, steps, channels)
    >>> y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    >>> GRUClassifier(8, max_epochs=2, random_state=0).fit(X, y).predict(X[:4]).shape
    (4,)
    """

    _cell = "gru"


class LSTMClassifier(_RecurrentClassifier):
    """Long short-term memory (LSTM) classifier.

    Same inputs as :class:`RNNClassifier`. ``peephole=True`` lets the gates read the
    cell state (peephole connections); torch's fused LSTM has none, so that variant
    runs a step-by-step loop and is several times slower.

    Parameters
    ----------
    hidden_size, num_layers, bidirectional, dropout, max_epochs, batch_size, lr, \
weight_decay, early_stopping, validation_fraction, patience, grad_clip, device, amp, \
n_threads, random_state, verbose
        As in :class:`RNNClassifier`.
    peephole : bool, default=False
        Use peephole connections.

    Attributes
    ----------
    classes_, n_features_in_, input_kind_, module_, history_, best_epoch_, feature_names_in_
        As in :class:`RNNClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(40, 5))  # a table: 5 features -> 5 steps
    >>> y = np.where(X[:, 0] > 0, "up", "down")
    >>> LSTMClassifier(8, max_epochs=2, random_state=0).fit(X, y).classes_
    array(['down', 'up'], dtype='<U4')
    """

    _cell = "lstm"
    _parameter_constraints: dict = {**_RecurrentClassifier._parameter_constraints, "peephole": ["boolean"]}

    def __init__(
        self, hidden_size=64, *, num_layers=1, bidirectional=False, dropout=0.0, peephole=False,
        max_epochs=20, batch_size=128, lr=1e-3, weight_decay=0.0, early_stopping=False,
        validation_fraction=0.1, patience=5, grad_clip=1.0, device="auto", amp=False,
        n_threads=1, random_state=None, verbose=False,
    ):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.peephole = peephole
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.grad_clip = grad_clip
        self.device = device
        self.amp = amp
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
