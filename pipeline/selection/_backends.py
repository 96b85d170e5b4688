"""What runs the search's fits: local processes, a Dask cluster, or one after another.

Candidates of all models share one pool of workers, run by one of three backends:
``loky`` (local worker processes, or whatever backend a caller's
``joblib.parallel_config`` names), ``dask`` (the workers of a ``dask.distributed``
cluster) or ``sequential``. The search, the refit and the diagnostics of one run
share one Dask cluster (see :func:`cluster`).
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import logging
import os
import queue
import uuid

from joblib import Parallel, effective_n_jobs
from joblib.parallel import get_active_backend

from ..errors import ConfigError
from ._workers import WhileStarting, starter

__all__ = ["BACKENDS", "check_backend", "cluster", "parallel"]

#: Names accepted by ``search_models(backend=...)``.
BACKENDS = ("loky", "dask", "sequential")

# How long to try reaching a Dask scheduler before giving up.
_CONNECT_TIMEOUT = "20s"

#: Task arguments larger than this (bytes, as ``dask.sizeof`` counts them) are sent to
#: the cluster once, rather than inside every task that needs them.
SCATTER_BYTES = 1_000_000

#: How many times a task is sent again after its data was lost with every worker holding it.
RESENDS = 3

#: Tasks in flight per worker thread (Dask) or per job (a backend without generators):
#: enough to keep every worker busy while results come back, few enough that a time
#: limit stops the search soon after it is reached.
TASKS_PER_WORKER = 2

# The client of the run's cluster while :func:`cluster` is open.
_run_client = contextvars.ContextVar("dmflow_run_client", default=None)

logger = logging.getLogger(__name__)


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
def cluster(backend, n_jobs, scheduler):
    """Open one Dask cluster for everything run inside: the search, the refit and the diagnostics.

    With ``backend="dask"`` this connects to ``scheduler``, or starts a local cluster
    of ``n_jobs`` workers, once; :func:`parallel` then uses it, and it is closed when
    the block ends. Starting a local cluster takes seconds (every worker imports the
    models), so a run that started one per stage spent that three times. For any
    other backend, or inside another such block, this does nothing.

    Examples
    --------
    >>> with cluster("sequential", 1, None) as client:
    ...     client is None
    True
    """
    if backend != "dask" or _run_client.get() is not None:
        yield _run_client.get()
        return
    with _dask_cluster(scheduler, n_jobs) as client:
        token = _run_client.set(client)
        try:
            yield client
        finally:
            _run_client.reset(token)


@contextlib.contextmanager
def parallel(backend, n_jobs, scheduler):
    """Yield a runner: called with joblib-delayed tasks, it yields their results as they finish.

    ``loky`` runs them on joblib's default backend, or on the one a caller's
    ``joblib.parallel_config`` names; a backend that cannot return results as they
    come (Ray's, ``multiprocessing``) runs them in consecutive chunks instead
    (:class:`_Chunks`). ``dask`` runs them on the cluster of :func:`cluster`, or on
    one opened for this call (:class:`_DaskRunner`).
    """
    if backend == "sequential":
        yield Parallel(n_jobs=1, return_as="generator_unordered")
    elif backend == "loky":
        starting = starter(backend, n_jobs)
        # No backend named here: joblib's default is loky, and a caller's
        # joblib.parallel_config(backend=...) (Ray's, for one) takes over.
        active, _ = get_active_backend()
        if not active.supports_return_generator:
            if starting is not None:
                starting.join()  # two pools at once would replace each other's workers
            logger.info("joblib backend %s returns no generator: tasks run in chunks.", type(active).__name__)
            yield _Chunks(n_jobs)
        elif starting is not None and not starting.ready():
            yield WhileStarting(starting, n_jobs)
        else:
            yield Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    else:
        shared = _run_client.get()
        opened = contextlib.nullcontext(shared) if shared is not None else _dask_cluster(scheduler, n_jobs)
        with opened as client:
            yield _DaskRunner(client)


class _Chunks:
    """Run tasks on a joblib backend that returns lists only, a chunk at a time, in order.

    The search reads each result as it arrives (to share a time limit between
    models, and to show progress); a backend such as Ray's or ``multiprocessing``
    returns nothing before every task of a call is done. Chunks of
    :data:`TASKS_PER_WORKER` tasks per job keep it busy while results still come
    back along the way. The pool is kept between chunks.
    """

    def __init__(self, n_jobs):
        self.n_jobs = n_jobs

    def __call__(self, jobs):
        jobs = iter(jobs)
        size = TASKS_PER_WORKER * effective_n_jobs(self.n_jobs)
        with Parallel(n_jobs=self.n_jobs) as runner:
            while chunk := list(itertools.islice(jobs, size)):
                yield from runner(chunk)


def _apply(func, args, kwargs):
    return func(*args, **kwargs)


class _DaskRunner:
    """Run joblib-delayed tasks on a Dask cluster, yielding results as they finish; lost workers cost time.

    A large argument (the training rows) is scattered to the cluster once, as
    joblib's Dask backend does; there a worker that died took the data with it,
    every task needing it was cancelled, and the run ended. Here a task lost with
    its worker is run again by the scheduler (up to its ``allowed-failures``), and
    a task cancelled because its data was lost is sent again, up to
    :data:`RESENDS` times, with the data scattered afresh. (Broadcasting a copy to
    every worker instead stalled: the scheduler kept replicating to a dead worker
    for 30 s at a time.) A task's result never depends on where or how often it
    ran, so the results equal loky's.
    """

    def __init__(self, client):
        self.client = client

    def __call__(self, jobs):
        from dask.sizeof import sizeof

        jobs = iter(jobs)
        scattered = {}  # id(argument) -> (argument, its future); the argument kept so the id stays its own
        sent = {}  # future -> (task, times sent again)
        # Filled by the client's callback thread; distributed.as_completed polls every 0.1 s,
        # which cost 0.1 s per task.
        finished = queue.SimpleQueue()

        def on_cluster(value):
            if sizeof(value) <= SCATTER_BYTES:
                return value
            if id(value) not in scattered:
                scattered[id(value)] = (value, self._scatter(value))
            return scattered[id(value)][1]

        def send(task, resends=0):
            func, args, kwargs = task
            future = self.client.submit(
                _apply, func, [on_cluster(a) for a in args], {k: on_cluster(v) for k, v in kwargs.items()},
                key=f"{getattr(func, '__name__', 'task')}-{uuid.uuid4().hex}", pure=False)
            sent[future] = (task, resends)
            future.add_done_callback(finished.put)

        try:
            threads = sum(self.client.nthreads().values())
            for task in itertools.islice(jobs, TASKS_PER_WORKER * max(1, threads)):
                send(task)
            while sent:
                done = [finished.get()]
                while not finished.empty():
                    done.append(finished.get())
                for future in done:
                    if future.status == "cancelled":
                        task, resends = sent.pop(future)
                        self._lost(future, resends)
                        scattered.clear()  # what is still held is sent again too: cheaper than asking
                        send(task, resends + 1)
                done = [future for future in done if future in sent]
                # One round trip for every result that is back; a task's own error is raised here.
                for future, result in zip(done, self.client.gather(done)):
                    del sent[future]
                    following = next(jobs, None)
                    if following is not None:
                        send(following)
                    yield result
        finally:
            self.client.cancel(list(sent))

    def _scatter(self, value):
        for attempt in range(RESENDS + 1):
            try:
                return self.client.scatter(value, hash=False)
            except OSError as err:  # placed on a worker that had just died
                if attempt == RESENDS:
                    raise
                logger.warning("Sending data to the Dask workers failed (%s); sending it again.", err)
        return None

    @staticmethod
    def _lost(future, resends):
        if resends >= RESENDS:
            raise RuntimeError(
                f"Task {future.key} was cancelled {resends + 1} times: the Dask workers holding its data "
                "kept being lost. Check the workers' logs (memory limits, preemption), or use "
                "--backend loky.")
        logger.warning("Task %s lost its data with a Dask worker; sending it again.", future.key)
