"""Orchestrates the six phases into a run folder.

``run(config)`` loads the data, splits it, searches every model's Pipeline on the
validation split, scores each model's best candidate once on the test split, and
writes ``report.html``, ``metrics.json``, ``config.yaml``, ``model/`` and
``run.log`` into a new folder that appears only when complete.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from joblib import Memory

from .config import DEFAULT_MODELS, RunConfig
from .datasets import BUNDLED, bundled_name, bundled_path, file_sha256, infer_roles, load_table, split_target
from .errors import DataError
from .evaluation import choose_threshold, classification_metrics, decide, model_diagnostics
from .evaluation._protocol import article_test_split
from .evaluation._search import search_models
from .extras import neural_extras
from .models import MODELS, build_model, param_grid
from .persistence import save_model
from .phases import phase_report, sequence_phase_report, train_val_test_split
from .sequences import frame_to_series
from .reporting import save_figure_data, write_report
from .rundir import default_stem, run_folder
from .versions import package_versions

__all__ = ["RunResult", "run"]

logger = logging.getLogger(__name__)

_LDA_POINTS = 3000  # rows drawn in the LDA projection figure


@dataclass
class RunResult:
    """What a run produced.

    Attributes
    ----------
    path : pathlib.Path
        The run folder.
    metrics : dict
        The content of ``metrics.json``.
    best_model : str
        Name of the model validation picked.
    models : dict
        Model name -> fitted Pipeline (each model's best candidate).
    """

    path: Path
    metrics: dict
    best_model: str
    models: dict = field(default_factory=dict)

    @property
    def estimator(self):
        """The best fitted Pipeline."""
        return self.models[self.best_model]

    def _repr_html_(self):
        """Jupyter's view: leaderboard, best model and a link to the report."""
        from .reporting import run_summary_html

        return run_summary_html(self.path, self.metrics)


def _resolve_data(config):
    if config.data in BUNDLED:
        return bundled_path(config.data), config.data
    path = Path(config.data)
    return path, bundled_name(path)


def _choose_target(config, frame, bundled):
    if config.target is not None:
        return config.target
    if bundled is not None:
        return BUNDLED[bundled].target
    target = str(frame.columns[-1])
    logger.warning("No target given: using the last column %r. Pass --target to choose another.", target)
    return target


def _positive_label(config, y_train, classes, bundled):
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
    counts = pd.Series(y_train).value_counts()
    return counts.index[-1]  # the minority class, as rates are usually read for it


def _counts(y):
    return {str(k): int(v) for k, v in pd.Series(y).value_counts().sort_index().items()}


def _evaluate(estimator, X, y, classes, positive, threshold=None):
    proba = estimator.predict_proba(X)
    predicted = decide(proba, classes, positive, None if threshold is None else threshold["value"])
    return classification_metrics(np.asarray(y), predicted, proba, classes, positive_label=positive)


def _reduction_of(estimator):
    reducer = estimator.named_steps["reduce"]
    if not hasattr(reducer, "n_components_"):  # sequence data: no reduction
        return {"method": "none", "n_components": None}
    return {"method": reducer.method, "n_components": int(reducer.n_components_)}


def _resolve_kind(config, bundled):
    if config.kind != "auto":
        return config.kind
    return "sequence" if bundled == "ecg200" else "table"


def _lda_projection(models, best, X_train, y_train, seed):
    order = [best] + [name for name in models if name != best]
    for name in order:
        pipe = models[name]
        if getattr(pipe.named_steps["reduce"], "method", None) != "lda":
            continue
        at = [step for step, _ in pipe.steps].index("reduce")
        rng = np.random.default_rng(seed)
        rows = rng.choice(len(X_train), size=min(_LDA_POINTS, len(X_train)), replace=False)
        values = pipe[: at + 1].transform(X_train.iloc[np.sort(rows)])
        return {"values": np.asarray(values), "labels": np.asarray(y_train)[np.sort(rows)], "model": name}
    return None


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
    >>> from pipeline.config import RunConfig
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
    started = datetime.now(timezone.utc)
    clock = time.perf_counter()
    data_path, bundled = _resolve_data(config)
    stem = default_stem(bundled or Path(data_path).name.split(".")[0], config.seed)
    with run_folder(config.out, stem) as holder, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # loky replaces idle workers between batches and says so; it is not about the data
        warnings.filterwarnings("ignore", message="A worker stopped while some jobs")
        logger.info("Loading %s", data_path)
        frame = load_table(data_path)
        target = _choose_target(config, frame, bundled)
        X, y = split_target(frame, target)
        kind = _resolve_kind(config, bundled)
        if config.models is None:
            config = dataclasses.replace(config, models=list(DEFAULT_MODELS[kind]))
        if kind == "sequence":
            X = frame_to_series(X, channels=config.channels)
            roles = None
            y = y.to_numpy()
        else:
            roles = infer_roles(X, categorical=config.categorical, numeric=config.numeric)
            X = X[roles.numeric + roles.categorical]
        X_train, X_val, X_test, y_train, y_val, y_test = train_val_test_split(
            X, y, test_size=config.test_size, val_size=config.val_size, random_state=config.seed
        )
        classes = np.unique(y_train)
        positive = _positive_label(config, y_train, classes, bundled)
        logger.info(
            "Rows: %d train, %d validation, %d test; %s.", len(X_train), len(X_val), len(X_test),
            f"series of {X.shape[1]} steps x {X.shape[2]} channels" if kind == "sequence"
            else f"{len(roles.numeric)} numeric and {len(roles.categorical)} categorical features",
        )

        with tempfile.TemporaryDirectory(prefix="dmflow-cache-") as cache:
            # The phase steps before the reduction are identical for every
            # candidate, so a shared cache fits them once per model family.
            memory = Memory(cache, verbose=0)
            candidates = {
                name: (build_model(name, config, roles, kind=kind, memory=memory), param_grid(name, config, kind=kind))
                for name in config.models
            }
            found = search_models(candidates, X_train, y_train, X_val, y_val, n_jobs=config.n_jobs, verbose=verbose,
                                  backend=config.backend, scheduler=config.scheduler)
            models = {name: result.estimator for name, result in found.items()}
            for estimator in models.values():
                estimator.memory = None  # the cache folder is about to go

        scored = {name: found[name].score for name in config.models}
        best = max(config.models, key=lambda name: -np.inf if scored[name] is None else scored[name])
        logger.info("Validation ROC AUC: %s; best: %s", scored, best)

        model_metrics = {}
        for name in config.models:
            estimator = models[name]
            threshold = choose_threshold(config.threshold, estimator, X_val, y_val, classes, positive)
            entry = {
                "description": _description(name),
                "params": found[name].params,
                "search": found[name].trials,
                "fit_time_s": found[name].fit_time_s,
                "reduction": _reduction_of(estimator),
                "threshold": threshold,
                "validation": _evaluate(estimator, X_val, y_val, classes, positive, threshold),
                "test": _evaluate(estimator, X_test, y_test, classes, positive, threshold),
                **model_diagnostics(estimator, X_test, y_test, classes, positive, random_state=config.seed),
            }
            if config.protocol == "article":
                Xt, yt = article_test_split(estimator, X_test, y_test)
                entry["test_article"] = _evaluate(estimator[-1], Xt, yt, classes, positive)
            model_metrics[name] = entry

        if kind == "sequence":
            phases = sequence_phase_report(models[best])
        else:
            phases = phase_report(models[best], X_train, y_train)
        phases["reduction"] = {name: model_metrics[name]["reduction"] for name in config.models}
        finished = datetime.now(timezone.utc)
        metrics = {
            "run": {
                "started": started.isoformat(timespec="seconds"),
                "finished": finished.isoformat(timespec="seconds"),
                "duration_s": round(time.perf_counter() - clock, 2),
                "seed": config.seed,
                "protocol": config.protocol,
                "versions": package_versions(),
                "data": {"path": str(config.data), "sha256": file_sha256(data_path)},
                "config": config.to_dict(),
            },
            "dataset": {
                "n_rows": int(len(frame)),
                "n_columns": int(frame.shape[1]),
                "target": str(target),
                "classes": [str(c) for c in classes],
                "positive_class": None if positive is None else str(positive),
                "kind": kind,
                "roles": roles.to_dict() if roles is not None else
                {"sequence": {"n_steps": int(X.shape[1]), "n_channels": int(X.shape[2])}},
                "missing": {str(c): int(n) for c, n in frame.isna().sum().items()},
                "class_counts": {"train": _counts(y_train), "validation": _counts(y_val), "test": _counts(y_test)},
            },
            "phases": phases,
            "models": model_metrics,
            "best_model": best,
            "notes": sorted({f"{w.category.__name__}: {w.message}" for w in caught}),
        }
        for note in metrics["notes"]:
            logger.warning("%s", note)
        neural = [name for name in config.models if MODELS[name].neural]
        X_example = X_test[:1] if kind == "sequence" else X_test.iloc[:1]
        extras = {
            "lda_projection": None if kind == "sequence" else _lda_projection(models, best, X_train, y_train, config.seed),
            **neural_extras(models, neural, X_example, kind),
        }
        staging = holder.staging
        (staging / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
        (staging / "config.yaml").write_text(yaml.safe_dump(config.to_dict(), sort_keys=False), encoding="utf-8")
        save_model(
            models[best],
            staging / "model",
            metadata={"target": str(target), "kind": kind, "model": best,
                      "roles": metrics["dataset"]["roles"], "channels": config.channels,
                      "positive_class": metrics["dataset"]["positive_class"],
                      "threshold": (model_metrics[best]["threshold"] or {}).get("value")},
        )
        write_report(staging / "report.html", metrics, extras)
        save_figure_data(staging, extras)
        logger.info("Run finished in %.1f s.", time.perf_counter() - clock)
    if config.track is not None:
        from .tracking import track_run

        track_run(config.track, holder.path, metrics)
    return RunResult(path=holder.path, metrics=metrics, best_model=best, models=models)


def _description(name):
    return MODELS[name].description
