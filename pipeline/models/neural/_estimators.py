"""scikit-learn classifiers around the MLP and the recurrent modules.

Each class lists its own parameters, stores them in ``__init__`` (the shared training
settings go to the base class through ``**training``) and adds only ``_make_module``;
validation, training and prediction live in
:class:`~pipeline.models.neural._base.NeuralClassifierBase`.
"""

from __future__ import annotations

from numbers import Integral

from ..._sklearn import Interval, StrOptions
from ._augment import AUGMENTS
from ._base import NeuralClassifierBase
from ._modules import MLP, RecurrentNet
from ._patches import STEMS, patch_size_for

__all__ = ["GRUClassifier", "LSTMClassifier", "RNNClassifier", "TorchMLPClassifier"]

#: Most tokens a recurrent net reads with ``patch_size="auto"``.
MAX_RECURRENT_TOKENS = 64


class TorchMLPClassifier(NeuralClassifierBase):
    """Multi-layer perceptron classifier (ReLU) trained with Adam in PyTorch.

    Two classes: one sigmoid output and binary cross-entropy; more: softmax and
    cross-entropy. Takes 2-D tables only.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(256, 128)
        Width of each hidden layer.
    dropout : float, default=0.1
        Dropout after each hidden layer.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels seen in ``fit``.
    n_features_in_ : int
        Number of features.
    feature_names_in_ : ndarray of shape ``(n_features_in_,)``
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
    batch_size_, n_epochs_ : int
        The batch size and the planned epochs resolved in ``fit``.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The same model in NumPy.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(40, 3))
    >>> y = np.where(X[:, 0] > 0, "yes", "no")
    >>> clf = TorchMLPClassifier((8,), max_steps=20, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape, clf.predict_proba(X[:3]).shape
    ((3,), (3, 2))
    """

    _parameter_constraints: dict = {
        **NeuralClassifierBase._parameter_constraints,
        "hidden_layer_sizes": [tuple, list],
    }
    _accepts_sequences = False

    def __init__(self, hidden_layer_sizes=(256, 128), *, dropout=0.1, **training):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        super().__init__(**training)

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
    # A shorter budget and a faster rate than the MLP's; recurrent nets clip gradients
    # by default, against exploding gradients.
    _training_defaults = {"max_steps": 800, "lr": 3e-3, "grad_clip": 1.0}
    _parameter_constraints: dict = {
        **NeuralClassifierBase._parameter_constraints,
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "patch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "stem": [StrOptions(set(STEMS))],
        "augment": [StrOptions(set(AUGMENTS))],
        "tbptt_steps": [Interval(Integral, 1, None, closed="left"), None],
    }

    def _check_params(self) -> None:
        if self.tbptt_steps is not None and self.bidirectional:
            raise ValueError(
                f"tbptt_steps={self.tbptt_steps} needs bidirectional=False: the backward "
                "direction would read each chunk before the steps it depends on. Set one of them off."
            )

    def _fit_shapes(self, tensors) -> None:
        n_steps = tensors[0].shape[1] if self.input_kind_ == "sequence" else 1
        self.patch_size_ = patch_size_for(n_steps, self.patch_size, MAX_RECURRENT_TOKENS)

    def _make_module(self, input_kind, n_inputs, n_outputs):
        return RecurrentNet(
            self._cell, input_kind, n_inputs, n_outputs, hidden_size=self.hidden_size,
            num_layers=self.num_layers, bidirectional=self.bidirectional, dropout=self.dropout,
            peephole=getattr(self, "peephole", False), patch_size=self.patch_size_,
            tbptt_steps=self.tbptt_steps, stem=self.stem,
        )


class RNNClassifier(_RecurrentClassifier):
    """Simple (Elman, tanh) recurrent network classifier.

    Inputs: a 2-D table (each feature becomes one step: its value times a learned
    per-feature embedding plus a per-feature embedding), a 3-D array (n_samples,
    n_steps, n_channels), or a list of variable-length sequences of shape
    (n_steps_i, n_channels) or (n_steps_i,), which are padded and packed so padding
    never changes a prediction. Inputs are standardised per channel with the
    training mean and deviation; series are read in patches of steps (one token per
    patch); class scores come from the mean and maximum of the top layer's outputs
    over time (both directions when bidirectional).

    Parameters
    ----------
    hidden_size : int, default=64
        Units per direction and layer (also the token width).
    num_layers : int, default=1
        Stacked recurrent layers.
    bidirectional : bool, default=True
        Also read each sequence backwards.
    dropout : float, default=0.1
        Dropout between recurrent layers and before the output layer.
    patch_size : int or "auto", default="auto"
        Steps per token for series; "auto" takes the smallest patch that leaves at
        most 64 tokens. Tables always have one token per feature.
    stem : {"conv", "linear"}, default="conv"
        How series steps become tokens: a convolution over the steps (kernel 7, batch
        norm, ReLU) whose features are then cut into patches, or the linear embedding
        of the raw patches alone. Tables ignore it.
    tbptt_steps : int or None, default=None
        Truncated backpropagation through time: in training, run the tokens in chunks
        of this many and stop gradients through the recurrence at chunk borders (the
        state is carried on; with ``stem="conv"`` the stem's batch-norm statistics
        still span the whole series). Needs ``bidirectional=False``.
    augment : {"auto", "crop", "none"}, default="auto"
        Data augmentation of training series. "crop" shows the network, in every
        training batch, each series cut to a random 90 to 100 percent of its steps at
        a random offset (see :class:`~pipeline.models.neural._augment.RandomCrop`), so
        that on few series it learns shapes rather than where each step lies. "auto"
        crops training sets of up to 1000 series; "none" trains on the series as
        given. Validation rows and predictions are never cropped, ``random_state``
        fixes the crops, and tables are never cropped.

    Attributes
    ----------
    classes_, module_, history_, best_epoch_, batch_size_, n_epochs_, feature_names_in_
        As in :class:`TorchMLPClassifier`.
    n_features_in_ : int
        Features of a table, or channels per step of sequences.
    input_kind_ : {"table", "sequence"}
        The kind of input seen in ``fit``; ``predict`` expects the same.
    patch_size_ : int
        Steps per token (1 for tables).
    augment_ : {"crop", "none"}
        The augmentation ``fit`` used, "auto" resolved.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.normal(size=(n, 2)) for n in rng.integers(3, 9, size=40)]
    >>> y = np.array([int(s[:, 0].sum() > 0) for s in X])
    >>> clf = RNNClassifier(8, max_steps=10, random_state=0).fit(X, y)
    >>> clf.input_kind_, clf.predict_proba(X[:5]).shape
    ('sequence', (5, 2))
    """

    _cell = "rnn"

    def __init__(self, hidden_size=64, *, num_layers=1, bidirectional=True, dropout=0.1, patch_size="auto",
                 stem="conv", tbptt_steps=None, augment="auto", **training):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.patch_size = patch_size
        self.stem = stem
        self.tbptt_steps = tbptt_steps
        self.augment = augment
        super().__init__(**training)


class GRUClassifier(RNNClassifier):
    """Gated recurrent unit (GRU) classifier.

    Same inputs, parameters and attributes as :class:`RNNClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(40, 6, 2))  # (samples, steps, channels)
    >>> y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    >>> GRUClassifier(8, max_steps=10, random_state=0).fit(X, y).predict(X[:4]).shape
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
    hidden_size, num_layers, bidirectional, dropout, patch_size, stem, tbptt_steps, augment
        As in :class:`RNNClassifier`.
    peephole : bool, default=False
        Use peephole connections.

    Attributes
    ----------
    classes_, n_features_in_, input_kind_, patch_size_, module_, history_, best_epoch_, \
batch_size_, n_epochs_, feature_names_in_, augment_
        As in :class:`RNNClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(40, 5))  # a table: 5 features -> 5 steps
    >>> y = np.where(X[:, 0] > 0, "up", "down")
    >>> LSTMClassifier(8, max_steps=10, random_state=0).fit(X, y).classes_
    array(['down', 'up'], dtype='<U4')
    """

    _cell = "lstm"
    _parameter_constraints: dict = {**_RecurrentClassifier._parameter_constraints, "peephole": ["boolean"]}

    def __init__(self, hidden_size=64, *, num_layers=1, bidirectional=True, dropout=0.1, peephole=False,
                 patch_size="auto", stem="conv", tbptt_steps=None, augment="auto", **training):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.peephole = peephole
        self.patch_size = patch_size
        self.stem = stem
        self.tbptt_steps = tbptt_steps
        self.augment = augment
        super().__init__(**training)
