"""The stages of a run, called once each and in this order by :func:`pipeline.flow.runner.run`.

``load_dataset`` -> ``check_settings`` -> ``split`` -> ``search`` -> ``evaluate`` -> ``build_metrics``
-> ``write_run``.
Each takes the configuration and what the earlier stages produced, and returns
one plain object; none of them reaches back into an earlier one.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from joblib import Memory
from sklearn.model_selection import StratifiedKFold
from tqdm.auto import tqdm

from .. import record
from ..datasets import BUNDLED, bundled_name, bundled_path, file_sha256, load_table, split_target
from ..errors import DataError
from ..evaluation import (
    article_proba,
    check_threshold,
    choose_threshold,
    classification_metrics,
    decide,
    diagnose_models,
    refitted_steps,
)
from ..kinds import resolve_kind
from ..models import MODELS, build_candidate, candidate_params
from ..persistence import save_model
from ..phases import train_val_test_split
from ..reporting import save_figure_data, write_report
from ..selection import ENSEMBLE, ENSEMBLE_RULE, refit_models, search_models, select, workers_ready
from ..versions import package_versions
from .config import DEFAULT_MODELS, LARGE_ROWS
from .extras import lda_projection, neural_extras

__all__ = ["Dataset", "Parts", "build_metrics", "check_settings", "data_source", "evaluate", "load_dataset",
           "search", "split", "write_run"]

logger = logging.getLogger(__name__)

@dataclass
class Dataset:
    """The loaded data: raw ``frame``; features ``X`` as the models read them; labels ``y``."""

    frame: pd.DataFrame
    X: object
    y: np.ndarray
    target: str
    kind: object
    roles: object
    path: Path
    bundled: str | None


@dataclass
class Parts:
    """The rows selection may use (``X``, ``y``: all but the test split), its folds, and the test split."""

    X: object
    y: np.ndarray
    X_test: object
    y_test: np.ndarray
    folds: list
    classes: np.ndarray
    positive: object


def data_source(config):
    """The data file and, when it is a bundled dataset, its name.

    Examples
    --------
    >>> from pipeline import RunConfig
    >>> data_source(RunConfig(data="my.csv"))
    (PosixPath('my.csv'), None)
    """
    if config.data in BUNDLED:
        return bundled_path(config.data), config.data
    path = Path(config.data)
    return path, bundled_name(path)


def load_dataset(config):
    """Read the data, choose the target, resolve the kind and the default models.

    Returns
    -------
    config : RunConfig
        With ``models`` filled in from the kind's defaults when none were named.
    dataset : Dataset
    """
    path, bundled = data_source(config)
    logger.info("Loading %s", path)
    frame = load_table(path, limits=config)
    target = config.target
    if target is None and bundled is not None:
        target = BUNDLED[bundled].target
    if target is None:
        target = str(frame.columns[-1])
        logger.warning("No target given: using the last column %r. Pass --target to choose another.", target)
    X, y = split_target(frame, target)
    kind = resolve_kind(config.kind, bundled)
    if config.models is None:
        config = dataclasses.replace(config, models=list(DEFAULT_MODELS[kind.name]))
    X, roles = kind.features(X, config)
    return config, Dataset(frame, X, np.asarray(y), str(target), kind, roles, path, bundled)


def check_settings(config, dataset):
    """Refuse the settings that do not fit the loaded data, before any worker starts or model is fitted.

    The column names, the target and its classes are known once the data is read:
    a threshold for other than two classes, or a ``positive_class`` that is not a
    class, fails here rather than after the whole search.
    """
    classes = pd.unique(pd.Series(dataset.y))
    check_threshold(config.threshold, len(classes))
    _positive_label(config, dataset.y, classes, dataset.bundled)


def _positive_label(config, y, classes, bundled):
    if len(classes) != 2:
        return None
    wanted = config.positive_class
    if wanted is None and bundled is not None:
        wanted = BUNDLED[bundled].positive
    if wanted is not None:
        for label in classes:
            if str(label) == str(wanted):
                return label
        raise DataError(
            f"positive_class {wanted!r} is not a class of the target; the classes are "
            f"{', '.join(map(str, classes))}."
        )
    counts = pd.Series(y).value_counts()
    return counts.index[-1]  # the minority class, as rates are usually read for it


def _folds(config, y, n_train):
    """Row positions of the selection folds: k stratified folds, or the holdout split."""
    if config.selection == "holdout":
        return [(np.arange(n_train), np.arange(n_train, len(y)))]
    k = config.cv or (3 if len(y) > LARGE_ROWS else 5)
    smallest = int(pd.Series(y).value_counts().min())
    if smallest < k:
        logger.warning("The smallest class has %d selection rows, fewer than %d folds: using %d folds.",
                       smallest, k, max(2, smallest))
        k = max(2, smallest)
    return list(StratifiedKFold(k, shuffle=True, random_state=config.seed).split(np.zeros(len(y)), y))


def split(config, dataset):
    """Split off the test rows, then cut the rest into selection folds.

    The phase-4 validation split is drawn as always; with ``selection: cv`` its rows
    simply rejoin the training rows, and k stratified folds are drawn over both.
    """
    kind = dataset.kind
    X_train, X_val, X_test, y_train, y_val, y_test = train_val_test_split(
        dataset.X, dataset.y, test_size=config.test_size, val_size=config.val_size, random_state=config.seed
    )
    X, y = kind.join([X_train, X_val]), np.concatenate([y_train, y_val])
    classes = np.unique(y)
    positive = _positive_label(config, y, classes, dataset.bundled)
    folds = _folds(config, y, len(y_train))
    logger.info("Rows: %d for selection (%s), %d test; %s.", len(y),
                f"{len(folds)} folds" if config.selection == "cv" else f"{len(y_train)} train + {len(y_val)} "
                "validation", len(y_test), kind.describe(dataset.X, dataset.roles))
    return Parts(X, y, X_test, np.asarray(y_test), folds, classes, positive)


def search(config, dataset, parts, *, verbose=True, scratch=None):
    """Cross-validate every model's candidates, build the ensemble, refit the best on all selection rows.

    Parameters
    ----------
    scratch : path-like, optional
        Where the fit cache lives while the search runs: the run's staging
        folder, so that a run killed outright leaves no copy of the prepared
        training rows anywhere else. Default: the system's temporary folder.

    Returns
    -------
    Found
        See :class:`pipeline.selection.Found`.
    """
    with tempfile.TemporaryDirectory(prefix="dmflow-cache-", dir=scratch) as cache:
        # Candidates that share their phase variants fit the same phase steps on
        # the same fold; the cache fits those once.
        memory = Memory(cache, verbose=0)
        candidates = {
            name: [(params, build_candidate(name, config, params, dataset.roles, kind=dataset.kind,
                                            memory=memory))
                   for params in candidate_params(name, config, dataset.kind, n_rows=len(parts.y))]
            for name in config.models
        }
        clock = time.perf_counter()
        results, skipped = search_models(
            candidates, parts.X, parts.y, parts.folds, classes=parts.classes, metric=config.metric,
            positive=parts.positive, n_jobs=config.n_jobs, verbose=verbose, backend=config.backend,
            scheduler=config.scheduler, time_limit=config.time_limit, race=config.race,
        )
        searched = time.perf_counter() - clock
        found = select(results, skipped, parts, metric=config.metric,
                       ensemble=config.ensemble and _every_fold_scored(results, parts))
        refit_models(found, parts.X, parts.y, n_jobs=config.n_jobs, backend=config.backend,
                     scheduler=config.scheduler, verbose=verbose)
    found.timings = {"search_s": round(searched, 2),
                     "refit_s": round(time.perf_counter() - clock - searched, 2)}
    return found


def _every_fold_scored(results, parts):
    """Whether every model's best candidate was scored on every fold (the ensemble needs them all)."""
    cut = [name for name, r in results.items()
           if r.estimator is not None and len(r.fold_scores) < len(parts.folds)]
    if cut:
        logger.warning("No ensemble: the time limit cut the folds of %s, and the ensemble is chosen on "
                       "every fold's out-of-fold predictions.", ", ".join(cut))
    return not cut


def _scores(proba, y, classes, positive, threshold):
    predicted = decide(proba, classes, positive, None if threshold is None else threshold.value)
    return record.Scores.from_dict(classification_metrics(np.asarray(y), predicted, proba, classes,
                                                          positive_label=positive))


def _out_of_fold(result, parts):
    """A model's out-of-fold probabilities and labels, on the rows the folds validated."""
    rows = ~np.isnan(result.oof).any(axis=1)
    return result.oof[rows], parts.y[rows]


def _reduction_of(estimator):
    reducer = getattr(estimator, "named_steps", {}).get("reduce")
    if not hasattr(reducer, "n_components_"):  # sequence data or an ensemble: no reduction of its own
        return record.Reduction("none", None)
    return record.Reduction(reducer.method, int(reducer.n_components_))


def evaluate(config, parts, found, *, verbose=True):
    """Score every model (the ensemble too) once on the test split, beside its cross-validation figures.

    Returns
    -------
    dict of str to ModelRecord
    """
    diagnostics = diagnose_models(found.models, parts.X_test, parts.y_test, parts.classes, parts.positive,
                                  random_state=config.seed, n_jobs=config.n_jobs, backend=config.backend,
                                  scheduler=config.scheduler, verbose=verbose)
    entries = {}
    for name, result in found.results.items():
        estimator = found.models[name]
        test_proba = diagnostics[name].pop("proba")
        oof_proba, oof_y = _out_of_fold(result, parts)
        # ``auto`` is found on out-of-fold predictions: never on the test split, and
        # never on rows the refitted model has already learned.
        chosen = choose_threshold(config.threshold, oof_proba, oof_y, parts.classes, parts.positive)
        threshold = record.Threshold.from_dict(chosen)
        entry = record.ModelRecord(
            description=found.description(name),
            params=result.params,
            cv=record.CrossValidation(config.metric, result.score, result.std, result.fold_scores),
            search=result.trials,
            fit_time_s=found.refit_times.get(name, 0.0),
            reduction=_reduction_of(estimator),
            threshold=threshold,
            validation=_scores(oof_proba, oof_y, parts.classes, parts.positive, threshold),
            test=_scores(test_proba, parts.y_test, parts.classes, parts.positive, threshold),
            **diagnostics[name],
        )
        if config.protocol == "article":  # the ensemble too, through its members
            proba, yt = article_proba(estimator, parts.X_test, parts.y_test)
            entry.test_article = _scores(proba, yt, parts.classes, parts.positive, threshold)
            entry.article_refitted = refitted_steps(estimator)
        if name == ENSEMBLE:
            entry.members = found.weights
        entries[name] = entry
    return entries


def _counts(y):
    return {str(k): int(v) for k, v in pd.Series(y).value_counts().sort_index().items()}


def _selection_summary(config, parts, found, run_info):
    """How selection went, with the time budget: the search's seconds against the limit.

    ``fixed_cost_s`` is the rest of the run (loading, split, refit, testing; the
    writing is added by :func:`write_run`).
    """
    singles = {name: r for name, r in found.results.items() if name != ENSEMBLE}
    search_s = found.timings.get("search_s")
    folds = [t.get("longest_fold_s") or 0.0 for r in singles.values() for t in r.trials]
    return record.SelectionInfo(
        method=config.selection,
        folds=len(parts.folds),
        metric=config.metric,
        time_limit_s=config.time_limit,
        search_s=search_s,
        longest_fold_s=max(folds, default=None),
        fixed_cost_s=None if search_s is None else round(run_info["duration_s"] - search_s, 2),
        candidates=sum(len(r.trials) for r in singles.values()),
        skipped=found.skipped,
        ensemble_rule=ENSEMBLE_RULE,
        compared_on_folds=found.compared_on,
    )


def build_metrics(config, dataset, parts, found, model_metrics, run_info):
    """Assemble the run record (``metrics.json``): the run, the dataset, the phases, the selection and
    every model.

    Returns
    -------
    RunRecord
    """
    single = found.best_single
    phases = dataset.kind.phase_report(found.models[single], parts.X, parts.y)
    phases["reported_model"] = single
    # every model's own reduction, in place of the reported model's alone
    phases["reduction"] = {name: m.reduction for name, m in model_metrics.items() if name != ENSEMBLE}
    classes = parts.classes
    return record.RunRecord(
        run=record.RunInfo(**run_info, seed=config.seed, protocol=config.protocol,
                           versions=package_versions(),
                           data=record.DataSource(str(config.data), file_sha256(dataset.path)),
                           config=config.to_dict()),
        dataset=record.DatasetInfo(
            n_rows=int(len(dataset.frame)),
            n_columns=int(dataset.frame.shape[1]),
            target=dataset.target,
            classes=[str(c) for c in classes],
            positive_class=None if parts.positive is None else str(parts.positive),
            kind=dataset.kind.name,
            roles=dataset.kind.roles_dict(dataset.X, dataset.roles),
            missing={str(c): int(n) for c, n in dataset.frame.isna().sum().items()},
            class_counts=record.SplitCounts(_counts(parts.y), _counts(parts.y_test)),
            prevalence=record.SplitCounts(_prevalence(parts.y, classes), _prevalence(parts.y_test, classes)),
        ),
        phases=record.Phases.from_dict(phases),
        selection=_selection_summary(config, parts, found, run_info),
        models=model_metrics,
        best_model=found.best,
        notes=[],
    )


def _prevalence(y, classes):
    """Share of the rows in each class."""
    y = np.asarray(y)
    return {str(c): float(np.mean(y == c)) for c in classes}


def model_metadata(config, dataset, found, metrics):
    """The facts the chosen model predicts by, as its model folder's manifest holds them."""
    threshold = metrics.models[found.best].threshold
    return {"target": dataset.target, "kind": dataset.kind.name, "model": found.best,
            "roles": metrics.dataset.roles, "channels": config.channels,
            "positive_class": metrics.dataset.positive_class,
            "threshold": None if threshold is None else threshold.value}


# What write_run writes, in order (its progress bar counts them).
_WRITTEN = ("config.yaml", "model/", "report.html", "figures.json", "metrics.json")


def write_run(staging, config, dataset, parts, found, metrics, *, verbose=True):
    """Write ``config.yaml``, ``model/``, ``report.html`` and ``metrics.json`` into the staging folder.

    ``metrics.json`` comes last, so that it records the seconds the writing took
    (``run.write_s``) in the run's fixed cost (``selection.fixed_cost_s``). With
    ``verbose``, a progress bar counts the files (the model and the report's figures
    take seconds on large runs).
    """
    clock = time.perf_counter()
    bar = tqdm(total=len(_WRITTEN), desc="writing", unit="file", disable=not verbose)
    singles = {name: model for name, model in found.models.items() if name != ENSEMBLE}
    neural = [name for name in singles if MODELS[name].neural]
    extras = {
        "lda_projection": lda_projection(singles, found.best_single, parts.X, parts.y, config.seed,
                                         dataset.kind),
        **neural_extras(singles, neural, dataset.kind.example(parts.X_test), dataset.kind),
    }
    (staging / "config.yaml").write_text(yaml.safe_dump(config.to_dict(), sort_keys=False), encoding="utf-8")
    bar.update()
    save_model(found.models[found.best], staging / "model",
               metadata=model_metadata(config, dataset, found, metrics))
    bar.update()
    # Figures drawn on the search's workers, still running, unless the search ran elsewhere
    # or ended before they were up (drawing here then costs less than waiting for them).
    on_workers = config.backend == "loky" and workers_ready(config.backend, config.n_jobs)
    drawers = config.n_jobs if on_workers else 1
    write_report(staging / "report.html", metrics, extras, n_jobs=drawers)
    bar.update()
    save_figure_data(staging, extras)
    bar.update()
    metrics.run.write_s = round(time.perf_counter() - clock, 2)
    if metrics.selection.fixed_cost_s is not None:
        metrics.selection.fixed_cost_s = round(metrics.selection.fixed_cost_s + metrics.run.write_s, 2)
    metrics.save(staging)
    bar.update()
    bar.close()
