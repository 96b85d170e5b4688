"""The shared scikit-learn side of the neural classifiers: validation, fit, predict.

Subclasses add their hyperparameters (the shared training settings come from
:data:`~pipeline.models.neural._settings.TRAINING_SETTINGS`) and one hook, ``_make_module(input_kind,
n_inputs, n_outputs)``, a pure function of parameters and fitted shapes. The fitted
module can therefore be rebuilt from ``get_params()`` and the fitted attributes with
:meth:`_build_module`, and its ``state_dict()`` loaded into it (for example from a
safetensors file).
"""

from __future__ import annotations

import logging
from numbers import Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, check_is_fitted, column_or_1d, validate_data
from torch import nn

from ..._sklearn import Interval, _fit_context
from ...nn import Engine, torch_seed
from ._augment import RandomCrop, resolve_augment
from ._budget import MIN_VALIDATION_ROWS, plan_training
from ._inputs import is_sequence_input, to_sequence_data
from ._scaling import InputScaler, channel_moments
from ._settings import TRAINING_SETTINGS, training_docstring, training_signature

__all__ = ["NeuralClassifierBase"]

logger = logging.getLogger(__name__)

#: Rows per forward pass at prediction (no gradients kept, so larger than in training).
PREDICT_BATCH = 1024


def _accuracy(logits: torch.Tensor, target: torch.Tensor) -> float:
    if logits.shape[1] == 1:  # binary: one logit
        predicted = (logits[:, 0] > 0).to(target.dtype)
    else:
        predicted = logits.argmax(dim=1)
    return float((predicted == target).float().mean())


def _binary_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return nn.functional.binary_cross_entropy_with_logits(logits[:, 0], target)


class NeuralClassifierBase(ClassifierMixin, BaseEstimator):
    """Base of the torch classifiers; not for direct use.

    Fitted attributes set by ``fit``: ``classes_``, ``n_features_in_`` (features of a
    table, or channels per step of sequences), ``input_kind_`` ("table" or
    "sequence"), ``module_`` (on the CPU), ``history_`` and ``best_epoch_``.
    """

    _parameter_constraints: dict = {
        **{setting.name: setting.constraints for setting in TRAINING_SETTINGS},
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }
    #: Training defaults a model changes from those of :data:`TRAINING_SETTINGS`
    #: (name -> default); its subclasses inherit them.
    _training_defaults: dict = {}
    _accepts_sequences = True

    def __init_subclass__(cls, **kwargs):
        # Each model lists its own hyperparameters, then **training; its signature (what
        # get_params and clone read) and its docstring get the shared settings here.
        super().__init_subclass__(**kwargs)
        defaults = cls._training_settings()
        owner = next(klass for klass in cls.__mro__ if "__init__" in klass.__dict__)
        if owner is cls:
            cls.__init__.__signature__ = training_signature(cls.__init__, defaults)
        elif owner is not NeuralClassifierBase and owner._training_settings() != defaults:
            raise TypeError(f"{cls.__name__} changes the training defaults of {owner.__name__}, so it "
                            "must define its own __init__ for its signature to show them.")
        if cls.__dict__.get("__doc__"):
            cls.__doc__ = training_docstring(cls.__doc__, defaults)

    @classmethod
    def _training_settings(cls) -> dict:
        """Training setting name -> this class's default."""
        return {s.name: cls._training_defaults.get(s.name, s.default) for s in TRAINING_SETTINGS}

    def __init__(self, **training):
        settings = self._training_settings()
        unknown = sorted(set(training) - set(settings))
        if unknown:
            raise TypeError(
                f"{type(self).__name__} got unexpected keyword argument(s) {', '.join(unknown)}; "
                f"its parameters: {', '.join(sorted(self._get_param_names()))}."
            )
        for name, default in settings.items():
            setattr(self, name, training.get(name, default))

    # -- hooks -------------------------------------------------------------------
    def _make_module(self, input_kind: str, n_inputs: int, n_outputs: int) -> nn.Module:
        raise NotImplementedError

    def _check_params(self) -> None:
        """Rules across parameters; runs after the per-parameter constraints."""

    def _fit_shapes(self, tensors) -> None:
        """Set fitted sizes the module needs beyond the channel count (e.g. a patch length)."""

    def _build_module(self) -> nn.Module:
        """A freshly initialised module for the fitted shapes (weights not loaded).

        The subclass's network sits inside an :class:`InputScaler`, whose buffers hold
        the per-channel standardisation learned in ``fit``.
        """
        check_is_fitted(self)
        inner = self._make_module(self.input_kind_, self.n_features_in_, self._n_outputs())
        return InputScaler(inner, self.n_features_in_)

    def _n_outputs(self) -> int:
        return 1 if len(self.classes_) == 2 else len(self.classes_)

    # -- data --------------------------------------------------------------------
    def _validate_X(self, X, *, reset: bool, y=None):
        """Return (tensors of inputs, y or None) and set shapes when ``reset``."""
        name = type(self).__name__
        if is_sequence_input(X):
            if not self._accepts_sequences:
                raise ValueError(
                    f"{name} takes 2-D tables (n_samples, n_features), but got sequences. "
                    "Flatten them to (n_samples, n_steps * n_channels), or use "
                    "LSTMClassifier, GRUClassifier or TransformerClassifier."
                )
            if not reset and self.input_kind_ != "sequence":
                raise ValueError(
                    f"{name} was fitted on a table with {self.n_features_in_} features, but "
                    "got sequences. Pass a 2-D array like the one used in fit."
                )
            data = to_sequence_data(X, name, None if reset else self.n_features_in_)
            if y is not None:
                y = column_or_1d(y, warn=True)
                check_consistent_length(data.X, y)
            if reset:
                self.input_kind_, self.n_features_in_ = "sequence", data.n_channels
                if hasattr(self, "feature_names_in_"):
                    del self.feature_names_in_
            tensors = [torch.from_numpy(data.X)]
            if data.lengths is not None:
                tensors.append(torch.from_numpy(data.lengths))
            return tensors, y
        if not reset and getattr(self, "input_kind_", "table") != "table":
            raise ValueError(
                f"{name} was fitted on sequences with {self.n_features_in_} channels, but "
                "got a 2-D table. Pass a 3-D array (n_samples, n_steps, n_channels) or a "
                "list of sequences, like the input used in fit."
            )
        if y is None:
            X = validate_data(self, X, reset=reset, dtype=np.float32)
        else:
            X, y = validate_data(self, X, y, reset=reset, dtype=np.float32)
        if reset:
            self.input_kind_ = "table"
        return [torch.from_numpy(np.ascontiguousarray(X))], y

    def _encode_y(self, y) -> torch.Tensor:
        idx = np.searchsorted(self.classes_, y)
        idx = np.clip(idx, 0, len(self.classes_) - 1)
        unknown = self.classes_[idx] != y
        if np.any(unknown):
            raise ValueError(
                f"y_val holds labels not seen in y: {sorted(set(np.asarray(y)[unknown].tolist()))}. "
                "Give the validation split only classes present in the training data."
            )
        if len(self.classes_) == 2:
            return torch.from_numpy(idx.astype(np.float32))
        return torch.from_numpy(idx.astype(np.int64))

    def _stops_early(self, n_rows: int) -> bool:
        """``early_stopping``, with "auto" on when the held-out share would hold enough rows."""
        if self.early_stopping != "auto":
            return bool(self.early_stopping)
        on = n_rows * self.validation_fraction >= MIN_VALIDATION_ROWS
        if not on:
            logger.info("%d rows hold out fewer than %d for validation: early stopping is off and "
                        "training uses every row for the whole budget", n_rows, MIN_VALIDATION_ROWS)
        return on

    def _split_validation(self, tensors, y_t, seed: int):
        """Hold out ``validation_fraction`` of the rows (stratified when possible)."""
        n = len(y_t)
        idx = np.arange(n)
        kwargs = dict(test_size=self.validation_fraction, random_state=seed)
        try:
            train_idx, val_idx = train_test_split(idx, stratify=y_t.numpy(), **kwargs)
        except ValueError:  # a class too rare to stratify, or too few rows
            train_idx, val_idx = train_test_split(idx, **kwargs)
        if len(np.unique(y_t.numpy()[train_idx])) < len(self.classes_):
            # too few rows to hold any out without losing a class: train on all of them
            logger.info("%d rows are too few to hold out a validation split; early stopping is off",
                        n)
            return [*tensors, y_t], None
        tr, va = torch.from_numpy(train_idx), torch.from_numpy(val_idx)
        return [t[tr] for t in tensors] + [y_t[tr]], [t[va] for t in tensors] + [y_t[va]]

    # -- fit / predict -----------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, X_val=None, y_val=None):
        """Train on ``X, y``; score ``X_val, y_val`` (if given) after each epoch.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), 3-D array of shape
            (n_samples, n_steps, n_channels), or list of sequences
            Training inputs (sequences only for the sequence models).
        y : array-like of shape (n_samples,)
            Class labels of any type.
        X_val, y_val : same kinds as X and y, default=None
            A validation split of the caller's. With ``early_stopping=True`` it is
            used instead of holding out ``validation_fraction`` of ``X``; without,
            its loss and accuracy are still recorded in ``history_``.

        Returns
        -------
        self
        """
        self._check_params()
        if (X_val is None) != (y_val is None):
            raise ValueError("Pass both X_val and y_val, or neither.")
        tensors, y = self._validate_X(X, reset=True, y=y)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least two classes, but y holds one class: "
                f"{self.classes_.tolist()[0]!r}."
            )
        y_t = torch.from_numpy(y_idx.astype(np.float32 if len(self.classes_) == 2 else np.int64))
        seed = torch_seed(self.random_state)
        train, valid = self._train_valid(tensors, y_t, X_val, y_val, seed)
        self._fit_shapes(tensors)
        plan = plan_training(len(train[0]), batch_size=self.batch_size, max_steps=self.max_steps,
                             max_epochs=self.max_epochs, patience=self.patience)
        self.batch_size_, self.n_epochs_ = plan.batch_size, plan.epochs
        with torch.random.fork_rng(devices=[]):  # weights from the seed, caller's RNG untouched
            torch.manual_seed(seed)
            module = self._build_module()
        module.set_moments(*channel_moments(*tensors[:2]))  # inputs (and lengths) of all rows
        engine = self._make_engine(module, seed, plan, early_stopping=valid is not None,
                                   augment=self._augmenter(len(train[0])))
        self.history_ = engine.fit(tuple(train), None if valid is None else tuple(valid))
        self.best_epoch_ = engine.best_epoch_
        self.module_ = engine.module  # on the CPU after fit
        return self

    def _train_valid(self, tensors, y_t, X_val, y_val, seed):
        """The training tensors and the validation ones (None when there are none)."""
        if X_val is not None:
            val_tensors, y_val = self._validate_X(X_val, reset=False, y=y_val)
            return [*tensors, y_t], [*val_tensors, self._encode_y(np.asarray(y_val))]
        if self._stops_early(len(y_t)):
            return self._split_validation(tensors, y_t, seed)
        return [*tensors, y_t], None

    def _augmenter(self, n_rows: int):
        """What augments the training batches of ``n_rows`` rows, or None.

        Only estimators with an ``augment`` parameter augment; they get ``augment_``.
        """
        if not hasattr(self, "augment"):
            return None
        self.augment_ = resolve_augment(self.augment, self.input_kind_, n_rows)
        return RandomCrop() if self.augment_ == "crop" else None

    def _make_engine(self, module: nn.Module, seed: int, plan, *, early_stopping: bool,
                     augment=None) -> Engine:
        binary = len(self.classes_) == 2
        return Engine(
            module,
            _binary_loss if binary else nn.functional.cross_entropy,
            lr=self.lr, weight_decay=self.weight_decay, max_epochs=plan.epochs,
            batch_size=plan.batch_size, grad_clip=self.grad_clip, schedule="onecycle",
            early_stopping=early_stopping, patience=plan.patience,
            metric_fn=_accuracy, augment=augment, device=self.device, amp=self.amp,
            random_state=seed, n_threads=self.n_threads, verbose=self.verbose,
        )

    def _forward_all(self, X) -> torch.Tensor:
        check_is_fitted(self)
        tensors, _ = self._validate_X(X, reset=False)
        engine = Engine(self.module_, nn.functional.cross_entropy, batch_size=PREDICT_BATCH,
                        device=self.device, n_threads=self.n_threads)
        return engine.predict(tuple(tensors))  # logits (n, n_outputs)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        logits = self._forward_all(X).double()
        if logits.shape[1] == 1:
            p = torch.sigmoid(logits[:, 0])
            return torch.stack([1 - p, p], dim=1).numpy()
        return torch.softmax(logits, dim=1).numpy()

    def predict(self, X) -> np.ndarray:
        """Predicted labels, taken from ``classes_``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)  # first: it checks that the model is fitted
        return self.classes_[np.argmax(proba, axis=1)]
