"""Local worker processes: started only when a run's fits need them, and never outliving it.

A run's fits go first to its own process; the ``n_jobs`` loky workers start, in the
background, once those fits have taken :data:`START_AFTER_S` seconds, and take over
when they are up (:func:`start_workers`, :class:`WhileStarting`). Each worker watches
the process that started it and ends when it is gone (:func:`workers_die_with_parent`).
A task gets the threads a worker would have wherever it runs (:func:`single_threaded`).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import threading
import time

from joblib import Parallel, cpu_count, delayed, effective_n_jobs, parallel_config
from joblib.parallel import LokyBackend, get_active_backend

__all__ = ["START_AFTER_S", "WhileStarting", "single_threaded", "start_workers", "starter",
           "workers_die_with_parent", "workers_ready"]

# How often a local worker checks that the process that started it still runs.
_PARENT_CHECK_S = 0.5

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
    the one a loky worker gets (see :class:`WhileStarting`).
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
#: :class:`WhileStarting`): about what starting two of them costs on two cores.
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
        n_jobs, modules = self.n_jobs, self.modules
        workers = effective_n_jobs(n_jobs)

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
        timer = None
        if self.thread is None:  # once they are starting, there is nothing left to time
            timer = threading.Timer(max(0.0, self.after - self.seconds), self.start)
            timer.daemon = True
            timer.start()
        clock = time.perf_counter()
        try:
            yield
        finally:
            if timer is not None:
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


class WhileStarting:
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


def starter(backend, n_jobs):
    """The :class:`_Starter` :func:`start_workers` made for these settings, or None."""
    return _starting.get((backend, n_jobs))
