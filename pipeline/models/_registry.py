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

from ..phases import build_phase_steps

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
    """

    factory: Callable
    grid: dict = field(default_factory=dict)
    description: str = ""


MODELS = {
    "rf": ModelSpec(
        # n_jobs=1: the search already runs one fit per core.
        lambda seed: RandomForestClassifier(n_estimators=100, criterion="gini", n_jobs=1, random_state=seed),
        {"model__min_samples_leaf": [1, 4]},
        "Random forest of CART trees split by Gini impurity",
    ),
    "mlp": ModelSpec(
        lambda seed: MLPClassifier(
            activation="relu", solver="adam", alpha=1e-3, early_stopping=True, max_iter=100, random_state=seed
        ),
        {"model__hidden_layer_sizes": [(64,), (64, 32)]},
        "Multi-layer perceptron: ReLU hidden layers, logistic output, cross-entropy, Adam",
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
}


def build_model(name, config, roles, *, memory=None):
    """Build the unfitted Pipeline of a named model.

    Parameters
    ----------
    name : str
        A key of :data:`MODELS`.
    config : RunConfig
        Phase options (outliers, balance, reduction, seed).
    roles : Roles
        Numeric and categorical columns.
    memory : str or joblib.Memory, optional
        Caches fitted phase steps shared by the candidates of a search.

    Returns
    -------
    imblearn.pipeline.Pipeline
        Steps ``outliers`` (unless disabled), ``prepare``, ``balance``, ``reduce``, ``model``.

    Examples
    --------
    >>> from pipeline.config import RunConfig
    >>> from pipeline.datasets import Roles
    >>> model = build_model("rf", RunConfig(), Roles(numeric=["age"], categorical=["city"]))
    >>> [name for name, _ in model.steps]
    ['outliers', 'prepare', 'balance', 'reduce', 'model']
    """
    spec = MODELS[name]
    steps = build_phase_steps(
        roles.numeric,
        roles.categorical,
        outliers=config.outliers,
        threshold=config.z_threshold,
        balance=config.balance,
        k_neighbors=config.k_neighbors,
        reduce=config.reduce[0],
        max_categories=config.max_categories,
        random_state=config.seed,
    )
    return Pipeline([*steps, ("model", spec.factory(config.seed))], memory=memory)


def param_grid(name, config):
    """The search space of a named model: its grid times the configured reductions."""
    return {"reduce__method": list(config.reduce), **MODELS[name].grid}
