"""Log a finished run to MLflow (the ``tracking`` extra): opt-in with ``--track URI``.

One MLflow run per dmflow run holds the configuration as parameters, the best
model's test metrics, ``report.html``, ``metrics.json`` and ``config.yaml`` as
artifacts, and the model folder as a logged model of MLflow's pyfunc flavor;
under it, one nested run per model holds that model's chosen parameters and its validation and test metrics.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path

from ..errors import ConfigError
from ..record import RECORD_FILE, Curves, ModelRecord, RunRecord, Scores

__all__ = ["EXPERIMENT", "track_run"]

logger = logging.getLogger(__name__)

#: The MLflow experiment runs are logged under.
EXPERIMENT = "dmflow"
# Scalar metrics (fields of :class:`~pipeline.record.Scores`) logged per split; curves and
# matrices stay in the artifacts.
_METRICS = ("roc_auc", "accuracy", "f1", "tpr", "fpr", "tnr", "precision", "misclassification_rate")
_SPLITS = ("validation", "test")
_MAX_PARAM = 500  # MLflow limits a parameter value's length; longer values are cut
_FILE_STORE_VARIABLE = "MLFLOW_ALLOW_FILE_STORE"


def _import_mlflow():
    try:
        import mlflow
    except ImportError:
        raise ConfigError(
            "Tracking needs MLflow, which is not installed. Install it with "
            "pip install 'dmflow[tracking]', or leave out --track."
        ) from None
    return mlflow


def _params(values, prefix=""):
    """Flat ``{name: text}`` of a nested mapping, as MLflow parameters."""
    flat = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_params(value, f"{name}."))
        else:
            text = value if isinstance(value, str) else json.dumps(value, default=str)
            flat[name] = text[:_MAX_PARAM]
    return flat


def _model_metrics(model):
    """A :class:`~pipeline.record.ModelRecord`'s numbers as MLflow metrics; missing ones are left out."""
    values = {}
    for split in _SPLITS:
        scores = getattr(model, split) or Scores()
        for key in _METRICS:
            if isinstance(getattr(scores, key), (int, float)):
                values[f"{split}_{key}"] = float(getattr(scores, key))
    precision = (model.curves or Curves()).average_precision
    if isinstance(precision, float):
        values["test_average_precision"] = precision
    if isinstance(model.fit_time_s, (int, float)):
        values["fit_time_s"] = float(model.fit_time_s)
    return values


def track_run(uri, folder, metrics):
    """Log a finished run folder to the MLflow tracking server or store at ``uri``.

    Parameters
    ----------
    uri : str
        MLflow tracking URI, for example ``file:./mlruns`` or ``http://host:5000``.
    folder : str or path-like
        The finished run folder.
    metrics : RunRecord or mapping
        Its run record (a parsed ``metrics.json`` is read as one).

    Returns
    -------
    run_id : str
        The MLflow id of the parent run.
    """
    mlflow = _import_mlflow()
    folder = Path(folder)
    metrics = RunRecord.from_dict(metrics)
    try:
        with _file_store_allowed(uri):
            run_id = _log(mlflow, uri, folder, metrics)
    except mlflow.exceptions.MlflowException as err:
        raise ConfigError(
            f"Logging to MLflow at {uri!r} failed: {err} The run folder {str(folder)!r} is complete; "
            "check the --track URI (file:./mlruns, sqlite:///mlflow.db or http://host:5000)."
        ) from None
    logger.info("Logged the run to MLflow at %s (run %s).", uri, run_id)
    return run_id


@contextlib.contextmanager
def _file_store_allowed(uri):
    """Let a ``file:`` URI use MLflow's file store, which MLflow 3 keeps only on request.

    Naming a ``file:`` URI is that request; the variable is restored afterwards.
    """
    if not uri.startswith("file:") or os.environ.get(_FILE_STORE_VARIABLE) is not None:
        yield
        return
    os.environ[_FILE_STORE_VARIABLE] = "true"
    try:
        yield
    finally:
        os.environ.pop(_FILE_STORE_VARIABLE, None)


def _log_model(mlflow, model_folder):
    """Log the model folder as an MLflow logged model of the pyfunc flavor.

    The folder goes in whole as the flavor's data, so MLflow's loader is dmflow's
    (:mod:`pipeline.persistence._pyfunc`) and loading it (``runs:/<id>/model``,
    or the logged model's ``models:/`` URI) checks its manifest as
    :func:`~pipeline.persistence.load_model` does. The requirements are the
    package versions the manifest records, stated so that MLflow does not load
    the model to infer them.
    """
    from ..persistence import PYFUNC_LOADER as loader
    from ..persistence import read_manifest

    versions = read_manifest(model_folder).get("versions") or {}
    requirements = [f"{name}=={version}" for name, version in sorted(versions.items())
                    if version and name not in ("python", "dmflow")]
    return mlflow.pyfunc.log_model(name="model", loader_module=loader, data_path=str(model_folder),
                                   pip_requirements=requirements)


def _log(mlflow, uri, folder, record):
    models = record.models or {}
    best = record.best_model
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(EXPERIMENT)
    with mlflow.start_run(run_name=folder.name) as parent:
        mlflow.log_params(_params((record.run.config if record.run else None) or {}))
        mlflow.set_tags({"dmflow.best_model": str(best), "dmflow.run_folder": str(folder.resolve())})
        best_metrics = _model_metrics(models.get(best) or ModelRecord())
        mlflow.log_metrics({f"best_{k}": v for k, v in best_metrics.items()})
        for name in ("report.html", RECORD_FILE, "config.yaml"):
            if (folder / name).is_file():
                mlflow.log_artifact(str(folder / name))
        if (folder / "model").is_dir():
            _log_model(mlflow, folder / "model")
        for name, model in models.items():
            with mlflow.start_run(run_name=name, nested=True):
                mlflow.log_params(_params(model.params or {}))
                mlflow.set_tags({"dmflow.model": name, "dmflow.best": str(name == best)})
                mlflow.log_metrics(_model_metrics(model))
    return parent.info.run_id
