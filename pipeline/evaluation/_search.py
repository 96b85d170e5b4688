"""Hyperparameter search scored on a fixed validation split, in parallel.

scikit-learn's ``GridSearchCV`` cross-validates and refits; the flow instead
fits each candidate once on the training part and scores it on the separate
validation part (phase 4), so a small loop over ``ParameterGrid`` is the whole
search. Candidates of all models share one joblib pool, run by one of three
backends: ``loky`` (local worker processes), ``dask`` (the workers of a
``dask.distributed`` cluster, through joblib's Dask backend) or ``sequential``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np
from joblib import Parallel, delayed, parallel_config
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import ParameterGrid
from tqdm.auto import tqdm

from ..errors import ConfigError
from ._fitting import fit_pipeline

__all__ = ["BACKENDS", "SearchResult", "search_models", "validation_auc"]

#: Names accepted by ``search_models(backend=...)``.
BACKENDS = ("loky", "dask", "sequential")

# How long to try reaching a Dask scheduler before giving up.
_CONNECT_TIMEOUT = "20s"

logger = logging.getLogger(__name__)


@dataclass
class SearchResult:
    """The outcome of one model's search.

    Attributes
    ----------
    estimator : object
        The best candidate, fitted on the training part.
    params : dict
        Its parameters.
    score : float or None
        Its validation ROC AUC.
    fit_time_s : float
        Seconds its fit took.
    trials : list of dict
        Every candidate: ``params``, ``validation_roc_auc``, ``fit_time_s``.
    """

    estimator: object = None
    params: dict = field(default_factory=dict)
    score: float | None = None
    fit_time_s: float = 0.0
    trials: list = field(default_factory=list)


def validation_auc(estimator, X, y):
    """ROC AUC of a fitted classifier: binary, or one-vs-rest macro for more classes.

    Returns ``None`` when ``y`` holds a single class, where AUC is undefined.
    """
    classes = list(estimator.classes_)
    if len(np.unique(y)) < 2:
        return None
    proba = estimator.predict_proba(X)
    if len(classes) == 2:
        return float(roc_auc_score(np.asarray(y) == classes[1], proba[:, 1]))
    return float(roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=classes))


def _fit_candidate(name, template, params, X_train, y_train, X_val, y_val, one_thread=False):
    start = time.perf_counter()
    estimator = clone(template).set_params(**params)
    with _single_threaded() if one_thread else contextlib.nullcontext():
        if hasattr(estimator, "steps"):
            fit_pipeline(estimator, X_train, y_train, X_val, y_val)
        else:  # a bare estimator
            estimator.fit(X_train, y_train)
        score = validation_auc(estimator, X_val, y_val)
    elapsed = time.perf_counter() - start
    return name, params, estimator, score, elapsed


@contextlib.contextmanager
def _single_threaded():
    """Run a task on one core: no nested joblib pool, one BLAS/OpenMP and torch thread.

    Each Dask worker takes one task per thread; an estimator that opened its own
    pool inside it (a forest's ``n_jobs``) would send nested tasks back to the
    cluster through joblib's Dask backend, and native thread pools would
    oversubscribe the worker's cores. One thread also makes the arithmetic, and
    so the chosen model, the same as under loky, whose workers get one thread
    each on a machine with as many cores as jobs.
    """
    from threadpoolctl import threadpool_limits

    with contextlib.ExitStack() as stack:
        stack.enter_context(parallel_config(backend="sequential"))
        stack.enter_context(threadpool_limits(limits=1))
        torch = _loaded_torch()
        if torch is not None:
            before = torch.get_num_threads()
            torch.set_num_threads(1)
            stack.callback(torch.set_num_threads, before)
        yield


def _loaded_torch():
    """torch if something already imported it (a neural model), else None: never import it here."""
    return sys.modules.get("torch")


def _check_backend(backend, scheduler):
    if backend not in BACKENDS:
        raise ConfigError(
            f"backend={backend!r} is not one of {', '.join(BACKENDS)}. Use 'loky' for local "
            "processes, 'dask' for a dask.distributed cluster, 'sequential' for one process."
        )
    if scheduler is not None and backend != "dask":
        raise ConfigError(
            f"scheduler={scheduler!r} is only used by backend='dask', but backend={backend!r}. "
            "Pass backend='dask', or leave the scheduler out."
        )


def _import_distributed():
    try:
        from dask import distributed
    except ImportError as err:
        raise ConfigError(
            "backend='dask' needs dask.distributed, which is not installed "
            f"({err}). Install it with pip install 'dmflow[distributed]', or use backend='loky'."
        ) from None
    return distributed


@contextlib.contextmanager
def _dask_cluster(scheduler, n_jobs):
    """Yield a Client: to ``scheduler``, or to a local cluster of ``n_jobs`` one-thread workers."""
    distributed = _import_distributed()
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            n_workers = n_jobs if n_jobs > 0 else max(1, (os.cpu_count() or 1) + 1 + n_jobs)
            # Processes of one thread each: the fits hold the GIL, and one thread
            # per worker is what makes a task single-threaded (see _single_threaded).
            cluster = stack.enter_context(distributed.LocalCluster(
                n_workers=n_workers, threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=logging.ERROR,
                # Without a dashboard the scheduler still serves its health
                # routes over HTTP; a free port keeps two clusters from clashing.
                scheduler_kwargs={"dashboard_address": ":0"},
            ))
            logger.info("Started a local Dask cluster of %d workers.", n_workers)
            client = stack.enter_context(distributed.Client(cluster, set_as_default=False))
        else:
            try:
                client = stack.enter_context(
                    distributed.Client(scheduler, set_as_default=False, timeout=_CONNECT_TIMEOUT))
            except OSError as err:
                raise ConfigError(
                    f"Cannot reach the Dask scheduler at {scheduler!r} ({err}). Start one with "
                    "`dask scheduler` and workers with `dask worker ADDRESS`, check the "
                    "address, or leave --scheduler out to start a local cluster."
                ) from None
            logger.info("Connected to the Dask scheduler at %s (%d workers).", scheduler,
                        len(client.scheduler_info().get("workers", {})))
        yield client


@contextlib.contextmanager
def _parallel(backend, n_jobs, scheduler):
    """Yield the ``joblib.Parallel`` that runs the candidates on ``backend``."""
    if backend == "sequential":
        yield Parallel(n_jobs=1, return_as="generator_unordered")
    elif backend == "loky":
        # No backend named here: joblib's default is loky, and a caller's
        # joblib.parallel_config(backend=...) (Ray's, for one) takes over.
        yield Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    else:
        with _dask_cluster(scheduler, n_jobs) as client, \
                parallel_config(backend="dask", client=client):
            # n_jobs=-1: as many tasks in flight as the cluster has worker threads.
            yield Parallel(n_jobs=-1, return_as="generator_unordered")


def _order_key(trial):
    # Ties are broken by the candidate's position in the grid, so the choice
    # does not depend on which worker finished first.
    score = trial["validation_roc_auc"]
    return (-np.inf if score is None else score, -trial["_index"])


def search_models(candidates, X_train, y_train, X_val, y_val, *, n_jobs=2, verbose=True,
                  backend="loky", scheduler=None):
    """Fit every candidate of every model and keep each model's best.

    Parameters
    ----------
    candidates : dict
        Model name -> ``(unfitted estimator, param grid dict)``.
    X_train, y_train : training part
    X_val, y_val : validation part
    n_jobs : int, default=2
        Parallel fits: loky worker processes, or the workers of the local Dask
        cluster that ``backend="dask"`` starts without a ``scheduler``; -1 for
        one per core. Ignored by ``"sequential"`` and by a remote cluster, which
        runs as many fits as it has worker threads.
    verbose : bool, default=True
        Show a progress bar.
    backend : {"loky", "dask", "sequential"}, default="loky"
        What runs the fits. ``"loky"`` is joblib's default pool of local
        processes, or whatever backend the caller set with
        ``joblib.parallel_config`` (such as Ray's, registered by
        ``ray.util.joblib.register_ray()``). ``"dask"`` sends each fit as a task to a
        ``dask.distributed`` cluster through joblib's Dask backend (needs the
        ``distributed`` extra); inside each task the estimator runs on one thread.
        The same seed gives the same trials and the same best models on every
        backend.
    scheduler : str, optional
        Address of a running Dask scheduler (``"tcp://host:8786"``); only with
        ``backend="dask"``. None starts a local cluster for the search and
        closes it afterwards.

    Returns
    -------
    dict
        Model name -> :class:`SearchResult`.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = make_classification(n_samples=120, random_state=0)
    >>> found = search_models({"logreg": (LogisticRegression(), {"C": [0.1, 1.0]})},
    ...                       X[:80], y[:80], X[80:], y[80:], n_jobs=1, verbose=False)
    >>> sorted(found["logreg"].params)
    ['C']
    """
    tasks = [
        (name, template, params, index)
        for name, (template, grid) in candidates.items()
        for index, params in enumerate(ParameterGrid(grid))
    ]
    _check_backend(backend, scheduler)
    logger.info("Searching %d candidates over %d models on %s with %d jobs.", len(tasks),
                len(candidates), backend, 1 if backend == "sequential" else n_jobs)
    results = {name: SearchResult() for name in candidates}
    best_keys = {}
    one_thread = backend == "dask"
    jobs = (
        delayed(_fit_candidate)(name, template, params, X_train, y_train, X_val, y_val, one_thread)
        for name, template, params, _ in tasks
    )
    index_of = {(name, _freeze(params)): index for name, _, params, index in tasks}
    with _parallel(backend, n_jobs, scheduler) as runner:
        for name, params, estimator, score, elapsed in tqdm(
            runner(jobs), total=len(tasks), disable=not verbose, desc="model search", unit="fit"
        ):
            _keep(results, best_keys, index_of, name, params, estimator, score, elapsed)
    for result in results.values():
        result.trials.sort(key=lambda trial: trial["_index"])
        for trial in result.trials:
            del trial["_index"]
    return results


def _keep(results, best_keys, index_of, name, params, estimator, score, elapsed):
    """Record one finished candidate; keep its estimator only if it is the model's best."""
    trial = {"params": _plain(params), "validation_roc_auc": score, "fit_time_s": round(elapsed, 3),
             "_index": index_of[(name, _freeze(params))]}
    results[name].trials.append(trial)
    key = _order_key(trial)
    # Keep only the best fitted estimator so far: the others are dropped as
    # they arrive instead of piling up in memory.
    if name not in best_keys or key > best_keys[name]:
        best_keys[name] = key
        results[name].estimator = estimator
        results[name].params = trial["params"]
        results[name].score = score
        results[name].fit_time_s = trial["fit_time_s"]
    logger.debug("%s %s: validation ROC AUC %s (%.1f s)", name, params, score, elapsed)


def _freeze(params):
    return tuple(sorted((k, repr(v)) for k, v in params.items()))


def _plain(params):
    """JSON-friendly copy of a parameter dict (tuples become lists)."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}
