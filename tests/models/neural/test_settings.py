"""The shared training settings: declared once, present in every torch classifier."""

import inspect

import numpy as np
import pytest
from sklearn.base import clone

from pipeline._sklearn import InvalidParameterError
from pipeline.models.neural import (
    MLP,
    CNNClassifier,
    GRUClassifier,
    LSTMClassifier,
    NeuralClassifierBase,
    ResNetClassifier,
    RNNClassifier,
    TorchMLPClassifier,
    TransformerClassifier,
)
from pipeline.models.neural._settings import TRAINING_SETTINGS

TORCH_CLASSES = [TorchMLPClassifier, RNNClassifier, LSTMClassifier, GRUClassifier, TransformerClassifier,
                 CNNClassifier, ResNetClassifier]
NAMES = [setting.name for setting in TRAINING_SETTINGS]


class _TinyClassifier(NeuralClassifierBase):
    """A model added the short way: its own parameter, then the shared ones.

    Parameters
    ----------
    width : int, default=4
        Hidden units.

    Examples
    --------
    >>> _TinyClassifier().get_params()["lr"]
    0.01
    """

    _accepts_sequences = False
    _training_defaults = {"lr": 1e-2}

    def __init__(self, width=4, *, dropout=0.0, **training):
        self.width = width
        self.dropout = dropout
        super().__init__(**training)

    def _make_module(self, input_kind, n_inputs, n_outputs):
        return MLP(n_inputs, (self.width,), n_outputs, self.dropout)


@pytest.mark.parametrize("cls", TORCH_CLASSES + [_TinyClassifier], ids=lambda cls: cls.__name__)
def test_every_setting_is_a_keyword_parameter_with_a_constraint_and_a_docstring_entry(cls):
    defaults = cls._training_settings()
    parameters = inspect.signature(cls).parameters
    for name in NAMES:
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY
        assert parameters[name].default == defaults[name]
        assert name in cls._parameter_constraints
        assert f"\n    {name} : " in cls.__doc__ or "Same inputs, parameters" in cls.__doc__
    estimator = cls()
    assert all(getattr(estimator, name) == defaults[name] for name in NAMES)


def test_a_new_model_gets_the_settings_through_get_params_set_params_and_clone():
    params = _TinyClassifier(width=3, max_steps=5).get_params()
    assert set(params) == {"width", "dropout", *NAMES}
    assert params["lr"] == 1e-2 and params["max_steps"] == 5  # its own default, then the caller's
    copy = clone(_TinyClassifier().set_params(lr=0.5, patience=3))
    assert (copy.lr, copy.patience) == (0.5, 3)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), np.arange(40) % 2
    fitted = _TinyClassifier(max_steps=5, random_state=0).fit(X, y)
    assert fitted.predict_proba(X).shape == (40, 2)
    with pytest.raises(InvalidParameterError, match="'lr' parameter of _TinyClassifier"):
        _TinyClassifier(lr=-1.0).fit(X, y)


def test_an_unknown_setting_is_refused_with_the_parameters_listed():
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) learning_rate;.* lr,"):
        TorchMLPClassifier(learning_rate=0.1)


def test_a_model_without_training_keywords_is_refused_when_defined():
    with pytest.raises(TypeError, match=r"must end with \*\*training"):
        class _Closed(NeuralClassifierBase):  # noqa: F841  (defining it is the test)
            def __init__(self, width=4):
                self.width = width


def test_changed_defaults_need_their_own_signature():
    with pytest.raises(TypeError, match="changes the training defaults of TorchMLPClassifier"):
        class _Faster(TorchMLPClassifier):  # noqa: F841  (defining it is the test)
            _training_defaults = {"lr": 0.1}
