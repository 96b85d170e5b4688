"""The searchable phases, declared once in :data:`PHASES`.

Each entry is a step every table model's Pipeline has, whose variants are searched
per model. The run's config keys and flags, the variants each data kind searches,
the candidates of the registry, the steps the article protocol refits on the test
split and the report's wording all loop over this table, so a new phase is its
module, one entry here and its tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ._balance import BALANCE_METHODS, Balancer
from ._outliers import OUTLIER_METHODS, ZScoreClipper, ZScoreOutlierRemover
from ._reduce import REDUCE_METHODS, Reducer

__all__ = ["PHASES", "PHASE_NAMES", "Phase", "phase_named"]


def _method_unless_none(step):
    """The article refits a step whose ``method`` does something (balancing, LDA, PCA)."""
    method = step.get_params(deep=False).get("method")
    return None if method in (None, "none") else method


@dataclass(frozen=True)
class Phase:
    """One searchable phase: a step of every table model's Pipeline.

    Parameters
    ----------
    name : str
        The step's name in the Pipeline, the run's config key (and ``--name`` flag),
        and the key of a candidate's variant.
    label : str
        How the report names its step: "the <label> step".
    methods : tuple of str
        What the step accepts; ``"none"`` leaves the rows as they are.
    default : tuple of str
        The variants a run searches when its config names none.
    help : str
        The help of the config key and of its flag.
    build : callable
        ``build(method, settings)`` returns the unfitted step, or ``"passthrough"``;
        ``settings`` holds ``numeric`` (column names), ``threshold``,
        ``k_neighbors``, ``n_components`` and ``random_state``.
    before_prepare : bool, default=False
        The step reads raw columns, ahead of imputation and encoding.
    ordinal : tuple of str, default=()
        Methods that need each category as one ordinal column: ``prepare`` then
        encodes ordinally and one-hot encoding follows this step.
    estimator_params : mapping, default={}
        Variants carried out by the estimator instead of a step (the step then gets
        ``"none"``): variant -> estimator parameters. Searched only for models that
        take them.
    synthetic : tuple of str, default=()
        Methods that add synthetic training rows; not searched for neural models.
    sequence_methods : mapping, default={}
        What sequence data gets instead of a method it cannot use.
    article_method : callable, default=the step's ``method`` unless ``"none"``
        ``article_method(fitted_step)``: the method the article's protocol refits on
        the test split, or None when the step keeps what it learned in training.

    Examples
    --------
    >>> phase_named("balance").choices
    ('none', 'weight', 'smote', 'smotenc')
    >>> phase_named("balance").step_method("weight")
    'none'
    """

    name: str
    label: str
    methods: tuple
    default: tuple
    help: str
    build: Callable
    before_prepare: bool = False
    ordinal: tuple = ()
    estimator_params: Mapping = field(default_factory=dict)
    synthetic: tuple = ()
    sequence_methods: Mapping = field(default_factory=dict)
    article_method: Callable = _method_unless_none

    @property
    def choices(self):
        """The values the config key accepts: the step's methods and the estimator's variants."""
        if not self.estimator_params:
            return self.methods
        return ("none", *self.estimator_params, *(m for m in self.methods if m != "none"))

    def step_method(self, variant):
        """The step's method for a searched variant (``"none"`` when the estimator carries it)."""
        return "none" if variant in self.estimator_params else variant

    def searched(self, values, *, estimator_variants=True, synthetic_rows=True):
        """The variants searched for a model, of those a run names; ``["none"]`` when none is left.

        Parameters
        ----------
        values : list of str
            The run's (or the model's own) variants.
        estimator_variants : bool, default=True
            The model takes the parameters of :attr:`estimator_params`.
        synthetic_rows : bool, default=True
            The model may train on synthetic rows.
        """
        kept = [v for v in values if (estimator_variants or v not in self.estimator_params)
                and (synthetic_rows or v not in self.synthetic)]
        return kept or ["none"]

    def for_sequences(self, values):
        """The variants as sequence data gets them, each once, in order."""
        return list(dict.fromkeys(self.sequence_methods.get(v, v) for v in values))


def _outlier_step(method, settings):
    if method == "drop":
        return ZScoreOutlierRemover(settings["threshold"], columns=settings["numeric"])
    if method == "clip":
        return ZScoreClipper(settings["threshold"], columns=settings["numeric"])
    return "passthrough"


def _outlier_article_method(step):
    # Any outlier step the pipeline holds treats outliers: a sampler drops, else it clips.
    return "drop" if hasattr(step, "fit_resample") else "clip"


def _balance_step(method, settings):
    # SMOTENC reads the categories the ordinal `prepare` marked with the 'category' dtype.
    extra = {"categorical_features": "auto"} if method == "smotenc" else {}
    return Balancer(method, k_neighbors=settings["k_neighbors"], random_state=settings["random_state"],
                    **extra)


def _reduce_step(method, settings):
    return Reducer(method, n_components=settings["n_components"])


#: The searchable phases, in Pipeline order.
PHASES = (
    Phase(
        "outliers", "outlier", OUTLIER_METHODS, ("none", "clip", "drop"),
        "Outlier treatments searched per model, comma-separated: keep the rows, clip the values, or "
        "drop training rows with an outlier.",
        _outlier_step, before_prepare=True, sequence_methods={"drop": "clip"},
        article_method=_outlier_article_method,
    ),
    Phase(
        "balance", "balancing", BALANCE_METHODS, ("none", "weight", "smote"),
        "Class balancing searched per model, comma-separated; 'weight' sets class_weight='balanced' on "
        "estimators that take it; SMOTE is not searched for the neural models, which pick their epoch "
        "on held-out training rows.",
        _balance_step, ordinal=("smotenc",), estimator_params={"weight": {"class_weight": "balanced"}},
        synthetic=tuple(m for m in BALANCE_METHODS if m != "none"), sequence_methods={"smotenc": "smote"},
    ),
    Phase(
        "reduce", "reduction", REDUCE_METHODS, ("none", "lda"),
        "Reductions searched per model, comma-separated; cross-validation picks one.",
        # Series are read step by step (or flattened); they are never reduced.
        _reduce_step, sequence_methods={m: "none" for m in REDUCE_METHODS},
    ),
)
#: The phases' names, in Pipeline order: the keys of a candidate's variant.
PHASE_NAMES = tuple(phase.name for phase in PHASES)
_BY_NAME = {phase.name: phase for phase in PHASES}


def phase_named(name):
    """The entry of :data:`PHASES` called ``name``, or None for a step that is not searched.

    Examples
    --------
    >>> phase_named("reduce").methods, phase_named("prepare")
    (('lda', 'pca', 'none'), None)
    """
    return _BY_NAME.get(name)
