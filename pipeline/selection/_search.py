"""Cross-validated model search under a time budget.

Every candidate (a model's Pipeline with one set of phase variants and
hyperparameters) is fitted once per fold on the fold's training part and
predicts the fold's validation part, so every phase step, samplers included,
learns from training rows only. A candidate's score is the mean of its fold
scores; its out-of-fold probabilities are kept for the model's best candidate,
for the ensemble. The (candidate, fold) fits of all models share one joblib pool
(see :mod:`._backends`).

Every model's first candidate (its defaults) is launched first; after that the
next candidate goes to the model that has spent the least time so far, so that
every model gets a similar share of a time budget and cheap models try more
candidates. Once the budget is spent no new fold starts, a model's first
candidate included: the check runs where the fold would start (on the worker),
so folds queued before the deadline do not start after it either. A fold
already running finishes, so the search can overrun the budget by the length of
one fold. A candidate then competes only if it finished as many folds as its
model's most advanced candidate (it keeps the folds it finished, marked
``stopped``); candidates never started, and models that finished no fold, are
listed as skipped with the reason. Without a budget every candidate runs, so
the order changes nothing.

With ``race=True`` (the default for four folds or more) the candidates race over
the folds, as in racing for model selection (Maron and Moore 1994, Birattari et
al. 2002): every candidate is scored on the first half of the folds, and a
candidate goes on to the others only unless it is clearly behind its model's
leader there: behind by more than two standard errors of the fold-by-fold
differences (pooled over the model's candidates). Candidates that far behind
after half the folds were never their model's best over all of them when this
was measured; a fifth of the fits or more are saved. The cut waits for every
first-round fold, so it never depends on which worker finished first.
"""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from joblib import delayed
from sklearn.base import clone
from tqdm.auto import tqdm

from ..errors import ConfigError
from ._backends import BACKENDS, check_backend, parallel
from ._scoring import better, score_proba
from ._workers import single_threaded

__all__ = ["BACKENDS", "SearchResult", "aligned_proba", "race_folds", "search_models"]

logger = logging.getLogger(__name__)


@dataclass
class SearchResult:
    """The outcome of one model's search.

    Attributes
    ----------
    estimator : object
        The best candidate, unfitted (refit it on all the rows).
    params : dict
        Its phase variants and hyperparameters.
    score, std : float or None
        Mean and standard deviation of its fold scores.
    fold_scores : list of float
        Its score on each fold's validation part.
    folds : list of int
        The folds of ``fold_scores``, in order: all of them unless a time limit cut
        the search short.
    oof : ndarray of shape (n_rows, n_classes) or None
        Its out-of-fold probabilities (NaN on rows no fold validated).
    fit_time_s : float
        Seconds its fits took, summed over folds.
    trials : list of dict
        Every finished candidate: ``params``, ``cv_mean``, ``cv_std``, ``fold_scores``,
        ``fit_time_s``, ``longest_fold_s``, ``stopped`` (left behind by the race, or cut
        short by the time limit when ``stop_reason`` says so: its figures cover only
        the folds it finished), and ``error`` when a fit failed.
    """

    estimator: object = None
    params: dict = field(default_factory=dict)
    score: float | None = None
    std: float | None = None
    fold_scores: list = field(default_factory=list)
    folds: list = field(default_factory=list)
    oof: object = None
    fit_time_s: float = 0.0
    trials: list = field(default_factory=list)
    _index: int = -1


def aligned_proba(estimator, X, classes):
    """``predict_proba`` with one column per class of ``classes``, zeros for classes it never saw.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> model = DummyClassifier(strategy="prior").fit([[0], [1]], ["a", "b"])
    >>> aligned_proba(model, [[0]], ["a", "b", "c"]).tolist()
    [[0.5, 0.5, 0.0]]
    """
    proba = np.asarray(estimator.predict_proba(X), dtype=float)
    columns = np.searchsorted(np.asarray(classes), np.asarray(estimator.classes_))
    out = np.zeros((proba.shape[0], len(classes)))
    out[:, columns] = proba
    return out


def _rows(X, index):
    return X.iloc[index] if hasattr(X, "iloc") else X[index]


def _fit_fold(key, estimator, X, y, train, val, classes, one_thread, deadline=None):
    """Fit one candidate on one fold's training part; predict its validation part.

    A fold due to start after ``deadline`` (seconds since the epoch, a clock every
    worker process shares) does not start: its seconds come back as None.
    """
    if deadline is not None and time.time() > deadline:
        return key, None, None, None, []
    start = time.perf_counter()
    # A worker's warnings would reach the console through its own stderr, one per fold,
    # in the middle of the progress bar; they come back with the fold instead and the
    # search reports them once, counted (see _Search.report_warnings).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with single_threaded() if one_thread else contextlib.nullcontext():
                fitted = clone(estimator).fit(_rows(X, train), np.asarray(y)[train])
                proba = aligned_proba(fitted, _rows(X, val), classes)
            error = None
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as err:
            proba, error = None, f"{type(err).__name__}: {err}"
    said = [f"{w.category.__name__}: {(str(w.message).splitlines() or [''])[0]}" for w in caught]
    return key, proba, time.perf_counter() - start, error, said


@dataclass
class _Tally:
    """The folds of one candidate as they come back."""

    params: dict
    estimator: object
    probas: dict = field(default_factory=dict)
    seconds: float = 0.0
    longest: float = 0.0
    errors: list = field(default_factory=list)

    def finished(self):
        """Folds that came back with probabilities."""
        return sorted(fold for fold, proba in self.probas.items() if proba is not None)


def _next_model(candidates, launched, fold_seconds):
    """The model whose next candidate starts now: every model's first in turn, then the least time spent.

    A model's time spent is estimated as its candidates launched times its mean
    seconds per candidate so far; a model whose first candidate has not reported
    yet waits. Cheap models thus try more candidates within a budget.
    """
    pending = [name for name in candidates if launched[name] < len(candidates[name])]
    if not pending:
        return None
    fresh = [name for name in pending if launched[name] == 0]
    if fresh:
        return fresh[0]
    order = list(candidates)

    def spent(name):
        seconds = fold_seconds.get(name)
        return (np.inf if not seconds else launched[name] * float(np.mean(seconds)), order.index(name))

    return min(pending, key=spent)


#: A candidate stops when it trails its model's leader on the first folds by more than
#: this many standard errors of the fold-by-fold differences.
RACE_STANDARD_ERRORS = 2.0


def race_folds(n_folds):
    """Folds every candidate is scored on before the race stops those clearly behind.

    Half the folds, rounded down; with fewer than four folds there is no race (one
    fold gives no standard error to judge by).

    Examples
    --------
    >>> race_folds(5), race_folds(4), race_folds(3), race_folds(1)
    (2, 2, 3, 1)
    """
    return n_folds // 2 if n_folds >= 4 else n_folds


def _schedule(candidates, folds, fold_seconds):
    """Yield (model, index, fold) over ``folds`` in launch order."""
    launched = dict.fromkeys(candidates, 0)
    while (name := _next_model(candidates, launched, fold_seconds)) is not None:
        index = launched[name]
        launched[name] += 1
        for fold in folds:
            yield name, index, fold


def _until(deadline, keys):
    """The keys of ``keys`` until ``deadline`` (seconds since the epoch) passes; all of them without one."""
    for key in keys:
        if deadline is not None and time.time() > deadline:
            return
        yield key


def search_models(candidates, X, y, folds, *, classes, metric="roc_auc", positive=None, n_jobs=2,
                  verbose=True, backend="loky", scheduler=None, time_limit=None, race=True):
    """Cross-validate every candidate of every model and keep each model's best.

    Parameters
    ----------
    candidates : dict
        Model name -> list of ``(params, unfitted estimator)``; the first is tried first.
    X, y : all rows selection may use (never the test split)
    folds : list of (train_index, val_index)
        Row positions of each fold (one pair: a holdout split).
    classes : array-like
        All class labels, sorted.
    metric : str, default="roc_auc"
        Selection metric (see :func:`score_proba`).
    positive : label, optional
        The positive class of a binary task.
    n_jobs, backend, scheduler
        What runs the fits (see :func:`~._backends.parallel`).
    verbose : bool, default=True
        Show a progress bar.
    time_limit : float, optional
        Seconds after which no new fold starts, a model's first candidate's
        included; the folds already running finish.
    race : bool, default=True
        Score every candidate on the first :func:`race_folds` folds, and on the
        rest only those not clearly behind their model's leader (see the
        module's description).

    Returns
    -------
    results : dict
        Model name -> :class:`SearchResult`.
    skipped : list of dict
        What the time limit left out, each with ``model``, ``params`` and ``reason``:
        candidates that started no fold, and models that finished no fold (with
        ``params`` None; such a model is not in ``results``).

    Raises
    ------
    ConfigError
        No model finished a fold within ``time_limit``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import StratifiedKFold
    >>> X, y = make_classification(n_samples=120, random_state=0)
    >>> folds = list(StratifiedKFold(4).split(X, y))
    >>> cands = {"logreg": [({"C": c}, LogisticRegression(C=c)) for c in (1e-5, 1.0, 0.9)]}
    >>> found, skipped = search_models(cands, X, y, folds, classes=[0, 1], n_jobs=1, verbose=False)
    >>> [len(t["fold_scores"]) for t in found["logreg"].trials], found["logreg"].params, skipped
    ([2, 4, 4], {'C': 1.0}, [])
    """
    check_backend(backend, scheduler)
    classes = np.asarray(classes)
    first = race_folds(len(folds)) if race else len(folds)
    n_candidates = sum(len(c) for c in candidates.values())
    logger.info("Searching %d candidates over %d models, %d fold(s) each%s, on %s.", n_candidates,
                len(candidates), len(folds), f" (raced after {first})" if first < len(folds) else "",
                backend)
    search = _Search(candidates, X, np.asarray(y), folds, classes, metric, positive, backend == "dask")
    bar = tqdm(total=n_candidates * len(folds), disable=not verbose, desc="model search", unit="fit")
    with parallel(backend, n_jobs, scheduler) as runner, bar:
        # The clock starts once the workers are ready: starting them is the run's fixed cost.
        deadline = search.deadline = None if time_limit is None else time.time() + time_limit
        opening = _schedule(candidates, range(first), search.fold_seconds)
        search.collect(runner, _until(deadline, opening), bar)
        # Past the deadline the first round may be incomplete: no cut, no second round.
        if first < len(folds) and not search.out_of_time():
            leaders = search.cut()
            bar.total = bar.n + len(leaders) * (len(folds) - first)
            search.collect(runner, _until(deadline, ((name, index, fold) for name, index in leaders
                                                     for fold in range(first, len(folds)))), bar)
        search.finish_all()
    search.report_warnings()
    skipped = search.skipped(time_limit)
    if skipped:
        logger.warning("Time limit of %s s reached: %s.", time_limit,
                       "; ".join(f"{s['model']} {s['params'] or ''} ({s['reason']})" for s in skipped))
    return search.results, skipped


@dataclass
class _Search:
    """The fits of one search as they come back: tallies per candidate, results per model."""

    candidates: dict
    X: object
    y: np.ndarray
    folds: list
    classes: np.ndarray
    metric: str
    positive: object
    one_thread: bool
    deadline: float | None = None
    tallies: dict = field(default_factory=dict)
    started: set = field(default_factory=set)
    fold_seconds: dict = field(default_factory=dict)
    results: dict = field(default_factory=dict)
    warned: Counter = field(default_factory=Counter)

    def __post_init__(self):
        self.results = {name: SearchResult() for name in self.candidates}

    def collect(self, runner, keys, bar):
        """Run the (model, index, fold) fits of ``keys``; tally what comes back."""
        jobs = (_delayed_fit((name, index, fold), self.candidates[name][index][1], self.X, self.y,
                             *self.folds[fold], self.classes, self.one_thread, self.deadline)
                for name, index, fold in keys)
        for (name, index, fold), proba, seconds, error, said in runner(jobs):
            bar.update()
            self.warned.update(said)
            if seconds is None:  # due after the deadline: never started
                continue
            self.started.add((name, index))
            tally = self.tallies.setdefault((name, index), _Tally(*self.candidates[name][index]))
            tally.probas[fold], tally.seconds = proba, tally.seconds + seconds
            tally.longest = max(tally.longest, seconds)
            self.fold_seconds.setdefault(name, []).append(seconds * len(self.folds))
            if error:
                tally.errors.append(f"fold {fold}: {error}")

    def report_warnings(self):
        """Log the fits' warnings once, each with the number of fits that raised it."""
        if self.warned:
            logger.warning("The fits raised %d warning(s) of %d kind(s): %s", sum(self.warned.values()),
                           len(self.warned), "; ".join(f"{text} ({count} fit{'s' * (count > 1)})"
                                                       for text, count in self.warned.most_common()))

    def out_of_time(self):
        """Whether the deadline has passed."""
        return self.deadline is not None and time.time() > self.deadline

    def cut(self):
        """End the first round: stop each model's candidates that are clearly behind its leader.

        Returns the (model, index) pairs that go on, in launch order.
        """
        leaders = []
        for name in self.candidates:
            running = sorted(index for n, index in self.tallies if n == name)
            stopped = self._behind({i: self._scores(self.tallies[(name, i)]) for i in running
                                    if not self.tallies[(name, i)].errors})
            leaders += [(name, i) for i in running if i not in stopped]
            for index in sorted(stopped):
                self._finish(name, index, stopped=True)
        return leaders

    def _behind(self, scores):
        """Candidates whose mean deficit to the leader exceeds RACE_STANDARD_ERRORS standard errors.

        ``scores``: index -> first-round fold scores. Candidates with an undefined
        fold score are never judged.
        """
        judged = {i: np.array([better(self.metric, v) for v in s]) for i, s in scores.items()
                  if None not in s}
        if len(judged) < 2:
            return set()
        lead = max(judged, key=lambda i: (judged[i].mean(), -i))
        deficits = {i: judged[lead] - v for i, v in judged.items() if i != lead}
        spread = np.sqrt(np.mean([d.var(ddof=1) for d in deficits.values()]))
        margin = RACE_STANDARD_ERRORS * spread / np.sqrt(len(judged[lead]))
        return {i for i, d in deficits.items() if d.mean() > margin}

    def _mean(self, key):
        scores = [s for s in self._scores(self.tallies[key]) if s is not None]
        return float(np.mean(scores)) if scores else None

    def _scores(self, tally):
        return [score_proba(self.metric, self.y[self.folds[fold][1]], proba, self.classes, self.positive)
                for fold, proba in sorted(tally.probas.items())]

    def finish_all(self):
        """Score every candidate still running; candidates cut short by the deadline do not compete."""
        most = {}
        for (name, _), tally in self.tallies.items():
            if not tally.errors:
                most[name] = max(most.get(name, 0), len(tally.finished()))
        for name, index in list(self.tallies):
            tally = self.tallies[(name, index)]
            short = not tally.errors and len(tally.finished()) < most[name]
            self._finish(name, index, stopped=short, reason="time limit" if short else None)
        for result in self.results.values():
            result.trials.sort(key=lambda trial: trial.pop("_index"))

    def skipped(self, time_limit):
        """Candidates that started no fold, and models that finished none (taken out of ``results``)."""
        left = []
        for name, result in list(self.results.items()):
            if not result.trials:
                del self.results[name]
                left.append({"model": name, "params": None,
                             "reason": f"no fold finished within time_limit={time_limit:g} s"})
                continue
            left += [{"model": name, "params": _plain(params), "reason": "not started: time limit spent"}
                     for index, (params, _) in enumerate(self.candidates[name])
                     if (name, index) not in self.started]
        if not self.results:
            raise ConfigError(
                f"time_limit={time_limit:g} s was spent before any model finished a fold of the search "
                f"({', '.join(self.candidates)}). Raise --time-limit (or `time_limit` in the config), "
                "or choose faster models with --models."
            )
        return left

    def _finish(self, name, index, *, stopped=False, reason=None):
        """Score a candidate whose folds are back; keep it if it is its model's best."""
        tally, result = self.tallies.pop((name, index)), self.results[name]
        trial = {"params": _plain(tally.params), "cv_mean": None, "cv_std": None, "fold_scores": [],
                 "fit_time_s": round(tally.seconds, 3), "longest_fold_s": round(tally.longest, 3),
                 "_index": index}
        if tally.errors:
            trial["error"] = tally.errors[0]
            logger.warning("Candidate %s failed: %s", tally.params, tally.errors[0])
            result.trials.append(trial)
            return
        scores = self._scores(tally)
        defined = [s for s in scores if s is not None]
        mean = float(np.mean(defined)) if defined else None
        std = float(np.std(defined)) if defined else None
        trial.update(cv_mean=mean, cv_std=std, fold_scores=scores)
        if stopped:
            trial["stopped"] = True
        if reason:
            trial["stop_reason"] = reason
        result.trials.append(trial)
        # Ties go to the earlier candidate, so the choice does not depend on which
        # worker finished first.
        key = (better(self.metric, mean), -index)
        if not stopped and (result.estimator is None or key > (better(self.metric, result.score),
                                                               -result._index)):
            oof = np.full((len(self.y), len(self.classes)), np.nan)
            for fold in tally.finished():
                oof[self.folds[fold][1]] = tally.probas[fold]
            result.estimator, result.params = tally.estimator, trial["params"]
            result.score, result.std = mean, std
            result.fold_scores, result.oof, result.fit_time_s = scores, oof, trial["fit_time_s"]
            result.folds = sorted(tally.probas)
            result._index = index


def _delayed_fit(key, estimator, X, y, train, val, classes, one_thread, deadline):
    """A joblib task fitting one candidate on one fold."""
    return delayed(_fit_fold)(key, estimator, X, y, train, val, classes, one_thread, deadline)


def _plain(params):
    """JSON-friendly copy of a parameter dict (tuples become lists)."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}
