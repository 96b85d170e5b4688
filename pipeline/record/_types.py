"""The parts of the run record, one dataclass per JSON object of ``metrics.json``.

The fields are declared in the order the run writes them, so that the file
reads as it did before the record had types. Large figure data (curves,
importance, activation maps) and open-ended settings (the configuration,
parameters, column roles) stay plain JSON: their shape belongs to the modules
that compute them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._part import Part, items, optional, part, parts

__all__ = ["Activation", "CrossValidation", "Curves", "DataSource", "DatasetInfo", "Importance",
           "ModelRecord", "Phase", "Phases", "Reduction", "RunInfo", "Scores", "SelectionInfo", "Skipped",
           "SplitCounts", "Threshold", "Trial"]


@dataclass(eq=False, repr=False)  # equality and repr: see Part
class DataSource(Part):
    """The data file a run read: its path as given, and its SHA-256 (None for a folder of series)."""

    path: str | None = None
    sha256: str | None = None


@dataclass(eq=False, repr=False)  # equality and repr: see Part
class RunInfo(Part):
    """When and how the run ran: timing, seed, protocol, package versions, data and configuration.

    ``duration_s`` is the run up to the writing of its folder; ``write_s`` the
    writing itself.
    """

    started: str | None = None
    finished: str | None = None
    duration_s: float | None = None
    seed: int | None = None
    protocol: str | None = None
    versions: dict | None = None
    data: DataSource | None = part(DataSource)
    config: dict | None = None
    write_s: float | None = None


@dataclass(eq=False, repr=False)  # equality and repr: see Part
class SplitCounts(Part):
    """One value per class label in each split: the selection rows and the test rows."""

    selection: dict | None = None
    test: dict | None = None

    def sizes(self):
        """Rows per split, when the values are counts.

        Examples
        --------
        >>> SplitCounts({"no": 60, "yes": 40}, {"no": 15, "yes": 10}).sizes()
        {'selection': 100, 'test': 25}
        """
        return {name: sum(counts.values()) for name, counts in self.items() if counts is not None}


@dataclass(eq=False, repr=False)  # equality and repr: see Part
class DatasetInfo(Part):
    """The data as loaded: size, target, classes, column roles, missing cells, rows per split."""

    n_rows: int | None = None
    n_columns: int | None = None
    target: str | None = None
    classes: list | None = None
    positive_class: str | None = None
    kind: str | None = None
    roles: dict | None = None
    missing: dict | None = None
    class_counts: SplitCounts | None = part(SplitCounts)
    prevalence: SplitCounts | None = part(SplitCounts)


@dataclass(eq=False, repr=False)  # equality and repr: see Part
class Phase(Part):
    """What one phase did to the training rows of the reported model; its details are in ``extra``."""

    method: str | None = optional()


@dataclass(eq=False, repr=False)  # equality and repr: see Part
class Reduction(Part):
    """A model's dimension reduction: ``lda``, ``pca`` or ``none``, and the components kept."""

    method: str | None = None
    n_components: int | None = None


@dataclass(eq=False, repr=False)  # equality and repr: see Part
class Phases(Part):
    """Every phase of the reported model (``extra``: name -> :class:`Phase`), and each model's reduction."""

    EXTRA_PART = Phase
    EXTRA_FIRST = True

    reduction: dict[str, Reduction] | None = parts(Reduction)
    reported_model: str | None = None


@dataclass(eq=False, repr=False)  # equality and repr: see Part
class Skipped(Part):
    """A model or candidate the time limit left out of selection, and why (``params`` None: every one)."""

    model: str | None = None
    params: dict | None = None
    reason: str | None = None


@dataclass(eq=False, repr=False)  # equality and repr: see Part
class SelectionInfo(Part):
    """How selection ran: method, folds, metric, the time budget and what it cost, skipped candidates."""

    method: str | None = None
    folds: int | None = None
    metric: str | None = None
    time_limit_s: float | None = None
    search_s: float | None = None
    longest_fold_s: float | None = None
    fixed_cost_s: float | None = None
    candidates: int | None = None
    skipped: list[Skipped] | None = items(Skipped)
    ensemble_rule: dict | None = None
    #: Written when the time limit left models with different folds: how many folds all
    #: of them finished, on which the best was chosen.
    compared_on_folds: int | None = optional()


@dataclass(eq=False, repr=False)  # equality and repr: see Part
class CrossValidation(Part):
    """A model's cross-validated score on the selection metric: mean, spread and each fold."""

    metric: str | None = None
    mean: float | None = None
    std: float | None = None
    folds: list | None = None


@dataclass(eq=False, repr=False)  # equality and repr: see Part
class Trial(Part):
    """One candidate of a model's search: its settings, its score on each fold, what it cost.

    ``error`` is written for a candidate that failed, ``stopped`` (and
    ``stop_reason``) for one the race or the time limit left behind after its
    first folds. Records from before cross-validated selection hold
    ``validation_roc_auc`` in ``extra`` instead of the fold scores.
    """

    params: dict | None = None
    cv_mean: float | None = None
    cv_std: float | None = None
    fold_scores: list | None = None
    fit_time_s: float | None = None
    longest_fold_s: float | None = None
    error: str | None = optional()
    stopped: bool | None = optional()
    stop_reason: str | None = optional()


@dataclass(eq=False, repr=False)  # equality and repr: see Part
class Threshold(Part):
    """The positive class's probability a model decides at, and where it came from."""

    value: float | None = None
    source: str | None = None


@dataclass(eq=False, repr=False)  # equality and repr: see Part
class Scores(Part):
    """A model's scores on one split: the rates table, F1, ROC AUC, the confusion matrix, ROC curves.

    ``per_class`` is written for more than two classes only.
    """

    accuracy: float | None = None
    misclassification_rate: float | None = None
    tpr: float | None = None
    fnr: float | None = None
    fpr: float | None = None
    tnr: float | None = None
    precision: float | None = None
    prevalence: float | None = None
    f1: float | None = None
    roc_auc: float | None = None
    confusion_matrix: list | None = None
    labels: list | None = None
    positive_label: str | None = None
    n_rows: int | None = None
    roc_curve: dict | None = None
    per_class: dict | None = optional()


@dataclass(eq=False, repr=False)  # equality and repr: see Part
class Curves(Part):
    """Two classes: the test split's average precision, precision-recall, calibration and threshold curves.

    The curves are the plain lists :func:`~pipeline.evaluation.binary_curves` computes.
    """

    average_precision: float | None = None
    pr_curve: dict | None = None
    calibration: dict | None = None
    thresholds: dict | None = None


@dataclass(eq=False, repr=False)  # equality and repr: see Part
class Importance(Part):
    """Permutation importance on the test split: the score it drops from, and one entry per column."""

    scoring: str | None = None
    baseline: float | None = None
    n_rows: int | None = None
    n_rows_available: int | None = None
    n_repeats: int | None = None
    columns: list | None = None


@dataclass(eq=False, repr=False)  # equality and repr: see Part
class Activation(Part):
    """Class activation maps of a convolutional model: a few test series and where the network looked."""

    channel: int | None = None
    n_channels: int | None = None
    series: list | None = None


@dataclass(eq=False, repr=False)  # equality and repr: see Part
class ModelRecord(Part):
    """One model of the run: its choice, its cross-validated and test scores, its costs and diagnostics.

    ``test_article`` and ``article_refitted`` are written under the article
    protocol only, ``members`` (name -> weight) for the ensemble only.
    """

    description: str | None = None
    params: dict | None = None
    cv: CrossValidation | None = part(CrossValidation)
    search: list[Trial] | None = items(Trial)
    fit_time_s: float | None = None
    reduction: Reduction | None = part(Reduction)
    threshold: Threshold | None = part(Threshold)
    validation: Scores | None = part(Scores)
    test: Scores | None = part(Scores)
    curves: Curves | None = part(Curves)
    importance: Importance | None = part(Importance)
    activation: Activation | None = part(Activation)
    predict_time_s: float | None = None
    size_bytes: int | None = None
    test_article: Scores | None = part(Scores, optional=True)
    article_refitted: list | None = optional()
    members: dict | None = optional()
