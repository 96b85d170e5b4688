"""Orchestrates the six phases into a run folder.

``run(config)`` calls the stages of :mod:`pipeline.flow.stages` in order: it loads the
data, splits off the test rows, cross-validates every model's candidates on the
rest, refits the best of each (and their ensemble) on all non-test rows, scores
each once on the test split, and writes ``report.html``, ``metrics.json``, ``config.yaml``, ``model/`` and
``run.log`` into a new folder that appears only when complete.
"""

from __future__ import annotations

import functools
import logging
import time
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from joblib import effective_n_jobs

from ..models import candidates_wanted, import_estimators, worker_modules
from ..record import CrossValidation, ModelRecord, RunRecord, Scores
from ..rundir import default_stem, run_folder
from ..selection import START_AFTER_S, cluster, start_workers, workers_die_with_parent
from . import stages
from .config import RunConfig

__all__ = ["RunResult", "run"]

logger = logging.getLogger(__name__)


@dataclass
class RunResult:
    """What a run produced.

    Attributes
    ----------
    path : pathlib.Path
        The run folder.
    metrics : RunRecord
        The run record, as ``metrics.json`` holds it (it reads as that file's
        parsed JSON too: ``metrics["models"]["rf"]["test"]``).
    best_model : str
        Name of the model cross-validation picked.
    models : dict
        Model name -> fitted estimator: each model's best candidate refitted on all
        non-test rows (a Pipeline), and the ``ensemble`` when one was built.
    model_metadata : dict
        The facts the chosen model predicts by (target, roles, threshold), as
        saved in ``model/manifest.json``.
    """

    path: Path
    metrics: RunRecord
    best_model: str
    models: dict = field(default_factory=dict)
    model_metadata: dict = field(default_factory=dict)

    @property
    def estimator(self):
        """The chosen fitted model's pipeline (a Pipeline, or the ensemble of Pipelines)."""
        return self.models[self.best_model]

    def headline(self):
        """The best model and its rounded scores, in one line.

        Examples
        --------
        >>> metrics = {"models": {"hgb": {"cv": {"metric": "roc_auc", "mean": 0.91471, "std": 0.0049},
        ...                               "test": {"roc_auc": 0.93012}}}}
        >>> RunResult(Path("reports/adult"), metrics, "hgb").headline()
        'hgb (cross-validated roc_auc 0.9147 ± 0.0049, test ROC AUC 0.9301)'
        """
        best = (RunRecord.from_dict(self.metrics).models or {}).get(self.best_model) or ModelRecord()
        cv, test = best.cv or CrossValidation(), best.test or Scores()
        scores = []
        if cv.mean is not None:
            spread = f" ± {cv.std:.4f}" if cv.std is not None else ""
            scores.append(f"cross-validated {cv.metric} {cv.mean:.4f}{spread}")
        if test.roc_auc is not None:
            scores.append(f"test ROC AUC {test.roc_auc:.4f}")
        return f"{self.best_model} ({', '.join(scores)})" if scores else str(self.best_model)

    def __repr__(self):
        """A short line for a terminal; ``metrics`` holds the rest."""
        return f"RunResult(path={str(self.path)!r}, best={self.headline()!r}, models={list(self.models)})"

    @functools.cached_property
    def model(self):
        """The chosen model as :func:`~pipeline.persistence.load_model` returns it from ``model/``.

        A :class:`~pipeline.persistence.FittedModel`: raw rows in any column order,
        answered at the run's threshold.
        """
        from ..persistence import FittedModel, describe_model

        return FittedModel(self.estimator, describe_model(self.estimator, self.model_metadata)).fit()

    def predict(self, X):
        """The chosen model's classes for raw rows, at the run's threshold (see :attr:`model`)."""
        return self.model.predict(X)

    def predict_proba(self, X):
        """The chosen model's class probabilities for raw rows (see :attr:`model`)."""
        return self.model.predict_proba(X)

    def _repr_html_(self):
        """Jupyter's view: leaderboard, best model and a link to the report."""
        from ..reporting import run_summary_html

        return run_summary_html(self.path, self.metrics)


def run(config=None, *, verbose=True):
    """Run the whole flow and write a run folder.

    Parameters
    ----------
    config : RunConfig, optional
        Defaults: the bundled Adult data, all models, strict protocol, seed 0.
    verbose : bool, default=True
        Show progress bars.

    Returns
    -------
    RunResult

    Examples
    --------
    >>> import tempfile
    >>> from pipeline import RunConfig
    >>> from sklearn.datasets import load_breast_cancer
    >>> frame = load_breast_cancer(as_frame=True).frame.iloc[:, [0, 1, 2, -1]]
    >>> folder = tempfile.mkdtemp()
    >>> frame.to_csv(f"{folder}/cancer.csv", index=False)
    >>> config = RunConfig(data=f"{folder}/cancer.csv", models=["logreg"], out=folder, n_jobs=1)
    >>> result = run(config, verbose=False)
    >>> result.best_model, sorted(p.name for p in result.path.iterdir())
    ('logreg', ['config.yaml', 'figures.json', 'metrics.json', 'model', 'report.html', 'run.log'])
    """
    config = (config or RunConfig()).validate()
    with workers_die_with_parent():  # no worker outlives a run killed outright
        return _run(config, verbose)


def _start_after(config, n_rows=0):
    """Seconds of fits run in this process before the workers start: none unless the search is tiny.

    A search of at most one candidate per job is done in about a second on a small
    table, before the workers would be up: waiting for them (and sharing two cores
    with their start) made such a run 1.3 s slower (``benchmarks/results/floor.md``).
    A larger search keeps them busy, and deferring their start by a second of fits
    made a default run on a 5,282-row table 2 s slower.
    """
    planned = sum(candidates_wanted(name, config, n_rows) for name in config.models)
    return START_AFTER_S if planned <= effective_n_jobs(config.n_jobs) else 0.0


def _run(config, verbose):
    started = datetime.now(UTC)
    clock = time.perf_counter()
    path, bundled = stages.data_source(config)
    stem = default_stem(bundled or Path(path).name.split(".")[0], config.seed)
    with run_folder(config.out, stem) as holder, warnings.catch_warnings(record=True) as caught, \
            cluster(config.backend, config.n_jobs, config.scheduler):  # one for every stage
        warnings.simplefilter("always")
        # loky replaces idle workers between batches and says so; it is not about the data
        warnings.filterwarnings("ignore", message="A worker stopped while some jobs")
        # joblib's cache timing its own disk writes: about the machine, not the data
        warnings.filterwarnings("ignore", message="Persisting input arguments took")
        # The data, the target, the columns and the settings that depend on them are
        # checked before any worker starts or torch is imported: a mistake costs a
        # second, not the start of the search.
        config, dataset = stages.load_dataset(config)
        stages.check_settings(config, dataset)
        start_workers(config.backend, config.n_jobs, modules=worker_modules(config.models),
                      after=_start_after(config, len(dataset.frame)))
        import_estimators(config.models)
        parts = stages.split(config, dataset)
        found = stages.search(config, dataset, parts, verbose=verbose, scratch=holder.staging)
        model_metrics = stages.evaluate(config, parts, found, verbose=verbose)
        run_info = {"started": started.isoformat(timespec="seconds"),
                    "finished": datetime.now(UTC).isoformat(timespec="seconds"),
                    "duration_s": round(time.perf_counter() - clock, 2)}
        metrics = stages.build_metrics(config, dataset, parts, found, model_metrics, run_info)
        metrics.notes = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
        for note in metrics.notes:
            logger.warning("%s", note)
        stages.write_run(holder.staging, config, dataset, parts, found, metrics, verbose=verbose)
    # after the folder took its final name: the staging path is gone by now
    logger.info("Run finished in %.1f s; report: %s", time.perf_counter() - clock,
                holder.path / "report.html")
    if config.track is not None:
        from .tracking import track_run

        track_run(config.track, holder.path, metrics)
    return RunResult(path=holder.path, metrics=metrics, best_model=found.best, models=found.models,
                     model_metadata=stages.model_metadata(config, dataset, found, metrics))
