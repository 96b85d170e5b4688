"""Nearest neighbours for SMOTE whose cost grows linearly with the number of rows.

SMOTE looks up the k nearest neighbours of every minority row among the minority
rows. scikit-learn's exact search on dense one-hot data is brute force, so its
cost grows with the square of the class size: on a million-row table it took
most of the time of phases 1-4. This module splits the rows into leaves of at
most ``leaf_size`` rows with a random-projection tree (each split halves a node
along the line through two of its rows drawn at random, so nearby rows tend to
share a leaf) and searches exactly within each leaf: O(n * leaf_size) distance
evaluations instead of O(n^2). Classes no larger than one leaf get the exact
search. Written here because scikit-learn has no approximate search and the
libraries that do (pynndescent, annoy, faiss) would add compiled dependencies
for this one step.
"""

from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted

from .._sklearn import Interval

__all__ = ["PartitionedNeighbors", "sampled_recall"]

# Rows whose exact neighbours are computed to measure a search's recall: enough
# for a share to +-0.05 (binomial, k=5 neighbours each), a brute-force pass over
# the class for each.
_RECALL_QUERIES = 200


class PartitionedNeighbors(BaseEstimator):
    """k nearest neighbours searched within the leaves of a random-projection tree.

    Exact when the fitted rows fit in one leaf; otherwise approximate, with a
    cost linear in the number of rows. Implements the ``fit`` / ``kneighbors`` /
    ``kneighbors_graph`` interface that imbalanced-learn's samplers accept as
    ``k_neighbors``.

    Parameters
    ----------
    n_neighbors : int, default=6
        Neighbours returned per query (SMOTE asks for k + 1: each row finds itself first).
    leaf_size : int, default=4096
        Most rows per leaf; it is raised to ``2 * n_neighbors`` if smaller.
    random_state : int, RandomState instance or None, default=None
        Seed for the tree's splits.

    Attributes
    ----------
    leaves_ : list of ndarray
        Positions of the fitted rows in each leaf.
    n_leaves_ : int
        Number of leaves; with one, the search is exact.
    n_samples_fit_ : int
        Number of fitted rows.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> nn = PartitionedNeighbors(n_neighbors=3, leaf_size=30, random_state=0).fit(X)
    >>> len(nn.leaves_), nn.kneighbors(X, return_distance=False).shape
    (4, (100, 3))
    """

    _parameter_constraints: dict = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "leaf_size": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, n_neighbors=6, *, leaf_size=4096, random_state=None):
        self.n_neighbors = n_neighbors
        self.leaf_size = leaf_size
        self.random_state = random_state

    def fit(self, X, y=None):
        """Build the tree over the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The rows to search among.
        y : None
            Ignored.

        Returns
        -------
        self : PartitionedNeighbors
        """
        self._validate_params()
        self._fit_input = X
        self._fit_X = check_array(X, dtype=[np.float64, np.float32])
        self.n_samples_fit_ = self._fit_X.shape[0]
        leaf_size = max(self.leaf_size, 2 * self.n_neighbors)
        rng = check_random_state(self.random_state)
        # Each split: (direction, threshold, left child, right child); leaves are
        # negative numbers -(leaf + 1), so routing a query is a loop over splits.
        self._splits, self.leaves_ = [], []
        root = self._grow(np.arange(self.n_samples_fit_), leaf_size, rng)
        self._root = root
        self.n_leaves_ = len(self.leaves_)
        return self

    def _grow(self, rows, leaf_size, rng):
        if len(rows) <= leaf_size:
            self.leaves_.append(rows)
            return -len(self.leaves_)
        X = self._fit_X
        a, b = rng.choice(rows, size=2, replace=False)
        direction = X[a].astype(np.float64) - X[b]
        if not np.any(direction):  # two identical rows: any direction will do
            direction = rng.normal(size=X.shape[1])
        projection = X[rows] @ direction.astype(X.dtype)
        # Split exactly in half (ties go either way), so depth stays log(n / leaf).
        order = np.argpartition(projection, len(rows) // 2)
        left, right = rows[order[: len(rows) // 2]], rows[order[len(rows) // 2:]]
        threshold = 0.5 * (projection[order[: len(rows) // 2]].max()
                           + projection[order[len(rows) // 2:]].min())
        node = len(self._splits)
        self._splits.append([direction, threshold, 0, 0])
        self._splits[node][2] = self._grow(left, leaf_size, rng)
        self._splits[node][3] = self._grow(right, leaf_size, rng)
        return node

    def _route(self, X):
        """Leaf number of each query row."""
        leaf = np.empty(len(X), dtype=np.intp)
        stack = [(self._root, np.arange(len(X)))]
        while stack:
            node, rows = stack.pop()
            if node < 0:
                leaf[rows] = -node - 1
                continue
            direction, threshold, left, right = self._splits[node]
            go_left = X[rows] @ direction.astype(X.dtype) <= threshold
            stack += [(left, rows[go_left]), (right, rows[~go_left])]
        return leaf

    def kneighbors(self, X=None, n_neighbors=None, return_distance=True):
        """Find each query's neighbours among the fitted rows of its leaf.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features), default=None
            Query rows. The fitted rows themselves are looked up in the leaves they
            were fitted into, so each finds itself first; None does the same but
            leaves each row itself out, as scikit-learn does.
        n_neighbors : int, default=None
            Neighbours per query; defaults to ``n_neighbors``.
        return_distance : bool, default=True
            Also return the distances.

        Returns
        -------
        distances : ndarray of shape (n_queries, n_neighbors)
            Only when ``return_distance``.
        indices : ndarray of shape (n_queries, n_neighbors)
            Positions of the neighbours among the fitted rows.
        """
        check_is_fitted(self, "leaves_")
        k = self.n_neighbors if n_neighbors is None else n_neighbors
        exclude_self = X is None
        if exclude_self:
            k += 1
        if X is None or X is self._fit_input:
            queries, leaf = self._fit_X, self._leaf_of_fitted()
        else:
            queries = check_array(X, dtype=[np.float64, np.float32])
            leaf = self._route(queries)
        smallest = min(len(rows) for rows in self.leaves_)
        if k > smallest:
            raise ValueError(
                f"n_neighbors={k} is more than the {smallest} rows of the smallest leaf; "
                f"raise leaf_size (now {self.leaf_size}) or ask for fewer neighbours."
            )
        distances = np.empty((len(queries), k))
        indices = np.empty((len(queries), k), dtype=np.intp)
        for number, rows in enumerate(self.leaves_):
            asked = np.flatnonzero(leaf == number)
            if len(asked) == 0:
                continue
            exact = NearestNeighbors(n_neighbors=k).fit(self._fit_X[rows])
            found_distance, found = exact.kneighbors(queries[asked])
            distances[asked], indices[asked] = found_distance, rows[found]
        if exclude_self:
            distances, indices = distances[:, 1:], indices[:, 1:]
        return (distances, indices) if return_distance else indices

    def _leaf_of_fitted(self):
        leaf = np.empty(self.n_samples_fit_, dtype=np.intp)
        for number, rows in enumerate(self.leaves_):
            leaf[rows] = number
        return leaf

    def kneighbors_graph(self, X=None, n_neighbors=None, mode="connectivity"):
        """Sparse graph of the neighbours found by :meth:`kneighbors`.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features), default=None
            Query rows, as in :meth:`kneighbors`.
        n_neighbors : int, default=None
            Neighbours per query.
        mode : {"connectivity", "distance"}, default="connectivity"
            Ones, or the distances, as the graph's values.

        Returns
        -------
        graph : sparse matrix of shape (n_queries, n_samples_fit_)
        """
        distances, indices = self.kneighbors(X, n_neighbors, return_distance=True)
        values = np.ones(indices.size) if mode == "connectivity" else distances.ravel()
        rows = np.repeat(np.arange(len(indices)), indices.shape[1])
        return sparse.csr_matrix((values, (rows, indices.ravel())),
                                 shape=(len(indices), self.n_samples_fit_))


def sampled_recall(X, found, *, n_queries=_RECALL_QUERIES, random_state=None):
    """Share of the true nearest neighbours that an approximate search found.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The rows searched among (queries are rows of ``X`` itself).
    found : ndarray of shape (n_samples, k)
        Positions of the neighbours found for each row, the row itself left out.
    n_queries : int, default=200
        Rows drawn at random whose exact neighbours are computed.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    float
        Over the drawn rows, the share of found neighbours no farther than the
        row's k-th true nearest neighbour (so ties among equidistant rows count
        as found).

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(500, 3))
    >>> found = NearestNeighbors(n_neighbors=4).fit(X).kneighbors(return_distance=False)
    >>> sampled_recall(X, found, random_state=0)
    1.0
    """
    rng = check_random_state(random_state)
    rows = rng.choice(len(X), size=min(n_queries, len(X)), replace=False)
    k = found.shape[1]
    exact = NearestNeighbors(n_neighbors=k + 1).fit(X)
    true_distance, _ = exact.kneighbors(X[rows])
    kth = true_distance[:, -1:]
    found_distance = np.linalg.norm(
        X[found[rows]].astype(np.float64) - X[rows, None].astype(np.float64), axis=2)
    # float32 rows: distances agree to ~1e-6 relative
    return float(np.mean(found_distance <= kth * (1 + 1e-5) + 1e-12))
