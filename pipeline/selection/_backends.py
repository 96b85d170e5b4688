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
import importlib
import itertools
import logging
import os
import queue
import sys
import threading
import time
import uuid

from joblib import Parallel, cpu_count, delayed, effective_n_jobs, parallel_config
from joblib.parallel import LokyBackend, get_active_backend

from ..errors import ConfigError

__all__ = ["BACKENDS", "check_backend", "cluster", "parallel", "single_threaded", "start_workers",
           "workers_die_with_parent", "workers_ready"]

#: Names accepted by ``search_models(backend=...)``.
BACKENDS = ("loky", "dask", "sequential")

# How long to try reaching a Dask scheduler before giving up.
_CONNECT_TIMEOUT = "20s"
# How often a local worker checks that the process that started it still runs.
_PARENT_CHECK_S = 0.5

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


@contextlib.contextmanager
def single_threaded(threads=1):
    """Run a task on one core: no nested joblib pool, one BLAS/OpenMP and torch thread.

    Each Dask worker takes one task per thread; an estimator that opened its own
    pool inside it (a forest's ``n_jobs``) would send nested tasks back to the
    cluster through joblib's Dask backend, and native thread pools would
    oversubscribe the worker's cores. One thread also makes the arithmetic, and
    so the chosen model, the same as under loky, whose workers get one thread
    each on a machine with as many cores as jobs. ``threads`` sets another count,
    the one a loky worker gets (see :class:`_WhileStarting`).
    """
    from threadpoolctl import threadpool_limits

    with contextlib.ExitStack() as stack:
        stack.enter_context(parallel_config(backend="sequential"))
        stack.enter_context(threadpool_limits(limits=threads))
        torch = _loaded_torch()
        if torch is not None:
            before = torch.get_num_threads()
            torch.set_num_threads(threads)
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
        starting = _starting.get((backend, n_jobs))
        # No backend named here: joblib's default is loky, and a caller's
        # joblib.parallel_config(backend=...) (Ray's, for one) takes over.
        active, _ = get_active_backend()
        if not active.supports_return_generator:
            if starting is not None:
                starting.start()
                starting.join()  # two pools at once would replace each other's workers
            logger.info("joblib backend %s returns no generator: tasks run in chunks.", type(active).__name__)
            yield _Chunks(n_jobs)
        elif starting is not None and not starting.ready():
            yield _WhileStarting(starting, n_jobs)
        else:
            yield Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    else:
        shared = _run_client.get()
        opened = contextlib.nullcontext(shared) if shared is not None else _dask_cluster(scheduler, n_jobs)
        with opened as client:
            yield _DaskRunner(client)


class _WhileStarting:
    """Run tasks in this process until the local workers are up, and the rest on them.

    A fresh loky worker spends seconds importing the models, and on two cores two
    workers starting slow everything else down: a small run (one logistic
    regression, say) was done sooner without them. So tasks run here first; once
    they have taken :data:`START_AFTER_S` seconds, the workers start in the
    background (:class:`_Starter`), and tasks go on here until they are up. Each
    task here runs with the threads a worker would have (joblib gives each of
    ``n_jobs`` workers ``cpu_count() // n_jobs``), so the arithmetic, and the
    chosen model, do not depend on where a task ran.
    """

    def __init__(self, starter, n_jobs):
        self.starter = starter
        self.n_jobs = n_jobs

    def __call__(self, jobs):
        jobs = iter(jobs)
        threads = max(1, cpu_count() // effective_n_jobs(self.n_jobs))
        while not self.starter.ready():
            job = next(jobs, None)
            if job is None:
                return
            function, args, kwargs = job
            with self.starter.working(), single_threaded(threads):
                result = function(*args, **kwargs)
            yield result
        yield from Parallel(n_jobs=self.n_jobs, return_as="generator_unordered")(jobs)


def workers_ready(backend, n_jobs):
    """Whether the local workers :func:`start_workers` began are up (always, when it began none).

    Examples
    --------
    >>> workers_ready("sequential", 1)
    True
    """
    starting = _starting.get((backend, n_jobs))
    return starting is None or starting.ready()


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


#: Seconds of tasks run in the main process before the local workers start (see
#: :class:`_WhileStarting`): about what starting two of them costs on two cores.
START_AFTER_S = 1.0

# The starter of the local workers, once per process (see start_workers).
_starting = {}


def _import_modules(modules):
    for module in modules:
        importlib.import_module(module)
    return os.getpid()


class _Starter:
    """Starts the local workers in a background thread, once, now or after some work in this process."""

    def __init__(self, n_jobs, modules, after):
        self.n_jobs, self.modules, self.after = n_jobs, modules, after
        self.thread = None
        self.seconds = 0.0
        self._lock = threading.Lock()

    def start(self):
        """Start the workers unless they are starting or up already."""
        with self._lock:
            if self.thread is None:
                self.thread = self._starting_thread()
                self.thread.start()

    def _starting_thread(self):
        workers = self.n_jobs if self.n_jobs > 0 else max(1, (os.cpu_count() or 1) + 1 + self.n_jobs)
        n_jobs, modules = self.n_jobs, self.modules

        def start():
            try:
                with workers_die_with_parent():
                    Parallel(n_jobs=n_jobs)(delayed(_import_modules)(modules) for _ in range(workers))
            except Exception as err:  # the search starts its own workers and reports real errors
                logger.debug("Starting the workers early failed: %s", err)

        return threading.Thread(target=start, name="dmflow-start-workers", daemon=True)

    @contextlib.contextmanager
    def working(self):
        """Count the seconds of a task run in this process; start the workers when ``after`` is reached.

        A timer starts them during the task, so a single long fit does not hold them back.
        """
        timer = threading.Timer(max(0.0, self.after - self.seconds), self.start)
        timer.daemon = True
        clock = time.perf_counter()
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
            self.seconds += time.perf_counter() - clock

    def ready(self):
        """Whether the workers are up."""
        return self.thread is not None and not self.thread.is_alive()

    def join(self):
        """Wait for the workers to be up (started now if they were not)."""
        self.start()
        self.thread.join()


def start_workers(backend, n_jobs, modules=("pipeline.models",), after=0.0):
    """Start the local worker processes and import ``modules`` in them, in a background thread.

    A fresh loky worker spends seconds importing scikit-learn, imbalanced-learn and
    torch before its first fit, while the main process imports the same and loads the
    data. Started early, the two overlap. The first task also sets each worker's memory
    reference, against which loky replaces workers it takes for leaking: ``modules``
    should hold everything the fits will import. Only the ``loky`` backend with several jobs
    has such workers; for the others this does nothing. :func:`parallel` runs tasks in
    this process until the workers are up, so the search then reuses the same workers
    (joblib keeps a pool alive between calls made with the same settings).

    Parameters
    ----------
    backend : str
        One of :data:`BACKENDS`.
    n_jobs : int
        Jobs of the search.
    modules : tuple of str, default=("pipeline.models",)
        Imported in every worker.
    after : float, default=0.0
        Start them only once tasks run in this process have taken this many seconds
        (a run passes :data:`START_AFTER_S`); 0 starts them now.

    Returns
    -------
    starter : _Starter or None
        None when there are no local workers to start, or they were started before.

    Examples
    --------
    >>> start_workers("sequential", 1) is None
    True
    """
    if backend != "loky" or n_jobs == 1 or (backend, n_jobs) in _starting:
        return None
    starter = _starting[(backend, n_jobs)] = _Starter(n_jobs, modules, after)
    if after <= 0:
        starter.start()
    return starter
