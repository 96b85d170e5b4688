"""Model names -> estimator factory and search space.

Every model is one imbalanced-learn Pipeline: the phase steps (outliers,
prepare, balance, reduce) followed by the estimator, so a fitted model takes raw
rows. A model's candidates vary its hyperparameters and its phase variants (the
article's "sub-algorithms": outlier treatment, class balancing, reduction) together;
:func:`candidate_params` draws them at random from the space, the first being the
model's defaults with the first variant of each phase.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from imblearn.pipeline import Pipeline
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import ParameterGrid, ParameterSampler
from sklearn.neural_network import MLPClassifier

from ..errors import ConfigError
from ..kinds import KINDS
from ..phases import PHASE_NAMES, PHASES
from . import neural

__all__ = ["LARGE_ROWS", "MODELS", "ModelSpec", "build_candidate", "build_model", "candidate_params",
           "candidates_wanted", "import_estimators", "phase_options", "worker_modules"]

#: Above this many non-test rows the default search is lighter: 3 folds instead of
#: 5 and half the candidates per model (at least 2), as each fit already learns
#: from many rows and costs more.
LARGE_ROWS = 20_000


@dataclass(frozen=True)
class ModelSpec:
    """How to make one named model.

    Attributes
    ----------
    factory : callable
        ``factory(random_state)`` returns an unfitted estimator.
    grid : dict
        Estimator hyperparameters to search, keyed as Pipeline parameters
        (``model__...``): lists of values to draw from.
    description : str
        One line for the report.
    reads_sequences : bool
        The estimator reads series (n, steps, channels) as they are; other models
        get each series flattened into one row.
    phases : mapping
        Phase name (see :data:`~pipeline.phases.PHASES`) -> the only variants searched
        for this model; the other phases take the run's setting.
    neural : bool
        A torch model: the report shows its training curves.
    n_candidates : int
        Candidates drawn for it (its defaults included).
    class_weight : bool
        The estimator takes ``class_weight``, so balancing by weights is searched.
    """

    factory: Callable
    grid: dict = field(default_factory=dict)
    description: str = ""
    reads_sequences: bool = False
    phases: dict = field(default_factory=dict)
    neural: bool = False
    n_candidates: int = 2
    class_weight: bool = False


# Sequence models read each feature as a token, and LDA would leave them a single
# token, so they search no reduction.
_UNREDUCED = {"reduce": ("none",)}

# Trees per forest: more than scikit-learn's 100 (ranking improves up to a few
# hundred), fewer than that so that a cross-validated search stays affordable.
_TREES = 200


def _torch(name):
    """A torch model at its defaults, which train (budget, schedule, early stopping on an
    inner split); one thread each: the search already runs one fit per core, and on small
    models a second thread was measured to slow training down. The class is looked up
    when a model is built, so that naming the models does not import torch."""
    def factory(seed):
        return getattr(neural, name)(device="auto", n_threads=1, random_state=seed)

    factory.torch_class = name  # lets worker_modules tell torch models apart without importing torch
    return factory


MODELS = {
    "rf": ModelSpec(
        # n_jobs=1: the search already runs one fit per core.
        lambda seed: RandomForestClassifier(n_estimators=_TREES, criterion="gini", min_samples_leaf=2,
                                            n_jobs=1, random_state=seed),
        {"model__min_samples_leaf": [1, 2, 5, 10], "model__max_features": ["sqrt", "log2", 0.25]},
        "Random forest of CART trees split by Gini impurity",
        n_candidates=4, class_weight=True,
    ),
    "mlp": ModelSpec(
        _torch("TorchMLPClassifier"),
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
        {"model__C": [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0]},
        "Logistic regression",
        n_candidates=6, class_weight=True,
    ),
    "hgb": ModelSpec(
        lambda seed: HistGradientBoostingClassifier(random_state=seed),
        {"model__learning_rate": [0.03, 0.05, 0.1, 0.2], "model__max_leaf_nodes": [7, 15, 31, 63],
         "model__l2_regularization": [0.0, 0.1, 1.0, 10.0], "model__min_samples_leaf": [5, 20, 50, 100],
         "model__max_iter": [100, 300]},
        "Histogram gradient-boosted trees",
        # No class weights: scikit-learn 1.8 to 1.9 bins weighted rows one weighted
        # quantile at a time, about 30 ms per continuous column whatever the trees: a
        # fit on a 1,514 x 56 table took 6.2x as long, while the cross-validated AUC
        # moved by -0.004 to +0.006 over eight tables (bench_hgb_weights.py). SMOTE
        # still balances it.
        n_candidates=8,
    ),
    "rocket": ModelSpec(
        # Its ridge penalty is cross-validated inside fit, so there is no grid to search.
        _torch("RocketClassifier"), {},
        "MiniRocket: random dilated kernels pooled as proportions of positive values, ridge classifier "
        "(Dempster et al. 2021)",
        reads_sequences=True, phases=_UNREDUCED,
    ),
    "cnn": ModelSpec(
        _torch("CNNClassifier"), {},
        "Fully convolutional network: conv + batch norm blocks, global average pooling (Wang et al. 2017)",
        reads_sequences=True, phases=_UNREDUCED, neural=True,
    ),
    "resnet": ModelSpec(
        _torch("ResNetClassifier"), {},
        "Residual convolutional network, global average pooling (Wang et al. 2017)",
        reads_sequences=True, phases=_UNREDUCED, neural=True,
    ),
    "rnn": ModelSpec(
        _torch("RNNClassifier"), {},
        "Simple (Elman) RNN over the features or patches of steps, tanh cells, mean + max pooling",
        reads_sequences=True, phases=_UNREDUCED, neural=True,
    ),
    "lstm": ModelSpec(
        _torch("LSTMClassifier"), {},
        "Bidirectional LSTM over the features or patches of steps, mean + max pooling",
        reads_sequences=True, phases=_UNREDUCED, neural=True,
    ),
    "gru": ModelSpec(
        _torch("GRUClassifier"), {},
        "Bidirectional GRU over the features or patches of steps, mean + max pooling",
        reads_sequences=True, phases=_UNREDUCED, neural=True,
    ),
    "transformer": ModelSpec(
        _torch("TransformerClassifier"), {},
        "Transformer encoder over features or patches of steps: multi-head attention, sinusoidal positions",
        reads_sequences=True, phases=_UNREDUCED, neural=True,
    ),
}


def import_estimators(names):
    """Import the estimator classes of the models ``names`` now; returns them.

    Naming the models imports nothing heavy (see :func:`_torch`), so the first fit
    of a neural model would import torch, which takes seconds. A run calls this
    once its data and settings are checked, while its workers start, so that no
    fit waits for the import.

    Examples
    --------
    >>> [cls.__name__ for cls in import_estimators(["logreg", "rf"])]
    ['LogisticRegression', 'RandomForestClassifier']
    """
    return [type(MODELS[name].factory(0)) for name in names]


def worker_modules(names):
    """The modules a search worker imports before its first fit, for models ``names``.

    The registry (scikit-learn, imbalanced-learn), and torch when one of the models is
    a torch one. Imported up front they overlap the main process's start (see
    :func:`pipeline.selection.start_workers`); and joblib's loky workers take their
    memory reference after that first task, so a worker that imported torch only
    later grew by the size of torch, was taken for leaking memory and was replaced by
    a fresh worker that had to import everything again.

    Examples
    --------
    >>> worker_modules(["logreg", "rf"]), worker_modules(["logreg", "mlp"])
    (('pipeline.models',), ('pipeline.models', 'torch'))
    """
    uses_torch = any(hasattr(MODELS[name].factory, "torch_class") for name in names)
    return ("pipeline.models", "torch") if uses_torch else ("pipeline.models",)


def build_model(name, config, roles=None, *, kind="table", memory=None, variant=None):
    """Build the unfitted Pipeline of a named model.

    Parameters
    ----------
    name : str
        A key of :data:`MODELS`.
    config : RunConfig
        Phase options (outliers, balance, reduction, seed).
    roles : Roles, optional
        Numeric and categorical columns of a table (unused for sequences).
    kind : {"table", "sequence"} or a kind from :data:`pipeline.kinds.KINDS`, default="table"
        Tables get the column phases; series (n, steps, channels) get the
        per-channel ones, flattened for models that read rows.
    memory : str or joblib.Memory, optional
        Caches fitted phase steps shared by the candidates of a search.
    variant : dict, optional
        A variant per phase of :data:`~pipeline.phases.PHASES`; default the
        first option of each in ``config`` (see :func:`phase_options`).

    Returns
    -------
    imblearn.pipeline.Pipeline
        Steps ``outliers`` (tables, unless disabled), ``prepare``, ``balance``,
        ``reduce``, ``model``.

    Examples
    --------
    >>> from pipeline import RunConfig
    >>> from pipeline.datasets import Roles
    >>> model = build_model("rf", RunConfig(outliers=["drop"]), Roles(numeric=["age"], categorical=["city"]))
    >>> [name for name, _ in model.steps]
    ['outliers', 'prepare', 'balance', 'reduce', 'model']
    """
    spec = MODELS[name]
    options = phase_options(name, config, kind)
    variant = {key: values[0] for key, values in options.items()} | dict(variant or {})
    steps = _kind(kind).phase_steps(config, roles, variant, reads_sequences=spec.reads_sequences)
    estimator = spec.factory(config.seed)
    for phase in PHASES:  # variants the estimator carries out (class weights)
        estimator.set_params(**phase.estimator_params.get(variant[phase.name], {}))
    overrides = config.model_params.get(name, {})
    unknown = sorted(set(overrides) - set(estimator.get_params()))
    if unknown:
        raise ConfigError(
            f"`model_params.{name}` sets {', '.join(map(repr, unknown))}, "
            f"which {type(estimator).__name__} does not "
            f"take. Its parameters: {', '.join(sorted(estimator.get_params()))}."
        )
    estimator.set_params(**overrides)
    return Pipeline([*steps, ("model", estimator)], memory=memory)


def phase_options(name, config, kind="table"):
    """The phase variants searched for a model: an option list per phase of :data:`~pipeline.phases.PHASES`.

    Class weights are searched only for estimators that take them, and SMOTE only
    for the models that are not neural. A neural model holds out a fifth of its
    training rows to pick its epoch by (``early_stopping="auto"``, from 500 rows);
    after SMOTE a share of those rows are synthetic points between the rows it
    trains on, so the held-out loss follows the training loss. On eight real tables
    the MLP with SMOTE scored lower in cross-validation on seven and trained up to
    eight times longer (``benchmarks/bench_mlp_smote.py``).

    Examples
    --------
    >>> from pipeline import RunConfig
    >>> phase_options("rf", RunConfig(balance=["weight", "smote"]))["balance"]
    ['weight', 'smote']
    >>> phase_options("mlp", RunConfig(balance=["weight", "smote"]))["balance"]
    ['none']
    """
    spec = MODELS[name]
    return _kind(kind).phase_options(config, class_weight=spec.class_weight, fixed=spec.phases,
                                     oversample=not spec.neural)


def _kind(kind):
    return KINDS[kind] if isinstance(kind, str) else kind


def candidate_params(name, config, kind="table", *, n_rows=0):
    """The candidates searched for a model: the defaults first, then random draws from its space.

    Parameters
    ----------
    name : str
    config : RunConfig
    kind : str or kind, default="table"
    n_rows : int, default=0
        Rows the search fits on; large data gets fewer candidates.

    Returns
    -------
    list of dict
        A variant per phase of :data:`~pipeline.phases.PHASES` and ``model__`` hyperparameters;
        at most ``config.n_candidates`` or else the model's own ``n_candidates`` (halved
        above :data:`LARGE_ROWS` rows), without repeats.

    Examples
    --------
    >>> from pipeline import RunConfig
    >>> found = candidate_params("logreg", RunConfig(outliers=["none"], balance=["none"], reduce=["none"]))
    >>> found[0], len(found)
    ({'outliers': 'none', 'balance': 'none', 'reduce': 'none'}, 6)
    """
    spec = MODELS[name]
    options = phase_options(name, config, kind)
    fixed = set(config.model_params.get(name, {}))
    space = {**options, **{k: v for k, v in spec.grid.items() if k.removeprefix("model__") not in fixed}}
    wanted = candidates_wanted(name, config, n_rows)
    found = [{key: values[0] for key, values in options.items()}]
    # All lists: the sampler draws without repeats, and at most the whole grid.
    n_draws = min(4 * wanted, len(ParameterGrid(space)))
    draws = ParameterSampler(space, n_iter=n_draws, random_state=config.seed)
    for params in draws:
        if len(found) >= wanted:
            break
        params = {key: params[key] for key in space}  # a stable key order for the report
        if params not in found:
            found.append(params)
    return found


def candidates_wanted(name, config, n_rows=0):
    """How many candidates :func:`candidate_params` draws for a model: ``config.n_candidates``, or
    the model's own number, halved above :data:`LARGE_ROWS` rows (fewer when its grid is smaller).

    Examples
    --------
    >>> from pipeline import RunConfig
    >>> candidates_wanted("logreg", RunConfig()), candidates_wanted("logreg", RunConfig(n_candidates=1))
    (6, 1)
    """
    spec = MODELS[name]
    own = spec.n_candidates if n_rows <= LARGE_ROWS else max(2, spec.n_candidates // 2)
    return config.n_candidates or own


def build_candidate(name, config, params, roles=None, *, kind="table", memory=None):
    """The Pipeline of one candidate from :func:`candidate_params`."""
    variant = {key: params[key] for key in PHASE_NAMES}
    model = build_model(name, config, roles, kind=kind, memory=memory, variant=variant)
    return model.set_params(**{k: v for k, v in params.items() if k.startswith("model__")})
