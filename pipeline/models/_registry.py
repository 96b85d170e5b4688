"""Model names -> estimator factory and hyperparameter grid.

Every model is one imbalanced-learn Pipeline: the phase steps (outliers,
prepare, balance, reduce) followed by the estimator, so a fitted model takes raw
rows. The grid of each model includes the reduction (``reduce__method``): the
validation split decides whether LDA, PCA or no reduction serves it best.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from imblearn.pipeline import Pipeline
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from ..errors import ConfigError
from ..phases import build_phase_steps, build_sequence_steps
from .neural import (
    CNNClassifier,
    GRUClassifier,
    LSTMClassifier,
    ResNetClassifier,
    RNNClassifier,
    TorchMLPClassifier,
    TransformerClassifier,
)

__all__ = ["MODELS", "ModelSpec", "build_model", "param_grid"]


@dataclass(frozen=True)
class ModelSpec:
    """How to make one named model.

    Attributes
    ----------
    factory : callable
        ``factory(random_state)`` returns an unfitted estimator.
    grid : dict
        Estimator hyperparameters to search, keyed as Pipeline parameters
        (``model__...``).
    description : str
        One line for the report.
    reads_sequences : bool
        The estimator reads series (n, steps, channels) as they are; other models
        get each series flattened into one row.
    reduce : tuple of str or None
        Reductions searched for tables; ``None`` takes the run's ``reduce``
        setting. Sequence models read each feature as a token, and LDA would
        leave them a single token, so they default to no reduction.
    neural : bool
        A torch model: the report shows its training curves.
    """

    factory: Callable
    grid: dict = field(default_factory=dict)
    description: str = ""
    reads_sequences: bool = False
    reduce: tuple | None = None
    neural: bool = False


def _torch(cls):
    """A torch model at its defaults, which train (budget, schedule, early stopping on an
    inner split); one thread each: the search already runs one fit per core, and on small
    models a second thread was measured to slow training down."""
    return lambda seed: cls(device="auto", n_threads=1, random_state=seed)


MODELS = {
    "rf": ModelSpec(
        # n_jobs=1: the search already runs one fit per core.
        lambda seed: RandomForestClassifier(n_estimators=100, criterion="gini", n_jobs=1, random_state=seed),
        {"model__min_samples_leaf": [1, 4]},
        "Random forest of CART trees split by Gini impurity",
    ),
    "mlp": ModelSpec(
        _torch(TorchMLPClassifier),
        {},
        "PyTorch MLP: ReLU hidden layers, sigmoid output, binary cross-entropy, Adam, early stopping",
        neural=True,
    ),
    "sk_mlp": ModelSpec(
        lambda seed: MLPClassifier(
            activation="relu", solver="adam", alpha=1e-3, early_stopping=True, max_iter=100, random_state=seed
        ),
        {"model__hidden_layer_sizes": [(64,), (64, 32)]},
        "scikit-learn MLP: ReLU hidden layers, logistic output, cross-entropy, Adam",
    ),
    "logreg": ModelSpec(
        lambda seed: LogisticRegression(max_iter=2000, random_state=seed),
        {"model__C": [0.1, 1.0, 10.0]},
        "Logistic regression",
    ),
    "hgb": ModelSpec(
        lambda seed: HistGradientBoostingClassifier(random_state=seed),
        {"model__max_leaf_nodes": [15, 31]},
        "Histogram gradient-boosted trees",
    ),
    "cnn": ModelSpec(
        _torch(CNNClassifier), {},
        "Fully convolutional network: conv + batch norm blocks, global average pooling (Wang et al. 2017)",
        reads_sequences=True, reduce=("none",), neural=True,
    ),
    "resnet": ModelSpec(
        _torch(ResNetClassifier), {},
        "Residual convolutional network, global average pooling (Wang et al. 2017)",
        reads_sequences=True, reduce=("none",), neural=True,
    ),
    "rnn": ModelSpec(
        _torch(RNNClassifier), {},
        "Simple (Elman) RNN over the features or patches of steps, tanh cells, mean + max pooling",
        reads_sequences=True, reduce=("none",), neural=True,
    ),
    "lstm": ModelSpec(
        _torch(LSTMClassifier), {},
        "Bidirectional LSTM over the features or patches of steps, mean + max pooling",
        reads_sequences=True, reduce=("none",), neural=True,
    ),
    "gru": ModelSpec(
        _torch(GRUClassifier), {},
        "Bidirectional GRU over the features or patches of steps, mean + max pooling",
        reads_sequences=True, reduce=("none",), neural=True,
    ),
    "transformer": ModelSpec(
        _torch(TransformerClassifier), {},
        "Transformer encoder over features or patches of steps: multi-head attention, sinusoidal positions",
        reads_sequences=True, reduce=("none",), neural=True,
    ),
}


def build_model(name, config, roles=None, *, kind="table", memory=None):
    """Build the unfitted Pipeline of a named model.

    Parameters
    ----------
    name : str
        A key of :data:`MODELS`.
    config : RunConfig
        Phase options (outliers, balance, reduction, seed).
    roles : Roles, optional
        Numeric and categorical columns of a table (unused for sequences).
    kind : {"table", "sequence"}, default="table"
        Tables get the column phases; series (n, steps, channels) get the
        per-channel ones, flattened for models that read rows.
    memory : str or joblib.Memory, optional
        Caches fitted phase steps shared by the candidates of a search.

    Returns
    -------
    imblearn.pipeline.Pipeline
        Steps ``outliers`` (tables, unless disabled), ``prepare``, ``balance``,
        ``reduce``, ``model``.

    Examples
    --------
    >>> from pipeline.config import RunConfig
    >>> from pipeline.datasets import Roles
    >>> model = build_model("rf", RunConfig(), Roles(numeric=["age"], categorical=["city"]))
    >>> [name for name, _ in model.steps]
    ['outliers', 'prepare', 'balance', 'reduce', 'model']
    """
    spec = MODELS[name]
    if kind == "sequence":
        steps = build_sequence_steps(
            flatten=not spec.reads_sequences,
            threshold=config.z_threshold if config.outliers != "none" else None,
            balance="none" if config.balance == "none" else "smote",
            k_neighbors=config.k_neighbors,
            random_state=config.seed,
        )
    else:
        steps = build_phase_steps(
            roles.numeric,
            roles.categorical,
            outliers=config.outliers,
            threshold=config.z_threshold,
            balance=config.balance,
            k_neighbors=config.k_neighbors,
            reduce=_reductions(spec, config)[0],
            max_categories=config.max_categories,
            random_state=config.seed,
        )
    estimator = spec.factory(config.seed)
    overrides = config.model_params.get(name, {})
    unknown = sorted(set(overrides) - set(estimator.get_params()))
    if unknown:
        raise ConfigError(
            f"`model_params.{name}` sets {', '.join(map(repr, unknown))}, which {type(estimator).__name__} does not "
            f"take. Its parameters: {', '.join(sorted(estimator.get_params()))}."
        )
    estimator.set_params(**overrides)
    return Pipeline([*steps, ("model", estimator)], memory=memory)


def _reductions(spec, config):
    return list(spec.reduce) if spec.reduce is not None else list(config.reduce)


def param_grid(name, config, *, kind="table"):
    """The search space of a named model: its grid times the reductions searched for it."""
    grid = dict(MODELS[name].grid)
    if kind == "table":
        grid["reduce__method"] = _reductions(MODELS[name], config)
    return grid
