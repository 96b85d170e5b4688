"""Phase 2: balance the classes of the training rows with SMOTE, SMOTENC or nothing."""

import logging
import warnings
from collections import Counter
from numbers import Integral

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_target_type
from scipy import sparse
from sklearn.base import clone
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, validate_data

from .._sklearn import HasMethods, Interval, StrOptions
from ._neighbours import PartitionedNeighbors, sampled_recall

__all__ = ["BALANCE_METHODS", "Balancer"]

#: Class balancing methods (the ``method`` of :class:`Balancer`).
BALANCE_METHODS = ("smote", "smotenc", "none")

logger = logging.getLogger(__name__)

# Most rows of a class that SMOTE searches exactly; larger classes are searched
# leaf by leaf (see PartitionedNeighbors). At 4096 rows the neighbours found on a
# million-row benchmark table were 5% farther than the exact ones on average, at
# an eighth of the time.
_LEAF_ROWS = 4096
# Synthetic rows built per chunk (see _LeanSMOTE).
_CHUNK_ROWS = 65_536


class _LeanSMOTE(BaseOverSampler):
    """SMOTE writing synthetic rows straight into one output array.

    imbalanced-learn's SMOTE copies the input, builds all synthetic rows through
    float64 arrays of the full synthetic size, then stacks everything into a new
    array: on a million-row table, gigabytes beyond the result. Here the output is
    allocated once in the data's dtype, the input copied into its top and the
    synthetic rows written below in chunks. Each synthetic row lies on the segment
    from a row of its class, drawn at random, towards one of that row's ``k``
    nearest neighbours in the class, also drawn at random, at a uniform random
    step, as in SMOTE (Chawla et al., 2002). The draws are this class's own, so
    the rows differ from imbalanced-learn's for the same seed. Sparse input gets
    the same rows, stacked as a sparse matrix.

    Parameters
    ----------
    sampling_strategy : dict
        Class -> wanted row count, for the classes to over-sample.
    k_neighbors : estimator
        Unfitted neighbour search with ``fit`` / ``kneighbors`` asking for k + 1
        neighbours (each row finds itself first). A fresh copy is fitted per class
        and discarded afterwards, so the fitted sampler holds no training rows.
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    neighbour_search_ : dict
        ``method`` ("exact" or "partitioned", the latter approximate), ``rows`` (the
        largest class searched) and ``recall`` (for the partitioned search, the
        share of true nearest neighbours it found on sampled rows, lowest over the
        classes; None for the exact search).
    """

    _sampling_type = "over-sampling"
    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "k_neighbors": [HasMethods(["fit", "kneighbors"])],
        "random_state": ["random_state"],
    }

    def __init__(self, *, sampling_strategy="auto", k_neighbors=None, random_state=None):
        self.sampling_strategy = sampling_strategy
        self.k_neighbors = k_neighbors
        self.random_state = random_state

    def _fit_resample(self, X, y):
        random_state = check_random_state(self.random_state)
        self.neighbour_search_ = {"method": "exact", "rows": 0, "recall": None}
        draws = []  # per class: label, positions of its rows, row and neighbour drawn, step
        for label, n_samples in self.sampling_strategy_.items():
            if n_samples <= 0:
                continue
            members = np.flatnonzero(y == label)
            neighbours = self._neighbours(X[members])
            rows = random_state.randint(len(members), size=n_samples)
            cols = random_state.randint(neighbours.shape[1], size=n_samples)
            steps = random_state.uniform(size=n_samples).astype(X.dtype)
            draws.append((label, members[rows], members[neighbours[rows, cols]], steps))
        y_new = np.hstack([y] + [np.full(len(steps), label, dtype=y.dtype)
                                 for label, _, _, steps in draws])
        n_rows = X.shape[0]
        if sparse.issparse(X):
            synthetic = [X[base] + sparse.diags(steps) @ (X[towards] - X[base])
                         for _, base, towards, steps in draws]
            return sparse.vstack([X, *synthetic]).asformat(X.format), y_new
        X_new = np.empty((len(y_new), X.shape[1]), dtype=X.dtype)
        X_new[:n_rows] = X
        at = n_rows
        for _, base, towards, steps in draws:
            for start in range(0, len(steps), _CHUNK_ROWS):
                part = slice(start, start + _CHUNK_ROWS)
                origin = X[base[part]]
                X_new[at + start: at + start + len(origin)] = (
                    origin + steps[part, None] * (X[towards[part]] - origin))
            at += len(steps)
        return X_new, y_new

    def _neighbours(self, X_class):
        """Each row's k nearest rows of its class (itself left out), noting the search."""
        search = clone(self.k_neighbors).fit(X_class)
        found = search.kneighbors(X_class, return_distance=False)[:, 1:]
        report = self.neighbour_search_
        report["rows"] = max(report["rows"], X_class.shape[0])
        if getattr(search, "n_leaves_", 1) > 1:
            recall = sampled_recall(X_class, found, random_state=0)  # a measurement: its own draws
            previous = report["recall"]
            report.update(method="partitioned",
                          recall=recall if previous is None else min(previous, recall))
        return found


def _without_training_rows(sampler):
    """``sampler`` after resampling, with its fitted neighbour index made unfitted.

    imbalanced-learn's SMOTE, SMOTENC and SMOTEN keep the neighbour search fitted
    on the rows of the last class they over-sampled (``nn_k_``). A sampler acts
    only while fitting, so nothing at predict time needs those rows, and a saved
    model must not carry training data: the index is replaced by an unfitted copy.
    """
    if hasattr(sampler, "nn_k_"):
        sampler.nn_k_ = clone(sampler.nn_k_)
    return sampler


def _count_categorical(X, categorical_features):
    """How many columns of ``X`` SMOTENC would treat as categorical."""
    if isinstance(categorical_features, str):  # "auto": pandas category dtypes
        if not isinstance(X, pd.DataFrame):
            raise ValueError(
                "Balancer(method='smotenc', categorical_features='auto') finds categorical "
                f"columns by their pandas 'category' dtype, but got {type(X).__name__}. "
                "Pass a DataFrame, or list the categorical columns' positions or names."
            )
        return sum(isinstance(dtype, pd.CategoricalDtype) for dtype in X.dtypes)
    features = np.asarray(categorical_features)
    if features.dtype == bool:
        return int(features.sum())
    return len(set(features.tolist()))


class Balancer(BaseOverSampler):
    """Over-sample the minority classes of the training rows (SMOTE, SMOTENC or none).

    A sampler: :class:`imblearn.pipeline.Pipeline` calls it while fitting only, so
    synthetic rows are added to the training data and rows are never touched at
    predict time. A class too small for ``k_neighbors`` gets a smaller ``k`` (with
    a warning) instead of an error; a class with a single row cannot be
    interpolated and is left as it is (with a warning).

    Parameters
    ----------
    method : {"smote", "smotenc", "none"}, default="smote"
        ``"smote"`` for numeric features; ``"smotenc"`` when some columns are
        categorical codes (see ``categorical_features``); ``"none"`` to keep the
        rows as they are.
    k_neighbors : int, default=5
        Nearest neighbours used to build synthetic rows (lowered for small classes).
    sampling_strategy : float, str, dict or callable, default="auto"
        Target class counts, as in :class:`imblearn.over_sampling.SMOTE`; "auto"
        over-samples every class up to the majority count.
    categorical_features : "auto" or array-like, default=None
        For ``method="smotenc"``: positions, names or a boolean mask of the
        categorical columns, or "auto" for the columns of pandas ``category`` dtype.
        With no numeric column SMOTEN is used; with no categorical column, SMOTE.
    random_state : int, RandomState instance or None, default=None
        Seed for the synthetic rows.

    Notes
    -----
    SMOTE's neighbour search is exact for classes of up to 4096 rows. For larger
    classes it runs within the leaves of a random-projection tree of at most 4096
    rows each (:class:`PartitionedNeighbors`), so its cost grows linearly with the
    number of rows rather than with its square; neighbours are then nearly, not
    always, the nearest, and ``neighbour_search_`` says so with the measured
    recall. Sparse input, SMOTENC and SMOTEN keep the exact search.

    The fitted balancer keeps no training rows: neighbour indexes are fitted per
    class while resampling and left unfitted afterwards, since a sampler acts only
    in fit and a saved model is shared without its data.

    Attributes
    ----------
    sampler_ : sampler or None
        The sampler that ran (SMOTE on dense arrays, else imbalanced-learn's SMOTE /
        SMOTENC / SMOTEN), without its neighbour index; None when nothing was
        over-sampled.
    neighbour_search_ : dict or None
        How SMOTE's neighbours were found: ``method`` ("exact", or "partitioned" for
        the approximate search of classes larger than 4096 rows), ``rows`` (the
        largest class searched) and ``recall`` (for the partitioned search, the
        share of the true k nearest neighbours found, measured on sampled rows;
        None for the exact one). None when nothing was over-sampled.
    sampling_strategy_ : dict
        Class -> number of synthetic rows asked for.
    k_neighbors_ : int or None
        The ``k`` actually used, or None when nothing was over-sampled.
    class_counts_before_ : dict
        Class label -> row count before balancing.
    class_counts_after_ : dict
        Class label -> row count after balancing.
    n_features_in_ : int
        Number of columns seen in fit.
    feature_names_in_ : ndarray of shape ``(n_features_in_,)``
        Column names seen in fit, when ``X`` is a DataFrame with string names.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(30, 2)), np.array([0] * 24 + [1] * 6)
    >>> balancer = Balancer(random_state=0)
    >>> X_res, y_res = balancer.fit_resample(X, y)
    >>> balancer.class_counts_before_, balancer.class_counts_after_
    ({0: 24, 1: 6}, {0: 24, 1: 24})
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "method": [StrOptions(set(BALANCE_METHODS))],
        "k_neighbors": [Interval(Integral, 1, None, closed="left")],
        "categorical_features": ["array-like", StrOptions({"auto"}), None],
    }

    def __init__(self, method="smote", *, k_neighbors=5, sampling_strategy="auto",
                 categorical_features=None, random_state=None):
        self.method = method
        self.k_neighbors = k_neighbors
        self.sampling_strategy = sampling_strategy
        self.categorical_features = categorical_features
        self.random_state = random_state

    def _check_X_y(self, X, y):
        # SMOTENC finds categorical columns by dtype ("auto"), so it must get the
        # frame itself; the other methods take a checked numeric array.
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        if self.method == "smotenc":
            validate_data(self, X, skip_check_array=True, reset=True)
            check_array(X, dtype=None, accept_sparse=["csr", "csc"])
            return X, np.asarray(y), binarize_y
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], reset=True)
        return X, y, binarize_y

    def _fit_resample(self, X, y):
        if self.method == "smotenc" and self.categorical_features is None:
            raise ValueError(
                "Balancer(method='smotenc') needs categorical_features: the positions, "
                "names or boolean mask of the categorical columns, or 'auto' for a "
                "DataFrame's 'category' columns."
            )
        counts = Counter(y.tolist())
        self.class_counts_before_ = dict(sorted(counts.items()))
        self.sampler_, self.k_neighbors_, self.neighbour_search_ = None, None, None
        target = self._target_counts(counts)
        if target:
            self.k_neighbors_ = self._usable_k(counts, target)
            sampler = self._make_sampler(X, target)
            X, y = sampler.fit_resample(X, y)
            self.sampler_ = _without_training_rows(sampler)
            self.neighbour_search_ = getattr(
                sampler, "neighbour_search_",
                {"method": "exact", "rows": max(counts[label] for label in target), "recall": None})
        self.class_counts_after_ = dict(sorted(Counter(np.asarray(y).tolist()).items()))
        logger.info("class counts %s -> %s", self.class_counts_before_,
                    self.class_counts_after_)
        if self.neighbour_search_ and self.neighbour_search_["method"] == "partitioned":
            logger.info("SMOTE neighbours searched approximately (%d rows, recall %.2f)",
                        self.neighbour_search_["rows"], self.neighbour_search_["recall"])
        return X, y

    def _target_counts(self, counts):
        """Class -> wanted row count, for the classes that will get synthetic rows."""
        if self.method == "none":
            return {}
        target = {}
        for label, n_new in self.sampling_strategy_.items():
            label = label.item() if isinstance(label, np.generic) else label  # plain repr
            if n_new <= 0:
                continue
            if counts[label] < 2:
                warnings.warn(
                    f"Class {label!r} has a single training row, so SMOTE cannot "
                    "interpolate it; it is left without synthetic rows. Gather more rows "
                    "of this class, or merge it with another class.",
                    UserWarning,
                    stacklevel=4,
                )
                continue
            target[label] = counts[label] + n_new
        return target

    def _usable_k(self, counts, target):
        """``k_neighbors`` lowered so every class to over-sample has k + 1 rows."""
        smallest = min(target, key=lambda label: counts[label])
        k = min(self.k_neighbors, counts[smallest] - 1)
        if k < self.k_neighbors:
            warnings.warn(
                f"Class {smallest!r} has only {counts[smallest]} training rows, too few "
                f"for k_neighbors={self.k_neighbors}; using k_neighbors={k}. Lower "
                "k_neighbors or gather more rows of this class to silence this warning.",
                UserWarning,
                stacklevel=4,
            )
        return k

    def _make_sampler(self, X, target):
        options = {"sampling_strategy": target, "k_neighbors": self.k_neighbors_,
                   "random_state": self.random_state}
        if self.method == "smote":
            if sparse.issparse(X):  # the partitioned search needs dense rows
                options["k_neighbors"] = NearestNeighbors(n_neighbors=self.k_neighbors_ + 1)
            else:
                options["k_neighbors"] = PartitionedNeighbors(
                    self.k_neighbors_ + 1, leaf_size=_LEAF_ROWS, random_state=self.random_state)
            return _LeanSMOTE(**options)
        n_categorical = _count_categorical(X, self.categorical_features)
        if n_categorical == 0:
            warnings.warn("method='smotenc' found no categorical column; using SMOTE.",
                          UserWarning, stacklevel=4)
            return SMOTE(**options)
        if n_categorical == self.n_features_in_:
            warnings.warn("method='smotenc' found no numeric column; using SMOTEN.",
                          UserWarning, stacklevel=4)
            return SMOTEN(**options)
        return SMOTENC(categorical_features=self.categorical_features, **options)
