"""What runs the search's fits: local processes, a Dask cluster, or one after another.

Candidates of all models share one joblib pool, run by one of three backends:
``loky`` (local worker processes), ``dask`` (the workers of a
``dask.distributed`` cluster, through joblib's Dask backend) or ``sequential``.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import threading
import time

from joblib import Parallel, delayed, parallel_config
from joblib.parallel import LokyBackend, get_active_backend

from ..errors import ConfigError

__all__ = ["BACKENDS", "check_backend", "parallel", "single_threaded", "start_workers",
           "workers_die_with_parent"]

#: Names accepted by ``search_models(backend=...)``.
BACKENDS = ("loky", "dask", "sequential")

# How long to try reaching a Dask scheduler before giving up.
_CONNECT_TIMEOUT = "20s"
# How often a local worker checks that the process that started it still runs.
_PARENT_CHECK_S = 0.5

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def single_threaded():
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


def check_backend(backend, scheduler):
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
            # per worker is what makes a task single-threaded (see single_threaded).
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
def parallel(backend, n_jobs, scheduler):
    """Yield the ``joblib.Parallel`` that runs the fits on ``backend``."""
    if backend == "sequential":
        yield Parallel(n_jobs=1, return_as="generator_unordered")
    elif backend == "loky":
        starting = _starting.get((backend, n_jobs))
        if starting is not None:
            starting.join()  # two pools at once would replace each other's workers
        # No backend named here: joblib's default is loky, and a caller's
        # joblib.parallel_config(backend=...) (Ray's, for one) takes over.
        yield Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    else:
        with _dask_cluster(scheduler, n_jobs) as client, \
                parallel_config(backend="dask", client=client):
            # n_jobs=-1: as many tasks in flight as the cluster has worker threads.
            yield Parallel(n_jobs=-1, return_as="generator_unordered")


def _exit_with_parent(parent):
    """Loky worker initializer: end this worker once ``parent``, the process that started it, is gone.

    A worker waits on a pipe from the main process. When the main process is
    killed outright (``kill -9``, the out-of-memory killer) nothing closes that
    pipe, and the worker, holding its memory, lived on for hours. The system
    then gives the worker a new parent; a daemon thread notices and ends the
    worker. (Linux's parent-death signal would fire when the *thread* that started the
    worker ends, and loky starts workers from passing threads.) ``parent`` is
    passed in rather than read here: a worker still starting when its parent
    died would read its adopter's pid.
    """
    if os.getppid() != parent:
        os._exit(1)

    def watch():
        while os.getppid() == parent:
            time.sleep(_PARENT_CHECK_S)
        os._exit(1)  # nobody is left to receive a result

    threading.Thread(target=watch, name="dmflow-parent-watch", daemon=True).start()


@contextlib.contextmanager
def workers_die_with_parent():
    """Give the local (loky) workers started in this block :func:`_exit_with_parent`.

    Only when joblib's default loky backend is active: a backend the caller chose
    (Dask, Ray, or loky with settings of their own) is left as it is. Every
    ``Parallel`` of a run must be made in such a block, since joblib replaces its
    pool of workers when the settings of two calls differ.
    """
    backend, _ = get_active_backend()
    if type(backend) is not LokyBackend or backend.backend_kwargs:
        yield
        return
    with parallel_config(backend="loky", initializer=_exit_with_parent, initargs=(os.getpid(),)):
        yield


# The thread starting the local workers, once per process (see start_workers).
_starting = {}


def _import_modules(modules):
    for module in modules:
        importlib.import_module(module)
    return os.getpid()


def start_workers(backend, n_jobs, modules=("pipeline.models",)):
    """Start the local worker processes and import ``modules`` in them, in a background thread.

    A fresh loky worker spends seconds importing scikit-learn, imbalanced-learn and
    torch before its first fit, while the main process imports the same and loads the
    data. Started early, the two overlap. The first task also sets each worker's memory
    reference, against which loky replaces workers it takes for leaking: ``modules``
    should hold everything the fits will import. Only the ``loky`` backend with several jobs
    has such workers; for the others this does nothing. :func:`parallel` waits for
    the start to finish, so the search then reuses the same workers (joblib keeps a
    pool alive between calls made with the same settings).

    Parameters
    ----------
    backend : str
        One of :data:`BACKENDS`.
    n_jobs : int
        Jobs of the search.
    modules : tuple of str, default=("pipeline.models",)
        Imported in every worker.

    Examples
    --------
    >>> start_workers("sequential", 1) is None
    True
    """
    if backend != "loky" or n_jobs == 1 or (backend, n_jobs) in _starting:
        return None
    workers = n_jobs if n_jobs > 0 else max(1, (os.cpu_count() or 1) + 1 + n_jobs)

    def start():
        try:
            with workers_die_with_parent():
                Parallel(n_jobs=n_jobs)(delayed(_import_modules)(modules) for _ in range(workers))
        except Exception as err:  # the search starts its own workers and reports real errors
            logger.debug("Starting the workers early failed: %s", err)

    thread = threading.Thread(target=start, name="dmflow-start-workers", daemon=True)
    _starting[(backend, n_jobs)] = thread
    thread.start()
    return thread
